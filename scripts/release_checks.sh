#!/usr/bin/env bash
# Release checks for the ionoscloud.backup collection.
#
# Run from anywhere inside a clone, with the tools venv (ansible-core, antsibull-changelog,
# antsibull-docs, ansible-builder, PyYAML) on PATH. Needs no network and no container engine.
#
#  1. antsibull-changelog lint
#  2. antsibull-docs lint-collection-docs on all plugins, the role and docs/docsite
#  3. a throwaway `antsibull-changelog release` of the galaxy.yml version builds release notes
#     that list every module and role as new in some release, which fails when a version_added
#     names no release (skipped once that version is released)
#  4. ansible-galaxy collection build; the tarball holds the runtime files and none of the
#     development files
#  5. the tarball installs offline
#  6. ansible-doc renders every module and the role from the installed copy
#  7. ansible-builder introspect on the installed copy finds exactly the EE requirements
#  8. ansible-builder create turns execution-environment.yml into a build context
#
# Exits non-zero at the first failing check, naming it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

fail() { echo "release_checks: FAILED: $*" >&2; exit 1; }
ok() { echo "release_checks: ok: $*"; }

for tool in python3 ansible-galaxy ansible-doc antsibull-changelog antsibull-docs ansible-builder; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not on PATH (activate the tools venv)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ionoscloud-backup-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Keep Ansible away from the user's ~/.ansible (an installed older copy of this collection
# there would shadow the one under test).
export ANSIBLE_HOME="$work/ansible-home"
export ANSIBLE_LOCAL_TEMP="$work/ansible-tmp"

read -r namespace name version < <(python3 -c '
import yaml
g = yaml.safe_load(open("galaxy.yml"))
print(g["namespace"], g["name"], g["version"])')
fqcn="$namespace.$name"
tarball_name="$namespace-$name-$version.tar.gz"

# A copy of the sources at a path ending in ansible_collections/NAMESPACE/NAME, which the
# doc linter needs to load the plugins. Tracked and untracked-but-not-ignored files, so a
# new file is checked before it is committed.
src_root="$work/src"
src="$src_root/ansible_collections/$namespace/$name"
mkdir -p "$src"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # (a file deleted but not yet committed is still listed; skip what does not exist)
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
        | tar --null -T - -cf -) | tar -xf - -C "$src"
else
    tar -C "$repo" --exclude=.git -cf - . | tar -xf - -C "$src"
fi

# 1. Changelog.
(cd "$src" && antsibull-changelog lint) || fail "antsibull-changelog lint"
ok "antsibull-changelog lint"

