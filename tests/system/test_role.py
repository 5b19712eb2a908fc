# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ionoscloud.backup.backupunits role, run by ansible-playbook against the emulator.

What a user relies on: bad input (including a name listed twice) fails before any request,
passwords never reach the output at any verbosity, check mode writes nothing, and a second
run of the same list changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import pytest
import yaml

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def role_playbook(units, check_mode=None, extra_vars=None, after_tasks=None):
    """A play that runs the role with ``backupunits: units``; connection from the environment."""
    play = {
        "name": "Converge backup units",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": dict(extra_vars or {}, backupunits=units),
        "roles": [{"role": "ionoscloud.backup.backupunits"}],
    }
    if check_mode is not None:
        play["check_mode"] = check_mode
    if after_tasks:
        play["post_tasks"] = after_tasks
    return yaml.safe_dump([play], sort_keys=False)


def save_results_task(path):
    """A task that writes what the role registered (backupunits_result) to ``path`` as JSON."""
    return {
        "name": "Save what the role registered",
        "ansible.builtin.copy": {"content": "{{ backupunits_result | ansible.builtin.to_json }}", "dest": str(path)},
        "check_mode": False,
    }


def role_result(path):
    """What the role registered: per-entry results in input order under "backupunits", and "diff"."""
    return json.loads(path.read_text())


def new_password():
    # Long and random, so finding it in the output cannot be a coincidence.
    return "Pw-" + secrets.token_hex(12)


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def units_by_name(emulator):
    return {unit["name"]: unit for unit in emulator.units()}


def writes(emulator):
    return [entry for entry in emulator.log() if entry["method"] in WRITE_METHODS]


# ---------------------------------------------------------------------------------- bad input


def test_duplicate_name_fails_before_any_request(emulator, emulator_env, run_playbook):
    units = [
        {"name": "web", "email": "ops@example.com", "password": new_password()},
        {"name": "db", "email": "dba@example.com", "password": new_password()},
        {"name": "web", "state": "absent"},
    ]
    result = run_playbook(role_playbook(units), env=emulator_env(emulator))

    assert result.returncode != 0, result.output
    assert "these backup unit names are listed more than once: web;" in result.output
    assert emulator.log() == [], "the role sent requests before rejecting its input"
    assert emulator.units() == []


@pytest.mark.parametrize(
    "units, message",
    [
        pytest.param([{"name": "web", "password": "x-pass-1234"}],
                     "state is present but all of the following are missing: email",
                     id="present-without-email"),
        pytest.param([{"name": "web", "email": "ops@example.com"}],
                     "state is present but all of the following are missing: password",
                     id="present-without-password"),
        pytest.param([{"name": "web", "email": "ops@example.com", "password": "x-pass-1234", "state": "gone"}],
                     "value of state must be one of: present, absent, got: gone",
                     id="unknown-state"),
        pytest.param([{"email": "ops@example.com", "password": "x-pass-1234"}],
                     "missing required arguments: name",
                     id="entry-without-name"),
        pytest.param([{"name": "web", "email": "ops@example.com", "password": "x-pass-1234", "mail": "typo"}],
                     "mail",
                     id="misspelt-key"),
        pytest.param([{"name": "web", "email": "ops@example.com", "password": "x-pass-1234",
                       "update_password": "sometimes"}],
                     "value of update_password must be one of: on_create, always, got: sometimes",
                     id="unknown-update-password"),
    ],
)
def test_invalid_entry_fails_before_any_request(units, message, emulator, emulator_env, run_playbook):
    result = run_playbook(role_playbook(units), env=emulator_env(emulator))

    assert result.returncode != 0, result.output
    assert "Validation of arguments failed" in result.output
    assert message in result.output
    assert emulator.log() == []


