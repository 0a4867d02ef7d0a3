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
    """Datasets and the decoded-image cache: `RG_DATA_DIR`, else ``data/``.

    ``~`` is expanded (``RG_DATA_DIR=~/cifar`` in a quoted shell line or a .env file would
    otherwise make a folder named ``~``), surrounding whitespace ignored, and a path that
    is a file is a `data.DataError` naming RG_DATA_DIR.
    """
    named = os.environ.get("RG_DATA_DIR", "").strip()
    folder = Path(named).expanduser() if named else project_root() / "data"
    if folder.exists() and not folder.is_dir():
        from .data import DataError  # data imports this module

        what = f"RG_DATA_DIR={named!r} ({folder})" if named else f"The data folder {folder}"
        raise DataError(f"{what} is a file, not a folder. Fix: point RG_DATA_DIR "
                        f"at a folder (it may be empty: the data is then looked for, or "
                        f"downloaded, there), or unset it to use {project_root() / 'data'}.")
    return folder


def results_dir() -> Path:
    """Verdict records: `RG_RESULTS_DIR`/verdicts, else ``results/verdicts/``."""
    return Path(os.environ.get("RG_RESULTS_DIR") or project_root() / "results") / "verdicts"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def package_dir() -> Path:
    """The folder of the `reading_group` package itself (its source is fingerprinted)."""
    return PACKAGE_DIR
