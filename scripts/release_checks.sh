#!/usr/bin/env bash
# Release checks for the ionoscloud.backup collection.
#
# usage: scripts/release_checks.sh [--only STEP[,STEP...]]
#
# Run from anywhere inside a clone, with a venv on PATH that has the steps' tools (the nox sessions docs and
# build install them: antsibull-changelog and antsibull-docs; ansible-core, ansible-builder, galaxy-importer).
# Needs no network and no container engine.
# The steps, in order; --only runs just those (building and installing the tarball if they need it):
#
#  changelog        antsibull-changelog lint
#  docs-lint        antsibull-docs lint-collection-docs on all plugins, the role and docs/docsite
#  release-notes    galaxy.yml's version is released in changelogs/changelog.yaml, CHANGELOG.rst is generated
#                   from it, and the release notes list every module and role as new in some release. For a
#                   version not released yet, a throwaway `antsibull-changelog release` first names any module
#                   or role whose version_added names no release; then the check fails.
#  tarball          the tarball ansible-galaxy builds holds the runtime files, and nothing outside them (the
#                   development files are kept out by galaxy.yml's build_ignore, the one list of them)
#  importer         galaxy-importer imports the tarball as Galaxy would (ansible-doc, ansible-lint, flake8;
#                   not ansible-test), with no error and no warning
#  install          the tarball installs offline
#  ansible-doc      ansible-doc renders every module and the role from the installed copy
#  ee-requirements  ansible-builder introspect on the installed copy finds exactly the EE requirements
#  ee-context       ansible-builder create turns execution-environment.yml into a build context
#
# Exits non-zero at the first failing check, naming it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

fail() { echo "release_checks: FAILED: $*" >&2; exit 1; }
ok() { echo "release_checks: ok: $*"; }

steps=" changelog docs-lint release-notes tarball importer install ansible-doc ee-requirements ee-context "
only=
if [ "${1:-}" = --only ] && [ -n "${2:-}" ]; then
    only=" ${2//,/ } " && shift 2
    for name in $only; do [[ $steps == *" $name "* ]] || fail "unknown step $name; the steps are:$steps"; done
