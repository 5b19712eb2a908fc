# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the reliability and security suites: summaries, log queries, secret scans, chaos replay.

The suites use the fixtures of tests/system/conftest.py (``emulator``, ``run_playbook``,
``emulator_env``...); what they need beyond those lives here.
"""

from __future__ import annotations

import base64
import collections
import datetime
import fcntl
import hashlib
import json
import os
import random
import secrets
from pathlib import Path
from urllib.parse import quote

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
# Every suite keeps its one summary line here (one line per suite, replaced on each run), so the
# test command can print the figures whatever pytest's capture and xdist do with stdout.
SUMMARY_FILE = REPO_ROOT / "tests" / "output" / "summaries.txt"

WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
MODULE_PREFIX = "ionoscloud.backup."


# ------------------------------------------------------------------------------------- summaries


CASES_FILE = SUMMARY_FILE.with_name("summary-cases.json")


def _run_id():
    """Shared by the xdist workers of one pytest run, different for the next run."""
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or "pid-%d" % os.getpid()


def record_summary(suite, figures):
    """Store ``"<suite>: <figures>"`` in tests/output/summaries.txt (replacing the suite's old line)."""
    line = "%s: %s" % (suite, figures)
    SUMMARY_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(SUMMARY_FILE, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)   # xdist workers write at the same time
        handle.seek(0)
        kept = [old for old in handle.read().splitlines() if old and not old.startswith(suite + ": ")]
        handle.seek(0)
        handle.truncate()
        handle.write("\n".join(kept + [line]) + "\n")
    print(line)     # visible with `pytest -s`
    return line


def record_case(suite, case, outcome, summarize):
    """Add one test's figures to its suite, and rewrite the suite's summary line from all of them.

    A suite spread over several tests (and xdist workers) still gets one line:
    ``summarize({case: outcome, ...})`` builds it from the cases recorded in this pytest run.
    """
    SUMMARY_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(CASES_FILE, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        try:
            everything = json.loads(handle.read() or "{}")
        except ValueError:
            everything = {}
        mine = everything.get(suite)
        if not mine or mine.get("run") != _run_id():
            mine = everything[suite] = {"run": _run_id(), "cases": {}}
        mine["cases"][case] = outcome
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(everything, indent=1, sort_keys=True))
        cases = dict(mine["cases"])
    return record_summary(suite, summarize(cases))


# ------------------------------------------------------------------------------- small builders


def new_password(prefix="Pw"):
    """Long and random, so finding it anywhere cannot be a coincidence."""
    return "%s-%s" % (prefix, secrets.token_hex(12))


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def basic_value(username, password):
    """The base64 part of ``Authorization: Basic ...`` for these credentials."""
    return base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")


def playbook_yaml(plays):
    return yaml.safe_dump(plays, sort_keys=False, width=1000)


def module_defaults(emu, **extra):
    """``module_defaults`` for the collection's action group, pointing at ``emu``."""
    options = {"api_url": emu.url, "username": emu.username, "password": emu.password}
    options.update(extra)
    return {"group/ionoscloud.backup.all": options}


def backupunit_play(emu, **options):
    """A playbook of one ionoscloud.backup.backupunit task with ``options``, against ``emu``."""
    return playbook_yaml([{
        "name": "One backup unit task",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": module_defaults(emu),
        "tasks": [{"name": "Converge the unit", "ionoscloud.backup.backupunit": options}],
    }])


# ------------------------------------------------------------------------------- emulator queries


def writes(log):
    """The write requests (POST/PUT/PATCH/DELETE) of an emulator log."""
    return [entry for entry in log if entry["method"] in WRITE_METHODS]


def units_by_contract_and_name(emu):
    """{(contract, name): [unit, ...]} of every unit the emulator holds (a list, to see duplicates)."""
    found = collections.defaultdict(list)
    for unit in emu.units():
        found[(unit.get("contract"), unit["name"])].append(unit)
    return dict(found)


# ------------------------------------------------------------------------------- playbook results


def module_results(document, module_names=None):
    """(task name, host, result) for every module run in a json-callback document.

    Loop items count one each; ``module_names`` (short names such as ``backupunit``) keeps only
    tasks of those modules of this collection.
    """
    found = []
    for play in (document or {}).get("plays", []):
        for task in play.get("tasks", []):
            name = task["task"]["name"]
            action = task["task"].get("action") or ""
            for host, result in task.get("hosts", {}).items():
                action = result.get("action") or action
                if module_names is not None and action not in {MODULE_PREFIX + m for m in module_names}:
                    continue
                for item in result.get("results") or [result]:
                    if item.get("skipped"):
                        continue
                    found.append((name, host, item))
    return found


def task_result(document, task_name, host="localhost"):
    """The result of the one task of that name on ``host``."""
    matches = [result for name, task_host, result in module_results(document)
               if name == task_name and task_host == host]
    assert len(matches) == 1, "expected one result of %r on %s, got %d" % (task_name, host, len(matches))
    return matches[0]


# ------------------------------------------------------------------------------- secret scans


class SecretScan:
    """Counts bytes scanned and every occurrence of any secret, in text and in files."""

    def __init__(self, named_secrets):
        self.patterns = {}
        for label, value in named_secrets.items():
            assert value and len(value) >= 8, "secret %s is too short to scan for meaningfully" % label
            self.patterns[label] = {value.encode("utf-8"), quote(value, safe="").encode("utf-8")}
        self.bytes_scanned = 0
        self.sources = 0
        self.hits = []      # (secret label, source, masked context)

    def scan(self, source, data):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        self.bytes_scanned += len(data)
        self.sources += 1
        for label, variants in self.patterns.items():
            for variant in variants:
                at = data.find(variant)
                if at >= 0:
                    # Where it leaked, with the secret itself masked so the failure report does not leak it.
                    context = self.mask(data[max(0, at - 150):at + len(variant) + 100])
                    self.hits.append((label, source, context))
                    break

    def mask(self, data):
        """``data`` with every secret replaced by its label (longest first, so no part of one survives)."""
        pairs = sorted(((variant, label) for label, variants in self.patterns.items() for variant in variants),
                       key=lambda pair: len(pair[0]), reverse=True)
        for variant, label in pairs:
            data = data.replace(variant, b"<" + label.encode("utf-8") + b">")
        return data.decode("utf-8", "replace")

    def scan_tree(self, root):
        """Every regular file under ``root`` (what the modules and Ansible wrote)."""
        root = Path(root)
        if not root.exists():
            return
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                self.scan(str(path), path.read_bytes())

    def report(self):
        return "%d bytes scanned in %d sources for %d secrets, %d hits" % (
            self.bytes_scanned, self.sources, len(self.patterns), len(self.hits))


# ------------------------------------------------------------------------------- chaos replay


def replay_chaos(seed, rate, actions, request_count):
    """The chaos actions the emulator injected into its first ``request_count`` API requests.

    The emulator draws ``random()`` once per API request from ``random.Random(seed)``, and
    ``choice(actions)`` when that draw is below ``rate``; the draws do not depend on which
    request it is, so the same draws here give exactly what it injected, in any arrival order.
    Returns a Counter of action labels (``status 503``, ``drop``, ``delay 3s``...).
    """
    rng = random.Random(seed)
    injected = collections.Counter()
    for _unused in range(request_count):
        if rng.random() < rate:
            injected[action_label(rng.choice(actions))] += 1
    return injected


def action_label(action):
    if action["action"] == "status":
        return "status %s" % action["status"]
    if action["action"] == "delay":
        return "delay %ss" % action["seconds"]
    return action["action"]


# ------------------------------------------------------------------------------- TLS material


def write_self_signed_certificate(directory, hostname="127.0.0.1"):
    """A CA-less self-signed certificate for 127.0.0.1/localhost: (cert path, key path)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ionoscloud.backup test emulator")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address(hostname)), x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory = Path(directory)
    cert_path = directory / "emulator-cert.pem"
    key_path = directory / "emulator-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


def record_secret_scan(suite, scan, sso_tokens):
    """Add one scanned suite to the single ``secrets`` summary line."""
    def summarize(cases):
        return ("%d suites at -vvv (%s): %d bytes scanned in %d outputs, logs and files, for %d secrets "
                "(passwords, tokens, Basic values, %d SSO tokens), %d hits"
                % (len(cases), ", ".join(sorted(cases)), sum(c["bytes"] for c in cases.values()),
                   sum(c["sources"] for c in cases.values()), sum(c["secrets"] for c in cases.values()),
                   sum(c["sso_tokens"] for c in cases.values()), sum(c["hits"] for c in cases.values())))
    return record_case("secrets", suite, {"bytes": scan.bytes_scanned, "sources": scan.sources,
                                          "secrets": len(scan.patterns), "sso_tokens": len(sso_tokens),
                                          "hits": len(scan.hits)}, summarize)
