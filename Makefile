# Two entry points (see README): `make demo` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
# The worked example of an adapter package (docs/adapters.md), installed next to the façade as an
# integrator's package would be; its own tests run the conformance kit on it.
EXAMPLE := examples/balie
EXAMPLE_FILES := $(shell find $(EXAMPLE)/pyproject.toml $(EXAMPLE)/src -name '*.py' -o -name '*.toml')
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(EXAMPLE_FILES) | cksum | cut -d' ' -f1)

CLIENT_VENV := .venv-client
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python) $(shell command -v python3.12))

.PHONY: demo test lint bench clean client-venv services

$(STAMP): pyproject.toml $(EXAMPLE_FILES)
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	$(VENV)/bin/python -m pip install --quiet ./$(EXAMPLE)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/klantinteracties-facade demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The real open-klant-client (PyPI) needs Python >= 3.12; its acceptance tests skip without it.
client-venv:
	@if [ -n "$(PYTHON312)" ] && [ ! -x $(CLIENT_VENV)/bin/python ]; then \
		$(PYTHON312) -m venv $(CLIENT_VENV) && \
		$(CLIENT_VENV)/bin/python -m pip install --quiet 'open-klant-client>=0.8,<0.9' 'typing_extensions>=4.12'; \
	fi

# Services some tests run on loopback (redis-server, nginx), from Debian's packages when missing.
# Installing needs root (CI runs as root); elsewhere those tests skip and say why. RUNLEVEL=1:
# the packages' own services are not started (the tests start their own, on free ports).
SERVICES := redis-server nginx-light
services:
	@if command -v redis-server >/dev/null && PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SERVICES) >/dev/null) \
		|| echo "could not install $(SERVICES): the tests that need them will skip"; \
	else echo "$(SERVICES) missing and not root: the tests that need them will skip"; fi

test: lint client-venv services
	$(VENV)/bin/python -m pytest -q
	$(VENV)/bin/python -m pytest -q -p no:asyncio $(EXAMPLE)

# Benchmarks (bench/README.md): installs wrk from Debian's packages when missing, then runs the full bench.
bench: $(STAMP) services
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) $(CLIENT_VENV) .pytest_cache .ruff_cache
