# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ionoscloud.backup.backupunits role, run by ansible-playbook against the emulator.

What only a real run proves: the role's argument spec refuses bad entries before any request,
passwords never reach the output at any verbosity, and the role's variables reach the module.
The module's own behaviour (duplicate names, check mode, a second run changing nothing, a changed
list) is proven by tests/unit/plugins/modules/test_backupunits.py, and the role's by the Molecule
scenario (converge, idempotence, check-mode purge).
"""

from __future__ import annotations

import pytest
import yaml

from reliability.helpers import new_password, sha256, writes


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


def units_by_name(emulator):
    return {unit["name"]: unit for unit in emulator.units()}


# ---------------------------------------------------------------------------------- bad input


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
    emulator.create_unit("old", email="a@example.com", password=new_password())

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
    assert sorted(entry["method"] for entry in writes(emulator.log()) if entry["status"] == 202).count("PATCH") == 2
