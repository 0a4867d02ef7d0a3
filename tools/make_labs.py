"""Write the lab versions of the notebooks: each exercise's solution taken out.

In a notebook, a worked solution sits between a `### BEGIN SOLUTION` line and a
`### END SOLUTION` line. The lab version keeps the lines before and after and replaces the
marked lines, markers included, with a stub indented like the BEGIN line (nbgrader's
convention):

    # YOUR CODE HERE
    raise NotImplementedError()

`rg.exercises.check` reports a function that raises NotImplementedError as "not done yet"
instead of failing, so a lab version still runs top to bottom. The lab version also loses
its outputs, execution counts and saved widget state, and gains a note under its title
(when it had solutions to take out).
Nothing else changes: slide marks, prose and the other code stay as they are.

    python tools/make_labs.py                       # every notebooks/NN_*.ipynb -> build/labs/
    python tools/make_labs.py notebooks/00_*.ipynb --out /tmp/labs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
NOTE = ("**Lab version.** The solutions to the exercises under \"Try it yourself\" are taken "
        "out: each function raises `NotImplementedError` until you write it, and its check "
        "reports \"not done yet\" meanwhile. The notebook still runs from top to bottom. "
        "Written by `make labs` from `notebooks/{name}`; edit that notebook, not this copy.")


class SolutionMarkersError(ValueError):
    """BEGIN and END SOLUTION lines that do not pair up."""


def stub_solutions(source: str) -> tuple[str, int]:
    """`source` with every marked solution replaced by a stub; and how many there were."""
    out, inside, count = [], False, 0
    for number, line in enumerate(source.split("\n"), 1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise SolutionMarkersError(f"line {number}: {BEGIN} inside another solution")
            inside, count = True, count + 1
            indent = line[:len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
        elif marker == END:
            if not inside:
                raise SolutionMarkersError(f"line {number}: {END} without a {BEGIN} before it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkersError(f"{BEGIN} without an {END} after it")
    return "\n".join(out), count


def lab_version(nb, name: str):
    """A copy of notebook `nb` (read with nbformat) with solutions stubbed and outputs cleared.

    Returns the copy and the number of solutions replaced. A notebook without solutions
    (the summary, 08) is copied without the note.
    """
    stubs = 0
    lab = nbformat.v4.new_notebook(metadata={k: v for k, v in nb.metadata.items()
                                             if k != "widgets"}, cells=[])
    for cell in nb.cells:
        cell = nbformat.from_dict(cell)
        if cell.cell_type == "code":
            try:
                cell.source, count = stub_solutions(cell.source)
            except SolutionMarkersError as e:
                raise SolutionMarkersError(f"{name}, cell {cell.get('id', '?')}: {e}") from None
            stubs += count
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        lab.cells.append(cell)
    if stubs:
        note = nbformat.v4.new_markdown_cell(NOTE.format(name=name))
        note.metadata["slideshow"] = {"slide_type": "-"}
        lab.cells.insert(1, note)
    return lab, stubs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "labs")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        lab, stubs = lab_version(nb, path.name)
        nbformat.write(lab, args.out / path.name)
        print(f"{args.out / path.name}: {stubs} solution(s) replaced by stubs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
