# The two commands of the README:
#   make demo   build + install the collection and run demo/demo.yml against the embedded API emulator
#               (IONOS_* variables of your shell are ignored; `make demo DEMO_REAL_API=1` runs it against
#               the real API at IONOS_API_URL, default https://api.ionos.com/cloudapi/v6, with your
#               IONOS_TOKEN or IONOS_USERNAME/IONOS_PASSWORD: it creates and deletes a unit there)
#   make test   every test session of noxfile.py (`make steps` lists them), two at a time
# Each target first installs nox into .venv/bootstrap (scripts/requirements/nox.txt); nox installs the rest.
SHELL := /usr/bin/env bash
PYTHON ?= $(firstword $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.12.*/bin/python3.12) python3.12)
NOX := .venv/bootstrap/bin/nox

.PHONY: demo test steps integration-api bench nox clean

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

steps: $(NOX)
	@$(NOX) -l

# The integration targets against the real API (IONOS_API_URL, IONOS_TOKEN or IONOS_USERNAME/IONOS_PASSWORD):
# creates and deletes only units named with a prefix unique to the run. Before every release.
integration-api: $(NOX)
	$(NOX) -s integration-api

# Benchmarks (not part of `make test`): results in docs/performance.md. BENCH_ARGS=--quick for a smoke run.
bench: $(NOX)
	$(NOX) -s bench -- $(BENCH_ARGS)

# One session or group, for development (`make test` runs them all): make nox ARGS='-s units-2.21' or ARGS='-t sanity'.
nox: $(NOX)
	$(NOX) $(ARGS)

clean:
	rm -rf build .venv
