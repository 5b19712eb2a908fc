# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the system suites: playbook builders, log queries, secret scans, chaos replay, TLS material.

The suites use the fixtures of tests/system/conftest.py (``emulator``, ``run_playbook``,
``emulator_env``...); what they need beyond those lives here.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import os
import random
import re
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
# The ansible-* commands of the interpreter running pytest (the tools venv under `make test`).
BIN_DIR = Path(sys.executable).parent
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))


# ------------------------------------------------------------------------------- commands


def tool(name):
    """The path of a command (ansible-playbook, ansible-doc...): next to this Python first, else on PATH."""
    candidate = BIN_DIR / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError("%s not found next to %s or on PATH" % (name, sys.executable))
    return found


def clean_env(**extra):
    """This process's environment without IONOS_* (nothing may redirect the modules), BIN_DIR first on PATH."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IONOS_")}
    env["PATH"] = str(BIN_DIR) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


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


def playbook(emu=None, hosts="localhost", **play):
    """YAML text of one play (``tasks=``, ``roles=``, ``vars=``...); with ``emu``, the modules point at it."""
    play = dict({"name": "System test", "hosts": hosts, "gather_facts": False}, **play)
    if emu is not None:
        play["module_defaults"] = module_defaults(emu)
    return yaml.safe_dump([play], sort_keys=False, width=1000)


# ------------------------------------------------------------------------------- emulator queries


def writes(log):
    """The write requests (POST/PUT/PATCH/DELETE) of an emulator log."""
    return [entry for entry in log if entry["method"] in WRITE_METHODS]


_RECAP_LINE = re.compile(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$")


def parse_recap(stdout):
    """{host: {"ok": N, "changed": N, "failed": N, ...}} from the PLAY RECAP of ansible-playbook."""
    recap_lines = stdout.split("PLAY RECAP", 1)[1].splitlines() if "PLAY RECAP" in stdout else []
    matches = filter(None, (_RECAP_LINE.match(line.strip()) for line in recap_lines))
    return {match.group(1): {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(2))}
            for match in matches}


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