# 2. Documentation of plugins, role and docsite.
# antsibull-docs copies the collection into a mkdtemp() folder whose path ends up in the RST it
# checks; a random name ending in "_" reads as an RST reference and fails the lint (about one run
# in 37). Temporary names without "_" keep the check deterministic.
(cd "$src" && ANSIBLE_COLLECTIONS_PATH="$src_root" python3 -c '
import sys, tempfile
tempfile._RandomNameSequence.characters = "abcdefghijklmnopqrstuvwxyz0123456789"
from antsibull_docs.cli.antsibull_docs import main
sys.argv[0] = "antsibull-docs"
sys.exit(main())' lint-collection-docs \
    --plugin-docs --check-extra-docs-refs --validate-collection-refs=all --disallow-unknown-collection-refs .) \
    || fail "antsibull-docs lint-collection-docs"
ok "antsibull-docs lint-collection-docs"

modules=()
for f in "$src"/plugins/modules/*.py; do
    [ -e "$f" ] && [ "$(basename "$f")" != __init__.py ] && modules+=("$(basename "$f" .py)")
done
[ "${#modules[@]}" -gt 0 ] || fail "no modules under plugins/modules"
roles=()
for d in "$src"/roles/*/; do
    [ -d "$d" ] && roles+=("$(basename "$d")")
done

# 3. A throwaway release of this version: proves the fragments and the plugin docs
#    (version_added, short_description) produce the release notes.
if python3 -c '
import sys, yaml
releases = (yaml.safe_load(open(sys.argv[1])) or {}).get("releases") or {}
sys.exit(0 if sys.argv[2] in releases else 1)' "$src/changelogs/changelog.yaml" "$version"; then
    ok "changelog release dry run skipped: $version is already released"
else
    cl="$work/changelog-dry-run/ansible_collections/$namespace/$name"
    mkdir -p "$cl" && cp -a "$src/." "$cl/"
    out=$(cd "$cl" && ANSIBLE_COLLECTIONS_PATH="$work/changelog-dry-run" antsibull-changelog release --version "$version" 2>&1) \
        || fail "antsibull-changelog release --version $version (dry run in a copy): $out"
    for module in "${modules[@]}"; do
        grep -q "$fqcn\.$module" "$cl/CHANGELOG.rst" \
            || fail "the release notes up to $version do not list module $fqcn.$module (is its version_added a released version?)"
    done
    for role in "${roles[@]}"; do
        grep -q "$fqcn\.$role" "$cl/CHANGELOG.rst" \
            || fail "the release notes up to $version do not list role $fqcn.$role (is its version_added a released version?)"
    done
    ok "changelog release dry run lists ${#modules[@]} modules and ${#roles[@]} role(s)"
fi

# 4. Build from the working tree itself, as a maintainer would, so build_ignore must also
#    keep out local leftovers (caches, test output, venvs).
dist="$work/dist"
out=$(ansible-galaxy collection build --force --output-path "$dist" "$repo" 2>&1) || fail "ansible-galaxy collection build: $out"
tarball="$dist/$tarball_name"
[ -f "$tarball" ] || fail "build did not produce $tarball_name"

python3 - "$tarball" "${modules[@]}" <<'PY' || fail "tarball contents"
import sys
import tarfile
import fnmatch

tarball, modules = sys.argv[1], sys.argv[2:]
with tarfile.open(tarball) as tar:
    members = [m.name[2:] if m.name.startswith("./") else m.name for m in tar.getmembers()]

# Development files: tests and their emulator, tooling, CI, caches, local build output.
forbidden = [
    "tests", "tests/*", "scripts", "scripts/*", "benchmarks", "benchmarks/*",
    "extensions", "extensions/*", "demo", "demo/*", "Makefile", ".ci", ".ci/*",
    ".github", ".github/*", ".git", ".git/*", ".gitignore", ".ansible-lint", ".yamllint",
    ".venv", ".venv/*", ".ansible", ".ansible/*", ".pytest_cache", ".pytest_cache/*",
    "*/__pycache__", "*/__pycache__/*", "__pycache__", "*.pyc", "build", "build/*",
    "*.tar.gz", "changelogs/.plugin-cache.yaml", "docs/developing.md",
]
required = [
    "MANIFEST.json", "FILES.json", "README.md", "meta/runtime.yml",
    "meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt",
    "meta/awx/credential_type.yml", "changelogs/changelog.yaml", "changelogs/config.yaml",
    "roles/backupunits/meta/argument_specs.yml", "roles/backupunits/tasks/main.yml",
    "roles/backupunits/README.md", "docs/docsite/links.yml", "docs/docsite/extra-docs.yml",
] + ["plugins/modules/%s.py" % m for m in modules]

leaked = sorted(n for n in members if any(fnmatch.fnmatch(n, p) for p in forbidden))
missing = sorted(set(required) - set(members))
if leaked:
    print("development files in the tarball (add them to build_ignore in galaxy.yml):", *leaked, sep="\n  ")
if missing:
    print("runtime files missing from the tarball:", *missing, sep="\n  ")
sys.exit(1 if leaked or missing else 0)
PY
ok "$tarball_name: $(tar -tzf "$tarball" | wc -l) entries, no development files"

# 5. Offline install.
installed="$work/installed"
out=$(ansible-galaxy collection install --offline -p "$installed" "$tarball" 2>&1) || fail "offline install of $tarball_name: $out"
[ -f "$installed/ansible_collections/$namespace/$name/MANIFEST.json" ] || fail "offline install left no MANIFEST.json"
ok "offline install"

# 6. ansible-doc from the installed copy, run outside the clone so nothing else is found.
cd "$work"
export ANSIBLE_COLLECTIONS_PATH="$installed"
listed=$(ansible-doc -t module --list "$fqcn" 2>/dev/null) || fail "ansible-doc --list $fqcn"
for module in "${modules[@]}"; do
    grep -q "^$fqcn\.$module " <<<"$listed" || fail "ansible-doc --list does not list $fqcn.$module"
    doc=$(ansible-doc -t module "$fqcn.$module" 2>&1) || fail "ansible-doc $fqcn.$module: $doc"
    grep -q "MODULE: $fqcn.$module\|$fqcn.$module" <<<"$doc" || fail "ansible-doc $fqcn.$module printed no documentation"
    grep -q "EXAMPLES" <<<"$doc" || fail "ansible-doc $fqcn.$module has no EXAMPLES"
done
for role in "${roles[@]}"; do
    doc=$(ansible-doc -t role "$fqcn.$role" 2>&1) || fail "ansible-doc -t role $fqcn.$role: $doc"
    grep -q "ENTRY POINT: .*main" <<<"$doc" || fail "ansible-doc -t role $fqcn.$role shows no main entry point"
done
ok "ansible-doc renders ${#modules[@]} modules and ${#roles[@]} role(s) from the installed copy"

# 7. What an execution environment build would add for this collection.
ansible-builder introspect "$installed" --write-pip "$work/ee-pip.txt" --write-bindep "$work/ee-bindep.txt" >/dev/null \
    || fail "ansible-builder introspect"
python3 - "$work/ee-pip.txt" "$work/ee-bindep.txt" <<'PY' || fail "EE requirements"
import re
import sys

def names(path):
    out = []
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(re.split(r"[\s<>=!~\[;]", line, maxsplit=1)[0].lower())
    return out

python, system = names(sys.argv[1]), names(sys.argv[2])
if python != ["requests"]:
    sys.exit("EE Python requirements must be requests only, got %s" % python)
if not system:
    sys.exit("EE system requirements are empty")
PY
ok "EE requirements: python requests; system $(grep -v '^#' "$work/ee-bindep.txt" | awk '{print $1}' | paste -sd, -)"

# 8. Build context for the execution environment, from the tarball just built.
ee="$work/ee"
mkdir -p "$ee"
cp "$repo/execution-environment.yml" "$tarball" "$ee/"
(cd "$ee" && ansible-builder create -f execution-environment.yml -c context >/dev/null) || fail "ansible-builder create"
for f in context/_build/requirements.yml "context/_build/collections/$tarball_name"; do
    [ -f "$ee/$f" ] || fail "ansible-builder create: $f missing (does execution-environment.yml name $tarball_name?)"
done
[ -f "$ee/context/Containerfile" ] || [ -f "$ee/context/Dockerfile" ] || fail "ansible-builder create wrote no Containerfile"
grep -q "collections/$tarball_name" "$ee/context/_build/requirements.yml" \
    || fail "the EE galaxy requirements do not install collections/$tarball_name"
ok "ansible-builder create: build context installs $tarball_name"

echo "release_checks: all checks passed"
