# The two commands of the README:  `make run`  (install, then serve on embedded defaults)
#                                  `make test` (install, then the whole test suite)
# and the house rules: `make lint` (ruff, then mypy; configured in pyproject.toml, see CONTRIBUTING.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MODEL  := nlu/models/wenzhen.model
NLU_SOURCES := $(shell find nlu/data nlu/lexicon -type f 2>/dev/null)

.PHONY: install model run chat test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The NLU model is trained from our own data (deterministic, well under a minute); nothing is downloaded.
$(MODEL): $(STAMP) $(NLU_SOURCES)
	$(BIN)/wenzhen nlu train

model: $(MODEL)

# `make run PORT=8200 CONFIG=my.yml`, `make chat CONFIG=my.yml`: passed on as --port / --config
# (empty: config.yml's server.port and $$WENZHEN_CONFIG or ./config.yml). The terminal chat serves nothing: no port.
PORT   ?=
CONFIG ?=
run: model
	$(BIN)/wenzhen serve $(if $(PORT),--port $(PORT)) $(if $(CONFIG),--config $(CONFIG))

chat: model
	$(BIN)/wenzhen chat $(if $(CONFIG),--config $(CONFIG))

# Two pytest-xdist workers (`make test TEST_WORKERS=0`: one process, no workers); a test file stays on one worker, so its
# module fixtures start once. Every test has its own database, Redis prefix, ports and temp folder. The 15 slowest
# tests are listed at the end (CI time is kept under 25 minutes).
TEST_WORKERS ?= 2
test: model
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: model
	$(BIN)/python bench/rest.py

clean:
	rm -rf $(VENV) $(MODEL) build dist *.egg-info
