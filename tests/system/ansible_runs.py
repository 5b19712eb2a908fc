# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the system suites run Ansible, in one place: the environment, the command runner with its recap
parser, and the play builder. Import it (``from ansible_runs import run``; tests/system is on sys.path, as
it has no __init__.py), never from conftest.py, which pytest loads as a module of its own."""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
Result = collections.namedtuple("Result", "returncode output recap")


def clean_env(**extra):
    """This process's environment, without IONOS_* or DEMO_REAL_API (nothing from the caller's shell may send the
    modules or the demo to another API), the ansible-* commands of the Python running pytest first on PATH, no colours."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IONOS_") and name != "DEMO_REAL_API"}
    env.update(PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", **extra)
    return env


def run(command, cwd=REPO_ROOT, **env):
    """``command`` in ``cwd`` with ``clean_env(**env)``: Result(returncode, stdout + stderr, recap), where recap is
    ``{host: {"ok": N, "changed": N, "failed": N, ...}}`` from the PLAY RECAP ansible-playbook prints."""
    completed = subprocess.run(command, cwd=str(cwd), env=clean_env(**env), capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=900, check=False)
    recap = completed.stdout.split("PLAY RECAP", 1)[1] if "PLAY RECAP" in completed.stdout else ""
    hosts = re.findall(r"^(\S+) +: +((?:\w+=\d+ *)+)$", recap, re.M)
    return Result(completed.returncode, completed.stdout + completed.stderr,
                  {host: {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", counts)} for host, counts in hosts})


def playbook(emu=None, **play):
    """A playbook of one play on localhost (``tasks=``, ``roles=``, ``vars=``...); with ``emu``, the modules point at it."""
    play = dict({"name": "System test", "hosts": "localhost", "gather_facts": False}, **play)
    if emu is not None:
        play["module_defaults"] = {"group/ionoscloud.backup.all": {"api_url": emu.url, "username": emu.username,
                                                                   "password": emu.password}}
    return [play]
