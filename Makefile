# The README's commands. Each one creates .venv and installs the package when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= standard
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test run install clean-venv

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python 3.10 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e .
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)
	RG_PROFILE=smoke $(BIN)/python -m pytest

run: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
	  echo "== $$nb ($(PROFILE))"; \
	  RG_PROFILE=$(PROFILE) RG_PROGRESS=0 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=-1 "$$nb" || exit 1; \
	done

clean-venv:
	rm -rf $(VENV)
