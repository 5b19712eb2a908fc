# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input: every case fails its task with one line that says what to fix, and changes nothing.

Each case asserts: the task failed; its message is one line (no traceback, no MODULE FAILURE)
matching what the user must fix; and no write request reached any server. All cases run in one
playbook (one ``ignore_errors`` task each) so the suite stays fast; every case talks to the
emulator with its own ``contract_number``, which the emulator logs, so a write is pinned on the
case that sent it.

"A name change attempt": the name is a backup unit's key, and the API refuses to change it
(422). The backupunit module has no ``id`` option, so the only way a user can try to rename a
unit is to address it by its id and give it a new name - with the module or with the role.
Both must be refused before any request, not silently turned into a create of a second unit.

The API misbehaving (a body that is not JSON, a proxy's HTML error page, a truncated body, a
huge body) comes from tests/system/reliability/misbehaving_server.py.
"""

from __future__ import annotations

import json
import re
import socket
import uuid

from reliability.helpers import new_password, playbook_yaml
from reliability.misbehaving_server import HUGE_BODY_BYTES, MisbehavingServer

FIRST_CONTRACT = 7000
EXISTING_UNIT = "existing-unit"
DROP = object()   # a connection option to leave out
ROLE_SPEC_HEADER = "Validation of arguments failed:\n"


class Case:
    def __init__(self, case_id, module, options, fix, connection=None, seed=False):
        self.id = case_id
        self.module = module
        self.options = options
        self.fix = re.compile(fix)        # what the message must say
        self.connection = connection or {}
        self.seed = seed                  # an existing unit in the case's contract


PASSWORD = "Bad-input-pass-1"
CREATE = {"name": "new-unit", "email": "ops@example.com", "backupunit_password": PASSWORD}

CASES = [
    # -- wrong types ------------------------------------------------------------------------------
    Case("wait_timeout-not-an-int", "backupunit", dict(CREATE, wait_timeout="soon"),
         r"wait_timeout.*(int|integer)"),
    Case("wait-not-a-bool", "backupunit", dict(CREATE, wait="maybe"), r"'wait'.*bool"),
    Case("timeout-not-an-int", "backupunit", dict(CREATE, timeout="fast"), r"timeout.*int"),
    Case("contract_number-not-an-int", "backupunit_info", {}, r"contract_number.*int",
         connection={"contract_number": "my-contract"}),
    Case("validate_certs-not-a-bool", "backupunit", CREATE, r"validate_certs.*bool",
         connection={"validate_certs": "perhaps"}),
    Case("state-not-a-choice", "backupunit", dict(CREATE, state="deleted"),
         r"state must be one of: present, absent, got: deleted"),
    Case("update_password-not-a-choice", "backupunit", dict(CREATE, update_password="sometimes"),
         r"update_password must be one of: always, on_create, got: sometimes"),
    Case("timeout-zero", "backupunit", dict(CREATE, timeout=0), r"timeout must be a positive"),
    Case("wait_timeout-negative", "backupunit", dict(CREATE, wait_timeout=-5), r"wait_timeout must be 0 or more"),
    Case("misspelt-option", "backupunit", dict(CREATE, emial="ops@example.com"),
         r"Unsupported parameters.*emial"),
    # -- missing required options ---------------------------------------------------------------
    Case("backupunit-without-name", "backupunit", {"email": "ops@example.com"},
         r"missing required arguments: name"),
    Case("sso_url-without-name-or-id", "backupunit_sso_url", {}, r"one of the following is required: name, id"),
    Case("create-without-password", "backupunit", {"name": "new-unit", "email": "ops@example.com"},
         r"backupunit_password is required to create"),
    # -- mutually exclusive options ---------------------------------------------------------------
    Case("info-name-and-id", "backupunit_info", {"name": "a", "id": str(uuid.uuid4())},
         r"mutually exclusive: name\|id"),
    Case("sso_url-name-and-id", "backupunit_sso_url", {"name": "a", "id": str(uuid.uuid4())},
         r"mutually exclusive: name\|id"),
    # -- empty names ------------------------------------------------------------------------------
    Case("empty-name", "backupunit", dict(CREATE, name=""), r"name must not be empty"),
    Case("blank-name", "backupunit", dict(CREATE, name="   "), r"name must not be empty"),
    Case("empty-name-absent", "backupunit", {"name": "", "state": "absent"}, r"name must not be empty"),
    Case("info-empty-name", "backupunit_info", {"name": ""}, r"name must not be empty"),
    Case("sso_url-empty-name", "backupunit_sso_url", {"name": ""}, r"name must not be empty"),
    # -- invalid email ------------------------------------------------------------------------------
    Case("email-without-at", "backupunit", dict(CREATE, email="not-an-email"), r"(?i)email.*(invalid|valid|address)"),
    Case("email-without-domain", "backupunit", dict(CREATE, email="ops@"), r"(?i)email.*(invalid|valid|address)"),
    Case("email-with-two-ats", "backupunit", dict(CREATE, email="ops@@example.com"),
         r"(?i)email.*(invalid|valid|address)"),
    Case("email-change-to-invalid", "backupunit", {"name": EXISTING_UNIT, "email": "ops example.com"},
         r"(?i)email.*(invalid|valid|address)", seed=True),
    # -- a name change attempt (see the module docstring) ----------------------------------------
    Case("rename-by-id", "backupunit", {"id": "{{ existing_unit_ids['rename-by-id'] }}", "name": "renamed-unit",
                                        "email": "ops@example.com"},
         r"Unsupported parameters.*\bid\b", seed=True),
    # -- unknown id -------------------------------------------------------------------------------
    Case("sso_url-unknown-id", "backupunit_sso_url", {"id": str(uuid.uuid4())}, r"not found"),
    Case("sso_url-id-that-is-a-path", "backupunit_sso_url", {"id": "../../requests"}, r"not found"),
    # -- credentials ------------------------------------------------------------------------------
    Case("wrong-password", "backupunit", CREATE, r"401.*check username/password or token",
         connection={"password": "wrong-password-123"}),
    Case("wrong-token", "backupunit_info", {}, r"401.*check username/password or token",
         connection={"token": "wrong-token-123456"}),
    Case("no-credentials", "backupunit", CREATE, r"No credentials: set token.*or both username and password",
         connection={"username": DROP, "password": DROP}),
    Case("username-without-password", "backupunit_info", {}, r"No credentials: set token.*or both username and password",
         connection={"password": DROP}),
    # -- api_url ------------------------------------------------------------------------------------
    Case("unreachable-api_url", "backupunit", CREATE, r"127\.0\.0\.1:{closed_port}.*connection failed.*gave up",
         connection={"api_url": "http://127.0.0.1:{closed_port}/cloudapi/v6"}),
    Case("api_url-without-scheme-ip", "backupunit", CREATE, r"api_url must start with https:// \(or http://\)",
         connection={"api_url": "127.0.0.1:{emulator_port}/cloudapi/v6"}),
    Case("api_url-without-scheme-hostname", "backupunit", CREATE, r"api_url must start with https:// \(or http://\)",
         connection={"api_url": "localhost:{emulator_port}/cloudapi/v6"}),
    # -- the API (or a proxy) misbehaving ---------------------------------------------------------
    Case("answer-not-json", "backupunit", CREATE, r"not JSON", connection={"api_url": "{misbehaving:not-json}"}),
    Case("proxy-html-502", "backupunit", CREATE, r"502.*Bad Gateway", connection={"api_url": "{misbehaving:proxy-html}"}),
    Case("proxy-login-page", "backupunit_info", {}, r"not JSON", connection={"api_url": "{misbehaving:proxy-login}"}),
    Case("truncated-body", "backupunit", CREATE, r"(?i)incomplete|truncated|connection broken",
         connection={"api_url": "{misbehaving:truncated}"}),
    Case("huge-body", "backupunit_info", {}, r"not JSON", connection={"api_url": "{misbehaving:huge}"}),
]

ROLE_CASES = [
    Case("role-duplicate-names", "role", [
        {"name": "web", "email": "ops@example.com", "password": PASSWORD},
        {"name": "db", "email": "dba@example.com", "password": PASSWORD},
        {"name": "web", "state": "absent"},
    ], r"these backup unit names are listed more than once: web;"),
    Case("role-rename-by-id", "role", [
        {"id": "{{ existing_unit_ids['role-rename-by-id'] }}", "name": "renamed-unit", "email": "ops@example.com",
         "password": PASSWORD},
    ], r"Unsupported parameters.*\bid\b|backupunits\.id", seed=True),
    Case("role-present-without-email", "role", [{"name": "web", "password": PASSWORD}],
         r"state is present but all of the following are missing: email"),
]


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connection_for(case, contract, emu, misbehaving, port):
    options = {"api_url": emu.url, "username": emu.username, "password": emu.password, "contract_number": contract}
    for key, value in case.connection.items():
        if value is DROP:
            options.pop(key, None)
            continue
        if isinstance(value, str):
            if value.startswith("{misbehaving:"):
                value = misbehaving.url(value[len("{misbehaving:"):-1])
            value = value.replace("{closed_port}", str(port)).replace(
                "{emulator_port}", emu.url.split(":")[2].split("/")[0])
        options[key] = value
    return {"group/ionoscloud.backup.all": options}


def bad_input_playbook(emu, misbehaving, port, results_path):
    tasks = []
    registers = {}
    for number, case in enumerate(CASES):
        register = "case_%d" % number
        registers[case.id] = register
        tasks.append({
            "name": "Bad input: " + case.id,
            "ionoscloud.backup." + case.module: case.options,
            "module_defaults": connection_for(case, FIRST_CONTRACT + number, emu, misbehaving, port),
            "register": register,
            "ignore_errors": True,
        })
    for offset, case in enumerate(ROLE_CASES):
        number = len(CASES) + offset
        register = "case_%d" % number
        registers[case.id] = register
        tasks.append({
            "name": "Bad input: " + case.id,
            "module_defaults": connection_for(case, FIRST_CONTRACT + number, emu, misbehaving, port),
            "block": [{"name": "Run the role", "ansible.builtin.include_role": {"name": "ionoscloud.backup.backupunits"},
                       "vars": {"backupunits": case.options}},
                      {"name": "The role did not fail", "ansible.builtin.set_fact": {register: {"failed": False}}}],
            "rescue": [{"name": "Keep how the role failed",
                        "ansible.builtin.set_fact": {register: "{{ ansible_failed_result }}"}}],
        })
    tasks.append({
        "name": "Save every case's result",
        "ansible.builtin.copy": {
            "dest": str(results_path),
            "mode": "0600",
            "content": "{{ {%s} | ansible.builtin.to_json }}" % ", ".join(
                "'%s': %s" % (case_id, register) for case_id, register in registers.items()),
        },
    })
    return playbook_yaml([{"name": "Bad input", "hosts": "localhost", "gather_facts": False, "tasks": tasks}])


def seed_units(emu):
    """An existing unit in the contract of every case that needs one; returns {case id: unit id}."""
    ids = {}
    for number, case in enumerate(CASES + ROLE_CASES):
        if case.seed:
            status, _headers, body = emu.api(
                "POST", "/backupunits", {"properties": {"name": EXISTING_UNIT, "email": "old@example.com",
                                                        "password": new_password()}},
                headers={"X-Contract-Number": str(FIRST_CONTRACT + number)})
            assert status == 202, body
            ids[case.id] = body["id"]
    emu.wait_until(lambda: all(u["state"] == "AVAILABLE" for u in emu.units()), timeout=15)
    return ids


def test_bad_input_fails_with_one_clear_line_and_changes_nothing(emulator, run_playbook, tmp_path):
    # The emulator refuses contracts the user does not have (403): make every case's contract one of
    # them. The first stays the default, which is what a request without a contract number is logged as.
    default_contract = emulator.config()["contracts"][0]
    emulator.configure(contracts=[default_contract] + [FIRST_CONTRACT + number
                                                       for number in range(len(CASES) + len(ROLE_CASES))])
    existing_unit_ids = seed_units(emulator)
    units_before = emulator.units()
    emulator.clear_log()
    port = closed_port()
    results_path = tmp_path / "bad_input_results.json"

    with MisbehavingServer() as misbehaving:
        result = run_playbook(bad_input_playbook(emulator, misbehaving, port, results_path),
                              extra_vars={"existing_unit_ids": existing_unit_ids})
        misbehaving_requests = misbehaving.requests

    assert result.returncode == 0, result.output[-20000:]
    results = json.loads(results_path.read_text())
    writes_by_contract = {}
    for entry in emulator.log():
        if entry["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            writes_by_contract.setdefault(entry["contract"], []).append(entry["method"])
    misbehaving_writes = [request for request in misbehaving_requests if request[0] != "GET"]

    problems = []
    for number, case in enumerate(CASES + ROLE_CASES):
        outcome = results[case.id]
        message = str(outcome.get("msg", ""))
        fix = re.compile(case.fix.pattern.replace("{closed_port}", str(port)))
        if not outcome.get("failed"):
            problems.append("%s: the task did not fail: %s" % (case.id, json.dumps(outcome)[:300]))
            continue
        if case.module == "role":
            # ansible-core itself words role argument-spec failures as this header plus one line per
            # problem; the role cannot change that, so the line after the header is the message.
            message = message.replace(ROLE_SPEC_HEADER, "", 1)
        if "\n" in message.strip() or len(message) > 500:
            problems.append("%s: not one short line: %r" % (case.id, message[:600]))
        if not fix.search(message):
            problems.append("%s: the message does not say what to fix (expected /%s/): %r"
                            % (case.id, fix.pattern, message[:600]))
        if "Traceback" in json.dumps(outcome) or "MODULE FAILURE" in message:
            problems.append("%s: a Python traceback instead of a message: %r" % (case.id, message[:300]))
        if writes_by_contract.get(FIRST_CONTRACT + number):
            problems.append("%s: sent %s" % (case.id, writes_by_contract[FIRST_CONTRACT + number]))
    if writes_by_contract.get(default_contract):
        problems.append("writes without a contract number: %s" % writes_by_contract[default_contract])
    if misbehaving_writes:
        problems.append("writes to the misbehaving server: %s" % misbehaving_writes)
    if "Traceback" in result.output:
        problems.append("the output holds a traceback")
    # The huge body must not reach the output: messages quote at most a snippet of an answer.
    if len(result.output) > HUGE_BODY_BYTES // 32:
        problems.append("the output is %d bytes long: an answer body was printed" % len(result.output))

    assert problems == [], "%d problems:\n%s" % (len(problems), "\n".join(problems))
    # The units that existed before are untouched.
    assert sorted((u["id"], u["email"], u["password_sha256"]) for u in emulator.units()) == \
        sorted((u["id"], u["email"], u["password_sha256"]) for u in units_before)


# -- credentials with control characters or surrounding whitespace (issue #14) -------------------------
# Each is refused before any request, with one line naming the option, and no part of the value shows
# anywhere in the output, at the highest verbosity, with the task's invocation injected as well. The
# parts either side of the control character are what a redaction that stops at a line break leaked.
HEAD = "CredHeadFragment"
TAIL = "CredTailFragment"
CONTROL_CHARACTERS = {"LF": "\n", "CR": "\r", "CRLF": "\r\n", "NUL": "\x00", "TAB": "\t", "SOH": "\x01",
                      "ESC": "\x1b", "US": "\x1f", "DEL": "\x7f"}
CONTROL = "contains a control character"
CREDENTIAL_CASES = (
    [("token-" + label, "token", HEAD + char + TAIL, CONTROL) for label, char in CONTROL_CHARACTERS.items()]
    + [("password-" + label, "password", HEAD + char + TAIL, CONTROL) for label, char in CONTROL_CHARACTERS.items()]
    # A NUL in the username is refused by ansible-core itself, before the module runs (it logs the
    # options that are not no_log, and syslog refuses a NUL): see tests/unit/.../test_credentials.py.
    + [("username-" + label, "username", HEAD + char + TAIL, CONTROL)
       for label, char in CONTROL_CHARACTERS.items() if label != "NUL"]
    + [("token-leading-space", "token", " " + HEAD + TAIL, "starts or ends with whitespace"),
       ("password-trailing-space", "password", HEAD + TAIL + " ", "starts or ends with whitespace"),
       ("username-trailing-newline", "username", HEAD + TAIL + "\n", CONTROL)]
)
VARIABLES = {"token": "IONOS_TOKEN", "password": "IONOS_PASSWORD", "username": "IONOS_USERNAME"}


def test_credentials_with_control_characters_fail_before_any_request_and_show_no_fragment(emulator, run_playbook,
                                                                                          tmp_path):
    results_path = tmp_path / "credential_results.json"
    tasks = []
    for number, (case_id, option, value, _problem) in enumerate(CREDENTIAL_CASES):
        connection = {"api_url": emulator.url, "username": emulator.username, "password": emulator.password}
        connection[option] = value
        tasks.append({
            "name": "Bad credential: " + case_id,
            "ionoscloud.backup.backupunit": dict(CREATE),
            "module_defaults": {"group/ionoscloud.backup.all": connection},
            "register": "credential_case_%d" % number,
            "ignore_errors": True,
        })
    tasks.append({
        "name": "Save every case's result",
        "ansible.builtin.copy": {
            "dest": str(results_path), "mode": "0600",
            "content": "{{ [%s] | ansible.builtin.to_json }}" % ", ".join(
                "credential_case_%d" % number for number in range(len(CREDENTIAL_CASES))),
        },
    })
    emulator.clear_log()

    result = run_playbook(playbook_yaml([{"name": "Bad credentials", "hosts": "localhost", "gather_facts": False,
                                          "tasks": tasks}]),
                          verbosity=4, env={"ANSIBLE_INJECT_INVOCATION": "true"})

    assert result.returncode == 0, result.output[-20000:]
    problems = []
    for fragment in (HEAD, TAIL):
        if fragment in result.output:
            line = next(line for line in result.output.splitlines() if fragment in line)
            problems.append("the output shows %s: %r" % (fragment, line[:300]))
    outcomes = json.loads(results_path.read_text())
    for (case_id, option, _value, problem), outcome in zip(CREDENTIAL_CASES, outcomes):
        message = str(outcome.get("msg", ""))
        expected = "%s (or %s) %s" % (option, VARIABLES[option], problem)
        if not outcome.get("failed"):
            problems.append("%s: the task did not fail" % case_id)
        elif not message.startswith(expected) or "\n" in message:
            problems.append("%s: not one line starting %r: %r" % (case_id, expected, message[:300]))
    if emulator.log():
        problems.append("requests reached the API: %s" % ["%s %s" % (e["method"], e["path"]) for e in emulator.log()])
    assert problems == [], "%d problems:\n%s" % (len(problems), "\n".join(problems))
