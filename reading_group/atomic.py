"""Writing a file so that it is either the old one or the whole new one, never half.

`write_text` writes a temporary file beside the target and renames it over the target
(`os.replace`, atomic on one file system): a full disk or a kill during the write leaves
the old file whole. Used for the verdict records, the README's table and the notebooks
that `make run` writes back.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_text(path: str | Path, text: str) -> None:
    """Write `text` to `path` through a temporary file beside it and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