def test_absent_entry_needs_only_a_name(emulator, emulator_env, run_playbook):
    status, _headers, _body = emulator.api(
        "POST", "/backupunits", {"properties": {"name": "old", "email": "a@example.com", "password": new_password()}})
    assert status == 202

    result = run_playbook(role_playbook([{"name": "old", "state": "absent"}]), env=emulator_env(emulator))

    assert result.returncode == 0, result.output
    assert result.recap["localhost"]["changed"] == 1
    emulator.wait_until(lambda: emulator.units() == [], timeout=10)


# ----------------------------------------------------------------------------------- secrets


def test_passwords_never_appear_in_output_even_at_vvv(emulator, emulator_env, run_playbook):
    web_password, db_password, rotated_password = new_password(), new_password(), new_password()
    env = emulator_env(emulator)
    # After the role, a user inspecting what it registered must not see passwords either.
    show_results = [{"name": "Show what the role registered", "ansible.builtin.debug": {"var": "backupunits_result"}}]

    created = run_playbook(role_playbook(
        [{"name": "web", "email": "ops@example.com", "password": web_password},
         {"name": "db", "email": "dba@example.com", "password": db_password}],
        after_tasks=show_results), env=env, verbosity=3, diff=True)
    rotated = run_playbook(role_playbook(
        [{"name": "web", "email": "ops@example.com", "password": rotated_password, "update_password": "always"},
         {"name": "db", "email": "dba@example.com", "password": db_password}],
        after_tasks=show_results), env=env, verbosity=3, diff=True)
    checked = run_playbook(role_playbook(
        [{"name": "web", "email": "ops@example.com", "password": rotated_password, "update_password": "always"}],
        check_mode=True), env=env, verbosity=3, diff=True)

    for result in (created, rotated, checked):
        assert result.returncode == 0, result.output
    # The passwords really went through the role: the emulator stores their hashes.
    units = units_by_name(emulator)
    assert units["web"]["password_sha256"] == sha256(rotated_password)
    assert units["db"]["password_sha256"] == sha256(db_password)
    assert rotated.recap["localhost"]["changed"] == 1  # only web, whose password was sent again
    for result in (created, rotated, checked):
        for password in (web_password, db_password, rotated_password):
            assert password not in result.output
    # Each unit's diff is headed by its name, so the output still says what happened to which unit.
    assert "+++ after: web" in created.output
    assert "+++ after: db" in created.output


def test_password_hidden_when_the_module_fails(emulator, emulator_env, run_playbook):
    password = new_password()
    emulator.add_fault(method="POST", path=r"/backupunits$", action="status", status=422, count=1)

    result = run_playbook(
        role_playbook([{"name": "web", "email": "ops@example.com", "password": password}]),
        env=emulator_env(emulator), verbosity=3)

    assert result.returncode != 0, result.output
    assert "API error 422" in result.output
    assert password not in result.output


# -------------------------------------------------------------------------------- check mode


def test_check_mode_predicts_changes_and_writes_nothing(emulator, emulator_env, run_playbook, tmp_path):
    env = emulator_env(emulator)
    keep_password = new_password()
    setup = run_playbook(role_playbook([
        {"name": "keep", "email": "old@example.com", "password": keep_password},
        {"name": "remove", "email": "r@example.com", "password": new_password()},
    ]), env=env)
    assert setup.returncode == 0, setup.output
    before = units_by_name(emulator)
    emulator.clear_log()

    result = run_playbook(role_playbook([
        {"name": "new", "email": "new@example.com", "password": new_password()},
        {"name": "keep", "email": "new@example.com", "password": keep_password},
        {"name": "remove", "state": "absent"},
    ], after_tasks=[save_results_task(tmp_path / "results.json")]), env=env, check=True, diff=True)

    assert result.returncode == 0, result.output
    registered = role_result(tmp_path / "results.json")
    items = registered["backupunits"]
    assert [item["name"] for item in items] == ["new", "keep", "remove"]
    assert [item["action"] for item in items] == ["create", "update", "delete"]
    assert [item["changed"] for item in items] == [True, True, True]
    diffs = {diff["before_header"]: diff for diff in registered["diff"]}
    assert diffs["new"]["before"] == {}
    assert diffs["keep"]["after"]["email"] == "new@example.com"
    assert diffs["remove"]["after"] == {}
    assert writes(emulator) == [], "check mode sent writes"
    assert {entry["method"] for entry in emulator.log()} == {"GET"}
    assert units_by_name(emulator) == before


