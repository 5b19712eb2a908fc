# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input: every case fails its task with one line that says what to fix, and sends nothing.

The cases are those only a real run proves: ansible-core's validation of the modules' and the role's
argument specs, and real HTTP (a closed port, an id that is a path, an API or proxy answering
garbage, from reliability/misbehaving_server.py); the modules' own checks are proven by the unit
tests. All cases run in one playbook at -vvvv with the invocation injected, each with its own
``contract_number``, which the emulator logs, so a request is pinned on the case that sent it.

A name is a unit's key, which the API refuses to change: addressing a unit by id with a new name must
be refused before any request, not turned into a create of a second unit. A credential split by a
control character (issue #14) is refused naming the option, and neither half shows in the output.
"""

from __future__ import annotations

import collections
import json
import re
import socket
from urllib.parse import urlsplit

from reliability.helpers import module_defaults, new_password
from reliability.misbehaving_server import HUGE_BODY_BYTES, MisbehavingServer

FIRST_CONTRACT = 7000
DROP = object()   # a connection option to leave out
ROLE_SPEC_HEADER = "Validation of arguments failed:\n"
PASSWORD = "Bad-input-pass-1"
CREATE = {"name": "new-unit", "email": "ops@example.com", "backupunit_password": PASSWORD}
RENAME = {"id": "{{ existing_unit_ids[%r] }}", "name": "renamed-unit", "email": "ops@example.com"}
HEAD, TAIL = "CredHeadFragment", "CredTailFragment"
CONTROL_CHARACTERS = {"LF": "\n", "CR": "\r", "CRLF": "\r\n", "NUL": "\x00", "TAB": "\t", "SOH": "\x01",
                      "ESC": "\x1b", "US": "\x1f", "DEL": "\x7f"}
VARIABLES = {"token": "IONOS_TOKEN", "password": "IONOS_PASSWORD", "username": "IONOS_USERNAME"}

# fix: a regular expression the message must match; reads: GET requests are allowed;
# seed: a unit exists in the case's contract, its id in existing_unit_ids[case id].
Case = collections.namedtuple("Case", "id module options fix connection reads seed", defaults=({}, False, False))


def credential_case(option, value, problem, label):
    return Case("%s-%s" % (option, label), "backupunit", CREATE,
                r"^%s \(or %s\) %s" % (option, VARIABLES[option], problem), connection={option: value})


CASES = [
    # -- ansible-core's validation of the modules' argument specs ------------------------------------
    Case("wait_timeout-not-an-int", "backupunit", dict(CREATE, wait_timeout="soon"), r"wait_timeout.*(int|integer)"),
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
    Case("misspelt-option", "backupunit", dict(CREATE, emial="ops@example.com"), r"Unsupported parameters.*emial"),
    Case("backupunit-without-name", "backupunit", {"email": "ops@example.com"}, r"one of the following is required: name, id"),
    # -- the modules' own checks that the unit tests do not make ------------------------------------
    Case("timeout-zero", "backupunit", dict(CREATE, timeout=0), r"timeout must be a positive"),
    Case("empty-name", "backupunit", dict(CREATE, name=""), r"name must not be empty"),
    Case("empty-name-absent", "backupunit", {"name": "", "state": "absent"}, r"name must not be empty"),
    # Without a scheme, https:// is assumed (as the vendor's Go SDK does); the plain-HTTP emulator says so.
    Case("api_url-without-scheme-ip", "backupunit", CREATE, r"answered in plain HTTP, not TLS.*write http:// in api_url",
         connection={"api_url": "127.0.0.1:{emulator_port}/cloudapi/v6"}),
    Case("api_url-without-scheme-hostname", "backupunit", CREATE, r"answered in plain HTTP, not TLS.*write http:// in api_url",
         connection={"api_url": "localhost:{emulator_port}/cloudapi/v6"}),
    # -- real HTTP ----------------------------------------------------------------------------------
    Case("sso_url-id-that-is-a-path", "backupunit_sso_url", {"id": "../../requests"}, r"not found", reads=True),
    Case("unreachable-api_url", "backupunit", CREATE, r"127\.0\.0\.1:{closed_port}.*connection failed.*gave up",
         connection={"api_url": "http://127.0.0.1:{closed_port}/cloudapi/v6"}),
    Case("answer-not-json", "backupunit", CREATE, r"not JSON", connection={"api_url": "{misbehaving:not-json}"}),
    Case("proxy-html-502", "backupunit", CREATE, r"502.*Bad Gateway", connection={"api_url": "{misbehaving:proxy-html}"}),
    Case("proxy-login-page", "backupunit_info", {}, r"not JSON", connection={"api_url": "{misbehaving:proxy-login}"}),
    Case("truncated-body", "backupunit", CREATE, r"(?i)incomplete|truncated|connection broken",
         connection={"api_url": "{misbehaving:truncated}"}),
    Case("huge-body", "backupunit_info", {}, r"not JSON", connection={"api_url": "{misbehaving:huge}"}),
    # -- the role's argument spec ---------------------------------------------------------------------
    Case("role-rename-by-id", "role", [dict(RENAME, id=RENAME["id"] % "role-rename-by-id", password=PASSWORD)],
         r"Unsupported parameters.*\bid\b|backupunits\.id", seed=True),
    Case("role-unknown-state", "role", [{"name": "web", "email": "ops@example.com", "password": PASSWORD, "state": "gone"}],
         r"value of state must be one of: present, absent, got: gone"),
    Case("role-entry-without-name", "role", [{"email": "ops@example.com", "password": PASSWORD}],
         r"missing required arguments: name"),
    Case("role-misspelt-key", "role", [{"name": "web", "email": "ops@example.com", "password": PASSWORD, "mail": "x"}],
         r"backupunits\.mail\. Supported parameters include"),
    Case("role-unknown-update-password", "role",
         [{"name": "web", "email": "ops@example.com", "password": PASSWORD, "update_password": "sometimes"}],
         r"value of update_password must be one of: on_create, always, got: sometimes"),
] + [credential_case(option, HEAD + char + TAIL, "contains a control character", label)
     for option in ("token", "password", "username") for label, char in CONTROL_CHARACTERS.items()
     # A NUL in the username is refused by ansible-core itself, before the module runs (it logs the
     # options that are not no_log, and syslog refuses a NUL): see tests/unit/.../test_credentials.py.
     if (option, label) != ("username", "NUL")] + [
    credential_case("token", " " + HEAD + TAIL, "starts or ends with whitespace", "leading-space"),
    credential_case("password", HEAD + TAIL + " ", "starts or ends with whitespace", "trailing-space"),
    credential_case("username", HEAD + TAIL + "\n", "contains a control character", "trailing-newline"),
]


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def case_task(case, register, contract, emu, misbehaving, port):
    options = {"contract_number": contract}
    for key, value in case.connection.items():
        if isinstance(value, str) and value.startswith("{misbehaving:"):
            value = misbehaving.url(value[len("{misbehaving:"):-1])
        elif isinstance(value, str):
            value = value.replace("{closed_port}", str(port)).replace("{emulator_port}", str(urlsplit(emu.url).port))
        options[key] = value
    task = {"name": "Bad input: " + case.id, "module_defaults": module_defaults(emu, **options)}
    if case.module != "role":
        return dict(task, register=register, ignore_errors=True, **{"ionoscloud.backup." + case.module: case.options})
    return dict(task, block=[
        {"name": "Run the role", "ansible.builtin.include_role": {"name": "ionoscloud.backup.backupunits"},
         "vars": {"backupunits": case.options}},
        {"name": "The role did not fail", "ansible.builtin.set_fact": {register: {"failed": False}}},
    ], rescue=[{"name": "Keep how the role failed", "ansible.builtin.set_fact": {register: "{{ ansible_failed_result }}"}}])


def test_bad_input_fails_with_one_clear_line_and_sends_nothing(emulator, run_tasks):
    # The emulator refuses contracts the user does not have (403): make every case's contract one of them.
    contracts = {case.id: FIRST_CONTRACT + number for number, case in enumerate(CASES)}
    emulator.configure(contracts=[emulator.contracts[0]] + list(contracts.values()))
    existing_unit_ids = {case.id: emulator.create_unit("existing-unit", password=new_password(), wait=True, headers={
        "X-Contract-Number": str(contracts[case.id])})[0]["id"] for case in CASES if case.seed}
    units_before = emulator.units()
    emulator.clear_log()
    port = closed_port()
    registers = ["case_%d" % number for number in range(len(CASES))]

    with MisbehavingServer() as misbehaving:
        tasks = [case_task(case, register, contracts[case.id], emulator, misbehaving, port)
                 for case, register in zip(CASES, registers)]
        result, registered = run_tasks(tasks, names=registers, extra_vars={"existing_unit_ids": existing_unit_ids},
                                       verbosity=4, env={"ANSIBLE_INJECT_INVOCATION": "true"})
        misbehaving_writes = [request for request in misbehaving.requests if request[0] != "GET"]

    sent = collections.defaultdict(list)
    for entry in emulator.log():
        sent[entry["contract"]].append("%s %s" % (entry["method"], entry["path"]))
    problems = []
    for case, register in zip(CASES, registers):
        outcome = registered[register]
        # ansible-core words role argument-spec failures as a header, then one line per problem. The
        # header proves the role's own spec refused the entry, not the module it passes the list to.
        message = str(outcome.get("msg", ""))
        if case.module == "role" and not message.startswith(ROLE_SPEC_HEADER):
            problems.append("%s: not refused by the role's argument spec: %r" % (case.id, message[:300]))
        message = message.replace(ROLE_SPEC_HEADER, "", 1)
        requests = [request for request in sent.pop(contracts[case.id], [])
                    if not (case.reads and request.startswith("GET "))]
        if not outcome.get("failed"):
            problems.append("%s: the task did not fail: %s" % (case.id, json.dumps(outcome)[:300]))
            continue
        if "\n" in message.strip() or len(message) > 500:
            problems.append("%s: not one short line: %r" % (case.id, message[:600]))
        if not re.search(case.fix.replace("{closed_port}", str(port)), message):
            problems.append("%s: the message does not say what to fix (/%s/): %r" % (case.id, case.fix, message[:600]))
        if "Traceback" in json.dumps(outcome) or "MODULE FAILURE" in message:
            problems.append("%s: a Python traceback instead of a message: %r" % (case.id, message[:300]))
        if requests:
            problems.append("%s: sent %s" % (case.id, requests))
    if sent:
        problems.append("requests under no case's contract number: %s" % dict(sent))
    if misbehaving_writes:
        problems.append("writes to the misbehaving server: %s" % misbehaving_writes)
    if "Traceback" in result.output:
        problems.append("the output holds a traceback")
    problems += ["the output shows %s: %r" % (fragment, line[:300]) for line in result.output.splitlines()
                 for fragment in (HEAD, TAIL) if fragment in line]
    # The huge body must not reach the output: messages quote at most a snippet of an answer.
    if len(result.output) > HUGE_BODY_BYTES // 32:
        problems.append("the output is %d bytes long: an answer body was printed" % len(result.output))
    assert problems == [], "%d problems:\n%s" % (len(problems), "\n".join(problems))
    assert emulator.units() == units_before
