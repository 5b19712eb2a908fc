# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the system suites share beyond the fixtures of tests/system/conftest.py (a unique module name,
so ``from reliability.helpers import ...`` works in any test; ``from conftest import`` could not)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
# The ansible-* commands of the interpreter running pytest (the tools venv under `make test`).
BIN_DIR = Path(sys.executable).parent
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))


def tool(name):
    """The path of a command (ansible-playbook, ansible-doc...): next to this Python first, else on PATH."""
    candidate = BIN_DIR / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise RuntimeError("%s not found next to %s or on PATH" % (name, sys.executable))
    return found


def clean_env(**extra):
    """This process's environment without IONOS_* (nothing may redirect the modules), BIN_DIR first on PATH."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IONOS_")}
    env["PATH"] = str(BIN_DIR) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def new_password(prefix="Pw"):
    """Long and random, so finding it anywhere cannot be a coincidence."""
    return "%s-%s" % (prefix, secrets.token_hex(12))


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def module_defaults(emu, **extra):
    """``module_defaults`` for the collection's action group, pointing at ``emu``."""
    return {"group/ionoscloud.backup.all": dict({"api_url": emu.url, "username": emu.username,
                                                 "password": emu.password}, **extra)}


def playbook(emu=None, hosts="localhost", **play):
    """YAML text of one play (``tasks=``, ``roles=``, ``vars=``...); with ``emu``, the modules point at it."""
    play = dict({"name": "System test", "hosts": hosts, "gather_facts": False}, **play)
    if emu is not None:
        play["module_defaults"] = module_defaults(emu)
    return yaml.safe_dump([play], sort_keys=False, width=1000)


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
