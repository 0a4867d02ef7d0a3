"""Mark every cell of the notebooks for a reveal.js slide show, by one rule.

`jupyter nbconvert --to slides` (what `make slides` runs) reads each cell's
``metadata.slideshow.slide_type``. This script sets it from the cells themselves:

- the first cell, and every markdown cell whose first line is a `#` or `##` heading,
  starts a new slide (left to right: the notebook's sections);
- every other markdown cell (a `###` heading, or prose) starts a sub-slide (downwards);
- a code cell stays on the slide of the text before it ("-"), but a code cell that
  follows another code cell starts a sub-slide of its own, so one screen holds one piece
  of explanation and the code that goes with it.

Nothing is skipped: set-up and settings cells are part of the story. The rule reads only
the cells' types and sources, so running the script again changes nothing (it writes a
notebook only when a mark differs, and touches nothing but that metadata; outputs stay as
they are). Marks made by hand are overwritten: the rule is the one source.

    python tools/mark_slides.py                      # every notebooks/NN_*.ipynb
    python tools/mark_slides.py notebooks/04_*.ipynb
    python tools/mark_slides.py --check              # exit 1 if any cell's mark differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def _text(cell) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def slide_type(cell, previous=None) -> str:
    """The mark the rule gives `cell`, which follows `previous` (None for the first cell)."""
    if previous is None:
        return "slide"
    if cell["cell_type"] == "markdown":
        first = _text(cell).lstrip().split("\n", 1)[0]
        return "slide" if first.startswith(("# ", "## ")) else "subslide"
    if cell["cell_type"] == "code" and previous["cell_type"] == "code":
        return "subslide"
    return "-"


def marks(nb) -> list[str]:
    cells = nb["cells"]
    return [slide_type(c, cells[i - 1] if i else None) for i, c in enumerate(cells)]


def mark(nb) -> int:
    """Set every cell's mark in place; return how many changed."""
    changed = 0
    for cell, kind in zip(nb["cells"], marks(nb)):
        if cell["metadata"].get("slideshow", {}).get("slide_type") != kind:
            cell["metadata"].setdefault("slideshow", {})["slide_type"] = kind
            changed += 1
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a cell's mark is missing or differs")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    unmarked = []
    for path in paths:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        changed = mark(nb)
        if changed and args.check:
            unmarked.append(path)
            print(f"{path.name}: {changed} of {len(nb.cells)} cells lack their slide mark",
                  file=sys.stderr)
        elif changed:
            nbformat.write(nb, path)
            print(f"{path.name}: marked {changed} of {len(nb.cells)} cells")
        else:
            print(f"{path.name}: every cell already marked")
    if unmarked:
        print("Mark them with: .venv/bin/python tools/mark_slides.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
