# The README's commands. Each one creates .venv and installs the package when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The profile, for `make run` and `make lab`: `make run PROFILE=smoke` and
# `RG_PROFILE=smoke make run` both work; named both ways, the two must agree.
ifneq ($(and $(PROFILE),$(RG_PROFILE)),)
ifneq ($(PROFILE),$(RG_PROFILE))
$(error PROFILE=$(PROFILE) and RG_PROFILE=$(RG_PROFILE) name two profiles: name one)
endif
endif
PROFILE := $(or $(PROFILE),$(RG_PROFILE),standard)
# JupyterLab refuses to run as root (as in many course containers) without --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# CIFAR-10 as JPEGs, where this project's machines keep a copy (`make data` extracts it).
CIFAR_ARCHIVE ?= ../shared/datasets/cifar10-jpeg.tar.gz

.PHONY: lab test unit browser lint run run-times rerun-check fast-dev-run data slides labs \
  verdicts install clean-venv

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python 3.10 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e ".[test,slides]"
	touch $(STAMP)

lab: $(STAMP)
	@echo "Profile: $(PROFILE) (PROFILE=... or RG_PROFILE=... picks another)."
	@$(if $(ROOT_FLAG),echo "Running as root: JupyterLab is started with --allow-root.")
	RG_PROFILE=$(PROFILE) $(BIN)/jupyter lab $(ROOT_FLAG) notebooks/

# The linter, the unit tests, the checks of the committed notebooks, and every notebook
# executed in the smoke profile.
test: lint
	RG_PROFILE=smoke $(BIN)/python -m pytest

# The helper package's unit tests alone (well under a minute): no notebook is executed.
unit: $(STAMP)
	RG_PROFILE=smoke $(BIN)/python -m pytest tests -q -m "not browser" \
	  --ignore=tests/test_notebooks.py --ignore=tests/test_notebooks_course.py

# The browser tests alone (tests/test_browser.py): a notebook run and its explorers moved in
# JupyterLab, and the slides offline, in headless Chromium (`apt-get install -y chromium`).
# Screenshots in build/browser/. `make test` runs them too; RG_BROWSER=skip leaves them out.
browser: $(STAMP)
	RG_PROFILE=smoke $(BIN)/python -m pytest tests/test_browser.py -v

lint: $(STAMP)
	$(BIN)/ruff check reading_group tests tools benchmarks

# Every notebook in $(PROFILE): written back in place in standard (through a temporary file
# and a rename, so a failure leaves the committed notebook whole); other profiles write to
# build/run/<profile>/ (tools/run_notebooks.py --in-place overrides that). Each notebook's
# wall time goes to results/run-times/<profile>.json (smoke and standard), and the headers'
# run-time lines are rewritten from those files at the end (`make run-times`).
run: $(STAMP)
	$(BIN)/python tools/run_notebooks.py --profile $(PROFILE) $(NOTEBOOKS)
	$(BIN)/python tools/run_times.py

# Every notebook header's "**Run time**" line (markdown only) and the table in
# docs/facilitating.md, from the times `make run` stored in results/run-times/.
run-times: $(STAMP)
	$(BIN)/python tools/run_times.py

# Notebooks executed again in standard with one PyTorch thread instead of the committed
# runs' two, copies and records under build/rerun/; fails when a verdict differs from the
# committed record's (tools/rerun_check.py). By default 00 and 02 (about fifteen minutes
# with one thread); `make rerun-check NOTEBOOKS=notebooks/04_alexnet.ipynb` picks others.
RERUN_NOTEBOOKS := notebooks/00_convnets_and_data.ipynb notebooks/02_local_response_normalization.ipynb
rerun-check: $(STAMP)
	$(BIN)/python tools/rerun_check.py \
	  $(if $(filter command line,$(origin NOTEBOOKS)),$(NOTEBOOKS),$(RERUN_NOTEBOOKS))

# Every notebook in the paper profile with every loop cut to two batches (RG_FAST_DEV_RUN):
# proves the paper path runs on a CPU. Outputs go to build/fast-dev-run/; nothing under
# notebooks/ or results/ changes. The notebooks are independent here (none writes a record),
# so two run at a time with one thread each, which keeps both cores busier than one notebook
# with two threads does; the last (heaviest) notebooks start first, so that neither slot is
# left alone with a long one at the end.
fast-dev-run: $(STAMP)
	@mkdir -p build/fast-dev-run
	printf '%s\n' $(NOTEBOOKS) | tac | RG_PROFILE=paper RG_FAST_DEV_RUN=1 RG_PROGRESS=0 \
	  OMP_NUM_THREADS=1 xargs -P 2 -n 1 $(BIN)/jupyter nbconvert --to notebook --execute \
	  --output-dir build/fast-dev-run --ExecutePreprocessor.timeout=600

# Extract $(CIFAR_ARCHIVE) into data/cifar10/ when it exists and data/cifar10/ does not.
data:
	@if [ -d data/cifar10/train ]; then echo "data/cifar10/ is already there."; \
	elif [ -f "$(CIFAR_ARCHIVE)" ]; then mkdir -p data/cifar10 && \
	  tar xzf "$(CIFAR_ARCHIVE)" -C data/cifar10 && echo "Extracted $(CIFAR_ARCHIVE) into data/cifar10/."; \
	else echo "No $(CIFAR_ARCHIVE): the notebooks look for CIFAR-10 as data/README.md says."; fi

# A reveal.js slide show per notebook, with reveal.js copied beside them (from the
# sphinx-revealjs package), so that they open without a network: tools/build_slides.py.
slides: $(STAMP)
	$(BIN)/python tools/mark_slides.py --check $(NOTEBOOKS)
	$(BIN)/python tools/build_slides.py --out build/slides $(NOTEBOOKS)

# Lab versions: each exercise's solution replaced by a stub, outputs cleared.
labs: $(STAMP)
	$(BIN)/python tools/make_labs.py --out build/labs $(NOTEBOOKS)

# The README's verdict table, rewritten from results/verdicts/ (refuses missing or stale records).
verdicts: $(STAMP)
	$(BIN)/python tools/verdict_table.py

clean-venv:
	rm -rf $(VENV)