fi
[ $# -eq 0 ] || fail "usage: $0 [--only STEP[,STEP...]]"
# step NAME...: whether any of these steps runs
step() { local name; for name; do [[ -z $only || $only == *" $name "* ]] && return 0; done; return 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ionoscloud-backup-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Keep Ansible away from ~/.ansible (an installed older copy of this collection there would shadow this one).
export ANSIBLE_HOME="$work/ansible-home"
export ANSIBLE_LOCAL_TEMP="$work/ansible-tmp"

read -r namespace name version < <(python3 -c '
import yaml; g = yaml.safe_load(open("galaxy.yml")); print(g["namespace"], g["name"], g["version"])')
fqcn="$namespace.$name"
tarball_name="$namespace-$name-$version.tar.gz"

# The sources (a new file counts before it is committed) at a path ending in
# ansible_collections/NAMESPACE/NAME, which the doc linter needs to load the plugins.
src_root="$work/src"
src="$src_root/ansible_collections/$namespace/$name"
mkdir -p "$src"
git -C "$repo" ls-files -z --cached --others --exclude-standard | (cd "$repo" && xargs -0 cp --parents -t "$src" 2>/dev/null || true)

if step changelog; then
    (cd "$src" && antsibull-changelog lint) || fail "antsibull-changelog lint"
    ok "antsibull-changelog lint"
fi

# antsibull-docs copies the collection into a mkdtemp() folder whose path ends up in the RST it
# checks; a random name ending in "_" reads as an RST reference and fails the lint (about one run
# in 37). Temporary names without "_" keep the check deterministic.
if step docs-lint; then
    (cd "$src" && ANSIBLE_COLLECTIONS_PATH="$src_root" python3 -c '
import sys, tempfile
tempfile._RandomNameSequence.characters = "abcdefghijklmnopqrstuvwxyz0123456789"
from antsibull_docs.cli.antsibull_docs import main
sys.argv[0] = "antsibull-docs"
sys.exit(main())' lint-collection-docs \
        --plugin-docs --check-extra-docs-refs --validate-collection-refs=all --disallow-unknown-collection-refs .) \
        || fail "antsibull-docs lint-collection-docs"
    ok "antsibull-docs lint-collection-docs"
fi

modules=() roles=()
for f in "$src"/plugins/modules/*.py; do [[ -e $f && $f != */__init__.py ]] && modules+=("$(basename "$f" .py)"); done
[ "${#modules[@]}" -gt 0 ] || fail "no modules under plugins/modules"
for d in "$src"/roles/*/; do [ -d "$d" ] && roles+=("$(basename "$d")"); done

release_notes_list_everything() { # release_notes_list_everything CHANGELOG.rst
    local kind plugin
    for plugin in "${modules[@]/#/module }" "${roles[@]/#/role }"; do
        read -r kind plugin <<<"$plugin"
        grep -q "$fqcn\.$plugin" "$1" \
            || fail "the release notes up to $version do not list $kind $fqcn.$plugin (is its version_added a released version?)"
    done
}
if step release-notes; then
    cl="$work/changelog-check/ansible_collections/$namespace/$name"
    mkdir -p "$cl" && cp -a "$src/." "$cl/"
    if python3 -c '
import sys, yaml
releases = (yaml.safe_load(open(sys.argv[1])) or {}).get("releases") or {}
sys.exit(0 if sys.argv[2] in releases else 1)' "$src/changelogs/changelog.yaml" "$version"; then
        out=$(cd "$cl" && antsibull-changelog generate 2>&1) || fail "antsibull-changelog generate: $out"
        cmp -s "$cl/CHANGELOG.rst" "$src/CHANGELOG.rst" \
            || fail "CHANGELOG.rst is not what antsibull-changelog generates from changelogs/changelog.yaml (run antsibull-changelog generate): $(diff "$src/CHANGELOG.rst" "$cl/CHANGELOG.rst" | head -20)"
        release_notes_list_everything "$src/CHANGELOG.rst"
        ok "changelog: $version is released; CHANGELOG.rst is up to date and lists ${#modules[@]} modules and ${#roles[@]} role(s)"
    else
        # A throwaway release in a copy names the modules and roles whose version_added is behind first.
        out=$(cd "$cl" && ANSIBLE_COLLECTIONS_PATH="$work/changelog-check" antsibull-changelog release --version "$version" 2>&1) \
            || fail "antsibull-changelog release --version $version (dry run in a copy): $out"
        release_notes_list_everything "$cl/CHANGELOG.rst"
        fail "the release notes up to $version do not list release $version: galaxy.yml says version $version, which changelogs/changelog.yaml has no release of. Give new modules and roles version_added: $version, add a release_summary fragment, then run antsibull-changelog release"
    fi
fi

# Built from the working tree itself, as a maintainer would, so build_ignore must also keep out
# local leftovers (caches, test output, venvs).
tarball="$work/dist/$tarball_name"
if step tarball importer install ansible-doc ee-requirements ee-context; then
    out=$(ansible-galaxy collection build --force --output-path "$work/dist" "$repo" 2>&1) || fail "ansible-galaxy collection build: $out"
    [ -f "$tarball" ] || fail "build did not produce $tarball_name"
fi

if step tarball; then
    python3 - "$tarball" "${modules[@]}" <<'PY' || fail "tarball contents"
import sys
import tarfile
import fnmatch

tarball, modules = sys.argv[1], sys.argv[2:]
with tarfile.open(tarball) as tar:
    members = [m.name[2:] if m.name.startswith("./") else m.name for m in tar.getmembers()]

# What a tarball may hold; the development files are kept out by galaxy.yml's build_ignore alone.
runtime = ["MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.rst", "execution-environment.yml", "REUSE.toml"]
runtime += [d + tail for d in ("plugins", "roles", "meta", "docs", "changelogs", "LICENSES") for tail in ("", "/*")]
required = [
    "MANIFEST.json", "FILES.json", "README.md", "meta/runtime.yml",
    "meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt",
    "meta/awx/credential_type.yml", "changelogs/changelog.yaml", "changelogs/config.yaml",
    "roles/backupunits/meta/argument_specs.yml", "roles/backupunits/tasks/main.yml",
    "roles/backupunits/README.md", "docs/docsite/links.yml", "docs/docsite/extra-docs.yml",
] + ["plugins/modules/%s.py" % m for m in modules]

leaked = sorted(n for n in members if not any(fnmatch.fnmatch(n.rstrip("/"), p) for p in runtime))
missing = sorted(set(required) - set(members))
if leaked:
    print("development files in the tarball (add them to build_ignore in galaxy.yml):", *leaked, sep="\n  ")
if missing:
    print("runtime files missing from the tarball:", *missing, sep="\n  ")
sys.exit(1 if leaked or missing else 0)
PY
step tarball &&     ok "$tarball_name: $(tar -tzf "$tarball" | wc -l) entries, no development files"
fi

# galaxy-importer, offline, without ansible-test (it needs a container engine; without one it logs an
# error and still exits 0), from the venv on PATH (nox's session build: scripts/requirements/importer.txt).
if step importer; then
    importer_dir="$work/importer"
    mkdir -p "$importer_dir"
    cp "$tarball" "$importer_dir/"
    cat > "$importer_dir/galaxy-importer.cfg" <<CFG
[galaxy-importer]
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = True
OFFLINE_ANSIBLE_LINT = True
RUN_FLAKE8 = True
CHECK_CHANGELOG = True
REQUIRE_V1_OR_GREATER = True
ANSIBLE_LOCAL_TMP = $importer_dir/ansible-tmp
CFG
    status=0
    out=$(cd "$importer_dir" && env -u ANSIBLE_COLLECTIONS_PATH \
        ANSIBLE_HOME="$importer_dir/ansible-home" GALAXY_IMPORTER_CONFIG="$importer_dir/galaxy-importer.cfg" \
        python3 -m galaxy_importer.main "$tarball_name" 2>&1) || status=$?
    problems=$(grep -E '^(WARNING|ERROR)' <<<"$out" || true)
    if [ "$status" -ne 0 ] || [ -n "$problems" ] || ! grep -q '^Importer processing completed successfully' <<<"$out"; then
        fail "galaxy-importer (exit status $status) on $tarball_name: ${problems:-$out}"
    fi
    imported=$(python3 -c 'import collections, json, sys
kinds = collections.Counter(item["content_type"] for item in json.load(open(sys.argv[1])).get("contents", []))
print(", ".join("%d %s" % (count, kind) for kind, count in sorted(kinds.items())))' "$importer_dir/importer_result.json")
    ok "galaxy-importer $(sed -n 's/^Importing with galaxy-importer //p' <<<"$out"): imported $tarball_name ($imported), 0 warnings, 0 errors"
fi

installed="$work/installed"
if step install ansible-doc ee-requirements; then
    out=$(ansible-galaxy collection install --offline -p "$installed" "$tarball" 2>&1) || fail "offline install of $tarball_name: $out"
    [ -f "$installed/ansible_collections/$namespace/$name/MANIFEST.json" ] || fail "offline install left no MANIFEST.json"
    ok "offline install"
fi

if step ansible-doc; then # from the installed copy, run outside the clone so nothing else is found
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
fi

if step ee-requirements; then # what an execution environment build would add for this collection
    ansible-builder introspect "$installed" --write-pip "$work/ee-pip.txt" --write-bindep "$work/ee-bindep.txt" >/dev/null \
        || fail "ansible-builder introspect"
    python3 - "$work/ee-pip.txt" "$work/ee-bindep.txt" <<'PY' || fail "EE requirements"
import re
import sys

def names(path):
    lines = (line.split("#", 1)[0].strip() for line in open(path))
    return [re.split(r"[\s<>=!~\[;]", line, maxsplit=1)[0].lower() for line in lines if line]

python, system = names(sys.argv[1]), names(sys.argv[2])
if python != ["requests"]:
    sys.exit("EE Python requirements must be requests only, got %s" % python)
if not system:
    sys.exit("EE system requirements are empty")
PY
    ok "EE requirements: python requests; system $(grep -v '^#' "$work/ee-bindep.txt" | awk '{print $1}' | paste -sd, -)"
fi

if step ee-context; then # the execution environment's build context, from the tarball just built
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
fi

echo "release_checks: all ${only:+selected }checks passed"
