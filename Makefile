# The two commands of the README:
#   make demo   build + install the collection and run demo/demo.yml against the embedded API emulator
#               (IONOS_* variables of your shell are ignored; `make demo DEMO_REAL_API=1` runs it against
#               the real API at IONOS_API_URL, default https://api.ionos.com/cloudapi/v6, with your
#               IONOS_TOKEN or IONOS_USERNAME/IONOS_PASSWORD: it creates and deletes a unit there)
#   make test   install every tool and run every check (see `scripts/test.sh --list`)
SHELL := /usr/bin/env bash

.PHONY: demo test steps integration-api bench sanity units integration molecule lint pytest release-checks clean

demo:
	bash scripts/demo.sh $(DEMO_ARGS)

test:
	bash scripts/test.sh

steps:
	@bash scripts/test.sh --list

# The integration targets against the real API (IONOS_API_URL, IONOS_TOKEN or IONOS_USERNAME/IONOS_PASSWORD):
# creates and deletes only units named with a prefix unique to the run. Before every release.
integration-api:
	bash scripts/integration.sh

# Benchmarks (not part of `make test`): results in docs/performance.md. BENCH_ARGS=--quick for a smoke run.
bench:
	bash scripts/bench.sh $(BENCH_ARGS)

# Single steps, for development; `make test` runs them all.
sanity:
	bash scripts/test.sh sanity-2.21 sanity-2.20 sanity-2.19
units:
	bash scripts/test.sh units-2.21 units-2.20 units-2.19
integration:
	bash scripts/test.sh integration-2.21 integration-2.20 integration-2.19
molecule:
	bash scripts/test.sh molecule
lint:
	bash scripts/test.sh ansible-lint
pytest:
	bash scripts/test.sh pytest-emulator pytest-system
release-checks:
	bash scripts/test.sh release-checks

# The HTML docsite (modules, role, guides, changelog) with antsibull-docs and Sphinx, offline, warnings as
# errors, internal links checked: build/docs/html/index.html. `make test` builds it too (release-checks).
.PHONY: docs
docs:
	bash scripts/build_docs.sh

clean:
	rm -rf build .venv
