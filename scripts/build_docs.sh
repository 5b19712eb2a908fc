#!/usr/bin/env bash
# `make docs`: the collection's HTML docsite, built offline with antsibull-docs and Sphinx.
#
# What it holds: the reference pages of every module and of the role, the guides in
# docs/docsite/rst (listed in docs/docsite/extra-docs.yml), and the changelog (from
# changelogs/changelog.yaml; docs/docsite/config.yml turns it on). Output: build/docs/html/index.html.
#
#  1. a temporary copy of the sources (tracked and new files, as git lists them), so the docs
#     show the working tree
#  2. antsibull-docs sphinx-init writes the Sphinx project (build/docs/site/conf.py ...); the
#     intersphinx inventories it would download are replaced by a local one holding only the two
#     ansible-core labels the generated pages link to, so nothing is fetched from the internet
#  3. antsibull-docs collection --fail-on-error writes the RST of every plugin, role and guide
#  4. sphinx-build -W -n --keep-going: every warning, and every reference Sphinx cannot resolve, is an error
#  5. every link inside the built site (page, file and #anchor) is checked to exist
#
# Uses antsibull-docs, sphinx-build and the Ansible Sphinx theme from PATH, or the tools venv
# (created from scripts/requirements/tools.txt when missing). scripts/release_checks.sh runs it
# too, so `make test` builds the docsite. env: DOCS_OUT (default build/docs of this tree).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${DOCS_OUT:-$repo/build/docs}

fail() { echo "build_docs: FAILED: $*" >&2; exit 1; }

# shellcheck source=scripts/lib.sh
. "$repo/scripts/lib.sh"
if ! command -v antsibull-docs >/dev/null 2>&1 || ! command -v sphinx-build >/dev/null 2>&1; then
    ensure_tools_venv
    export PATH="$VENV_ROOT/tools/bin:$PATH"
fi
python3 -c 'import sphinx_ansible_theme' 2>/dev/null \
    || fail "the Sphinx theme sphinx_ansible_theme is not installed (scripts/requirements/tools.txt pins it)"

read -r namespace name < <(cd "$repo" && python3 -c '
import yaml
g = yaml.safe_load(open("galaxy.yml"))
print(g["namespace"], g["name"])')
fqcn="$namespace.$name"

rm -rf "$out"
mkdir -p "$out"
# The copy of the sources, and the folder antsibull-docs runs from, lie outside any
# ansible_collections tree: in a clone that lives in one (as a collection's usually does),
# ansible-doc lists no role of a collection found at .../ansible_collections/.../ansible_collections/...
neutral=$(mktemp -d "${TMPDIR:-/tmp}/build-docs.XXXXXX")
trap 'rm -rf "$neutral"' EXIT
export ANSIBLE_HOME="$neutral/ansible-home"
export ANSIBLE_LOCAL_TMP="$neutral/ansible-tmp"
export ANSIBLE_COLLECTIONS_PATH="$neutral/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

# 1. The sources.
src="$neutral/collections/ansible_collections/$namespace/$name"
copy_sources "$src"

cd "$neutral"

# 2. The Sphinx project. antsibull-docs wants its folders writable by their owner only.
site="$out/site"
mkdir -m 700 "$site"
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --no-add-antsibull-docs-version \
    --project "$fqcn" --copyright "$fqcn contributors" --title "$fqcn" --html-short-title "$fqcn" \
    --dest-dir "$site" "$fqcn" > "$out/sphinx-init.log" 2>&1 \
    || { cat "$out/sphinx-init.log"; fail "antsibull-docs sphinx-init"; }

# The generated pages link to two labels of the Ansible documentation (the common return values and
# the configuration settings). Their inventory is written here instead of downloaded.
python3 - "$site/ansible_devel.inv" <<'PY'
import sys
import zlib

labels = [
    ("common_return_values", "reference_appendices/common_return_values.html#common-return-values",
     "Return Values"),
    ("ansible_configuration_settings", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
]
body = "".join("%s std:label -1 %s %s\n" % label for label in labels)
with open(sys.argv[1], "wb") as inventory:
    inventory.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                    b"# The remainder of this file is compressed using zlib.\n")
    inventory.write(zlib.compress(body.encode("utf-8")))
PY
cat >> "$site/conf.py" <<'PY'

# ---- added by scripts/build_docs.sh: offline, strict -----------------------------------------------
# No inventory is downloaded: the one mapping left reads the local file written next to this one.
import os  # noqa: E402
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible_devel.inv')),
}
nitpicky = True
PY

# 3. The RST of the collection: plugins, role, guides, changelog.
mkdir -p "$site/rst" && chmod og-w "$site/rst"
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection \
    --cleanup everything --fail-on-error --use-current --squash-hierarchy --dest-dir "$site/rst" "$fqcn" \
    > "$out/antsibull-docs.log" 2>&1 || { cat "$out/antsibull-docs.log"; fail "antsibull-docs collection"; }
pages=(index.rst changelog.rst)
for f in "$src"/plugins/modules/*.py; do
    [ "$(basename "$f")" = __init__.py ] || pages+=("$(basename "$f" .py)_module.rst")
done
for d in "$src"/roles/*/; do
    [ -d "$d" ] && pages+=("$(basename "$d")_role.rst")
done
for page in "${pages[@]}"; do
    [ -f "$site/rst/$page" ] || fail "antsibull-docs wrote no $page"
done

# 4. HTML. -W: warnings are errors; -n: so is every reference that does not resolve.
sphinx-build -b html -W -n --keep-going -q -c "$site" "$site/rst" "$out/html" > "$out/sphinx.log" 2>&1 \
    || { cat "$out/sphinx.log"; fail "sphinx-build (warnings are errors)"; }

# 5. Every internal link: the page or file exists, and so does the #anchor it names.
python3 - "$out/html" <<'PY' || fail "broken internal links in the docsite"
import os
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

root = sys.argv[1]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


pages = {}
for folder, _dirs, files in os.walk(root):
    for file in files:
        if file.endswith(".html"):
            path = os.path.join(folder, file)
            page = Page()
            with open(path, encoding="utf-8") as handle:
                page.feed(handle.read())
            pages[os.path.normpath(path)] = page

broken = []
checked = 0
for path, page in sorted(pages.items()):
    for link in page.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith("javascript:"):
            continue    # external: not followed (offline)
        target = os.path.normpath(os.path.join(os.path.dirname(path), unquote(parts.path))) if parts.path else path
        checked += 1
        if not os.path.exists(target):
            broken.append("%s: %s (no such file)" % (os.path.relpath(path, root), link))
        elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
            broken.append("%s: %s (no such anchor)" % (os.path.relpath(path, root), link))
for line in broken:
    print("broken link in", line)
print("build_docs: %d internal links checked in %d pages, %d broken" % (checked, len(pages), len(broken)))
sys.exit(1 if broken else 0)
PY

echo "build_docs: ok: $(find "$out/html" -name '*.html' | wc -l) HTML pages in ${out#"$repo"/}/html (open ${out#"$repo"/}/html/index.html)"
