# The README's commands. Each one creates .venv and installs the package when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= standard
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test run slides labs verdicts install clean-venv

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

# A reveal.js slide show per notebook (the browser loads reveal.js from a CDN when it opens one).
slides: $(STAMP)
	$(BIN)/python tools/mark_slides.py --check $(NOTEBOOKS)
	$(BIN)/jupyter nbconvert --to slides --SlidesExporter.reveal_scroll=True \
	  --output-dir build/slides $(NOTEBOOKS)

# Lab versions: each exercise's solution replaced by a stub, outputs cleared.
labs: $(STAMP)
	$(BIN)/python tools/make_labs.py --out build/labs $(NOTEBOOKS)

# The README's verdict table, rewritten from results/verdicts/ (refuses missing or stale records).
verdicts: $(STAMP)
	$(BIN)/python tools/verdict_table.py

clean-venv:
	rm -rf $(VENV)
