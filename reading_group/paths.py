"""Where things live: the checkout, its data, its notebooks, its records, this package.

Every path the package uses is built here, so a reader looking for "where does it write?"
finds one answer. `RG_DATA_DIR` and `RG_RESULTS_DIR` move the data and the records (the
tests point both at temporary folders).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout's top level when the package runs from it, else the working directory."""
    here = PACKAGE_DIR.parent
    return here if (here / "pyproject.toml").exists() else Path.cwd()


def data_dir() -> Path:
    """Datasets and the decoded-image cache: `RG_DATA_DIR`, else ``data/``."""
    return Path(os.environ.get("RG_DATA_DIR") or project_root() / "data")


def results_dir() -> Path:
    """Verdict records: `RG_RESULTS_DIR`/verdicts, else ``results/verdicts/``."""
    return Path(os.environ.get("RG_RESULTS_DIR") or project_root() / "results") / "verdicts"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def package_dir() -> Path:
    """The folder of the `reading_group` package itself (its source is fingerprinted)."""
    return PACKAGE_DIR
