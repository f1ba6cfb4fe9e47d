# Two entry points (see README): `make demo` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

CLIENT_VENV := .venv-client
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python) $(shell command -v python3.12))

.PHONY: demo test lint bench clean client-venv

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
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

test: lint client-venv
	$(VENV)/bin/python -m pytest -q

# Benchmarks (bench/README.md): installs wrk from Debian's packages when missing, then runs the full bench.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) $(CLIENT_VENV) .pytest_cache .ruff_cache
