# The two commands of the README: `make demo` builds and installs the collection and runs demo/demo.yml
# against the embedded API emulator (`make demo DEMO_REAL_API=1`: against IONOS_API_URL with your IONOS_TOKEN
# or IONOS_USERNAME/IONOS_PASSWORD, creating and deleting a unit there); `make test` runs every default session
# of noxfile.py, two at a time. Each target first installs nox into .venv/bootstrap (scripts/requirements/nox.txt).
SHELL := /usr/bin/env bash
PYTHON ?= $(firstword $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.12.*/bin/python3.12) python3.12)
NOX := .venv/bootstrap/bin/nox

.PHONY: demo test integration-api bench nox clean

$(NOX): scripts/requirements/nox.txt
	@echo "== Installing nox into .venv/bootstrap ($<)"
	@rm -rf .venv/bootstrap && $(PYTHON) -m venv .venv/bootstrap
	@.venv/bootstrap/bin/python -m pip install -q --disable-pip-version-check -r $< 2>&1 | grep -v 'is ignored: it is neither' || true
	@test -x $@ && touch $@

demo: $(NOX)
	@$(NOX) -s demo -- $(DEMO_ARGS)

# Each session's output: build/test/logs/SESSION.log; the end of a failed one's is printed.
test: $(NOX)
	rm -rf build/test/logs build/test/secrets
	@start=$$(date +%s); status=0; $(NOX) -j 2 --report build/test/report.json || status=$$?; \
	.venv/bootstrap/bin/python -c 'import json, sys; r = [s["result"] for s in json.load(open(sys.argv[1]))["sessions"]]; \
	print("sessions: %d passed, %d failed in %ss; logs in build/test/logs/" % (r.count("success"), len(r) - r.count("success"), sys.argv[2]))' \
	    build/test/report.json $$(($$(date +%s) - start)); exit $$status

# The integration targets against the real API (IONOS_API_URL, IONOS_TOKEN or IONOS_USERNAME/IONOS_PASSWORD):
# creates and deletes only units named with a prefix unique to the run. Before every release.
integration-api: $(NOX)
	$(NOX) -s integration-api

# Benchmarks (not part of `make test`): results in docs/performance.md. BENCH_ARGS=--quick for a smoke run.
bench: $(NOX)
	$(NOX) -s bench -- $(BENCH_ARGS)

# For development: make nox ARGS=-l lists the sessions, ARGS='-s units-2.21' runs one, ARGS='-t sanity' a group.
nox: $(NOX)
	$(NOX) $(ARGS)

clean:
	rm -rf build .venv
