# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ionoscloud.backup.backupunits role, run by ansible-playbook against the emulator.

What only a real run proves: passwords never reach the output at any verbosity, the role's
variables (strings from -e included) reach the module, and the output names what the role did.
The module behind the role is proven by tests/unit/plugins/modules/test_backupunits.py; the role's
converge, idempotence and end state by the Molecule scenario (extensions/molecule/default).
"""

from __future__ import annotations

import hashlib
import secrets

from ansible_runs import playbook


def new_password():
    """Long and random, so finding it anywhere cannot be a coincidence."""
    return "Pw-" + secrets.token_hex(12)


def role_play(emu, units, role_vars=None, **play):
    return playbook(emu, roles=["ionoscloud.backup.backupunits"], vars=dict(role_vars or {}, backupunits=units), **play)


def test_passwords_never_appear_in_output_even_at_vvv(emulator, run_playbook):
    web, db, rotated_web, rotated_db, refused = new_password(), new_password(), new_password(), new_password(), new_password()
    # After the role, a user inspecting what it registered must not see passwords either.
    show = [{"name": "Show what the role registered", "ansible.builtin.debug": {"var": "backupunits_result"}}]
    units = [{"name": "web", "email": "ops@example.com", "password": web},
             {"name": "db", "email": "dba@example.com", "password": db}]
    rotated = [dict(units[0], password=rotated_web), dict(units[1], password=rotated_db)]

    created = run_playbook(role_play(emulator, units, post_tasks=show), "-vvv", "--diff")
    # The role-level update_password reaches the module: every listed unit gets its new password.
    changed = run_playbook(role_play(emulator, rotated, role_vars={"backupunits_update_password": "always"},
                                     post_tasks=show), "-vvv", "--diff")
    checked = run_playbook(role_play(emulator, [dict(units[0], update_password="always")], check_mode=True), "-vvv", "--diff")
    emulator.add_fault(method="POST", path=r"/backupunits$", action="status", status=422, count=1)
    failed = run_playbook(role_play(emulator, [{"name": "app", "email": "ops@example.com", "password": refused}]), "-vvv")

    for result in (created, changed, checked):
        assert result.returncode == 0, result.output
    assert failed.returncode != 0 and "API error 422" in failed.output, failed.output
    # The passwords really went through the role: the emulator stores their hashes.
    stored = {unit["name"]: unit["password_sha256"] for unit in emulator.units()}
    assert stored == {"web": hashlib.sha256(rotated_web.encode()).hexdigest(), "db": hashlib.sha256(rotated_db.encode()).hexdigest()}
    for result in (created, changed, checked, failed):
        for password in (web, db, rotated_web, rotated_db, refused):
            assert password not in result.output
    # Each unit's diff is headed by its name, so the output still says what happened to which unit.
    assert "+++ after: web" in created.output and "+++ after: db" in created.output


def test_a_newcomer_sees_by_name_what_the_role_did_and_an_empty_purge_deletes_nothing(emulator, run_playbook):
    for name in ("console-made", "web", "old"):
        emulator.create_unit(name, wait=True)
    # Only purge set, as -e sets it (a string), and the list forgotten: refused, nothing deleted.
    refused = run_playbook(playbook(emulator, roles=["ionoscloud.backup.backupunits"]), "-e", "backupunits_purge=true")
    assert refused.returncode != 0 and "refusing to purge: the list of units is empty" in refused.output
    assert sorted(unit["name"] for unit in emulator.units()) == ["console-made", "old", "web"]

    # An existing unit taken over with its name alone (no email, no password); "false" as a string means false.
    units = [{"name": "console-made"}, {"name": "new-1", "email": "a@example.com", "password": new_password()},
             {"name": "new-2", "email": "b@example.com", "password": new_password()}, {"name": "old", "state": "absent"}]
    checked = run_playbook(role_play(emulator, units), "-e", "backupunits_purge=true", "--check")
    done = run_playbook(role_play(emulator, units), "-e", "backupunits_purge=false")

    assert checked.returncode == 0 and done.returncode == 0, checked.output + done.output
    assert ('"msg": "would create: new-1, new-2; would delete: old; would delete (undeclared, purged): web; '
            '1 unchanged"') in checked.output
    assert '"msg": "created: new-1, new-2; deleted: old; 1 unchanged; not declared, left alone: web"' in done.output
    assert sorted(unit["name"] for unit in emulator.units()) == ["console-made", "new-1", "new-2", "web"]