# ------------------------------------------------------------------------------- idempotence


def test_second_run_changes_nothing_and_sends_no_writes(emulator, emulator_env, run_playbook):
    env = emulator_env(emulator)
    units = [
        {"name": "web", "email": "ops@example.com", "password": new_password()},
        {"name": "db", "email": "dba@example.com", "password": new_password(), "update_password": "on_create"},
        {"name": "never-existed", "state": "absent"},
    ]
    first = run_playbook(role_playbook(units), env=env)
    assert first.returncode == 0, first.output
    assert first.recap["localhost"]["changed"] == 1
    stored = units_by_name(emulator)
    assert set(stored) == {"web", "db"}
    assert stored["web"]["email"] == "ops@example.com"
    assert stored["db"]["email"] == "dba@example.com"
    assert stored["web"]["password_sha256"] == sha256(units[0]["password"])
    emulator.clear_log()

    second = run_playbook(role_playbook(units), env=env)

    assert second.returncode == 0, second.output
    assert second.recap["localhost"]["changed"] == 0
    assert writes(emulator) == []
    assert units_by_name(emulator) == stored


def test_changed_list_converges_then_is_stable(emulator, emulator_env, run_playbook, tmp_path):
    env = emulator_env(emulator)
    web_password = new_password()
    initial = [
        {"name": "web", "email": "ops@example.com", "password": web_password},
        {"name": "db", "email": "dba@example.com", "password": new_password()},
    ]
    assert run_playbook(role_playbook(initial), env=env).returncode == 0
    db_id = units_by_name(emulator)["db"]["id"]

    changed_list = [
        {"name": "web", "state": "absent"},
        {"name": "db", "email": "backup-team@example.com", "password": "not-sent-on-update"},
        {"name": "logs", "email": "logs@example.com", "password": new_password()},
    ]
    converge = run_playbook(role_playbook(changed_list, after_tasks=[save_results_task(tmp_path / "results.json")]),
                            env=env)
    assert converge.returncode == 0, converge.output
    assert [item["changed"] for item in role_result(tmp_path / "results.json")["backupunits"]] == [True, True, True]
    emulator.wait_until(lambda: "web" not in units_by_name(emulator), timeout=10)
    stored = units_by_name(emulator)
    assert set(stored) == {"db", "logs"}
    # Updated in place: same unit, new email, password untouched (update_password on_create).
    assert stored["db"]["id"] == db_id
    assert stored["db"]["email"] == "backup-team@example.com"
    assert stored["db"]["password_sha256"] != sha256("not-sent-on-update")

    emulator.clear_log()
    again = run_playbook(role_playbook(changed_list), env=env)
    assert again.returncode == 0, again.output
    assert again.recap["localhost"]["changed"] == 0
    assert writes(emulator) == []


def test_role_level_update_password_always_rotates_every_listed_unit(emulator, emulator_env, run_playbook):
    env = emulator_env(emulator)
    units = [{"name": "web", "email": "ops@example.com", "password": new_password()},
             {"name": "db", "email": "dba@example.com", "password": new_password()}]
    assert run_playbook(role_playbook(units), env=env).returncode == 0

    rotated = [dict(unit, password=new_password()) for unit in units]
    result = run_playbook(role_playbook(rotated, extra_vars={"backupunits_update_password": "always"}), env=env)

    assert result.returncode == 0, result.output
    stored = units_by_name(emulator)
    assert stored["web"]["password_sha256"] == sha256(rotated[0]["password"])
    assert stored["db"]["password_sha256"] == sha256(rotated[1]["password"])
    assert sorted(entry["method"] for entry in writes(emulator) if entry["status"] == 202).count("PATCH") == 2
