"""Write each notebook's "**Run time**" line from the measured run times: `make run-times`.

**Where the times come from.** `tools/run_notebooks.py` (what `make run` runs) measures
each notebook's wall time, from the kernel's start to its last cell, and in the ``smoke``
and ``standard`` profiles merges it into ``results/run-times/<profile>.json``
(``{"00_convnets_and_data": 70.3, ...}``, seconds; the folder follows `RG_RESULTS_DIR`).
One source per profile, both written the same way by the same code. The ``standard`` time
is deliberately *not* the verdict record's ``"seconds"`` field: that one runs from the
`Record`'s creation to ``save()``, so it leaves out the kernel's start, the imports and
whatever cells follow ``save()``, and notebook 08 writes no record at all. A run in
``paper`` (a GPU, another machine) records nothing, and neither does a fast development
run (`RG_FAST_DEV_RUN`); ``run_notebooks.py --no-times`` records nothing either.

**What it writes.** The first (markdown) cell of every notebook holds one line between
two marker lines::

    <!-- run-times: begin -->
    **Run time** on a two-core CPU with `make run`: `smoke` 35 seconds, `standard` 9.8 minutes.
    <!-- run-times: end -->

Below 90 seconds a time is given in seconds, otherwise in minutes with one decimal; a
profile with no stored time reads "not measured yet". Only that line changes: markdown,
which the code fingerprints of the verdict records do not see, and each notebook is
written through a temporary file and a rename (`reading_group.atomic`), and only when its
line changed. The table of run times in ``docs/facilitating.md`` (between its own markers)
is written from the same files.

    python tools/run_times.py           # what `make run-times` (and the end of `make run`) runs
    python tools/run_times.py --check   # exit 1, naming each header that disagrees
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

from reading_group import atomic
from reading_group.paths import notebooks_dir, project_root, results_dir

RECORDED = ("smoke", "standard")
"""The profiles whose times are stored and shown: both run on the two-core CPU."""
BEGIN = "<!-- run-times: begin -->"
END = "<!-- run-times: end -->"
DOCS_BEGIN = ("<!-- run-times-table: begin (written by `make run-times` from "
              "results/run-times/) -->")
DOCS_END = "<!-- run-times-table: end -->"
NOT_MEASURED = "not measured yet"


def times_dir() -> Path:
    """``results/run-times/``, beside the verdict records (`RG_RESULTS_DIR` moves both)."""
    return results_dir().parent / "run-times"


def load_times(directory: str | Path | None = None) -> dict[str, dict[str, float]]:
    """``{profile: {notebook stem: seconds}}`` for each of `RECORDED` (empty when no file)."""
    directory = Path(directory) if directory else times_dir()
    times = {}
    for profile in RECORDED:
        path = directory / f"{profile}.json"
        times[profile] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return times


def record_time(profile: str, stem: str, seconds: float,
                directory: str | Path | None = None) -> Path:
    """Merge one notebook's wall time into ``<directory>/<profile>.json`` (written whole or
    not at all); the other notebooks' times stay as they were."""
    if profile not in RECORDED:
        raise ValueError(f"run times are kept for {RECORDED}, not {profile!r}")
    path = (Path(directory) if directory else times_dir()) / f"{profile}.json"
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    stored[stem] = round(float(seconds), 1)
    atomic.write_text(path, json.dumps(dict(sorted(stored.items())), indent=2) + "\n")
    return path


def format_seconds(seconds: float | None) -> str:
    """``35 seconds`` below 90 seconds, ``9.8 minutes`` from there on, or `NOT_MEASURED`."""
    if seconds is None:
        return NOT_MEASURED
    whole = round(seconds)
    if whole < 90:
        return f"{whole} second{'' if whole == 1 else 's'}"
    return f"{seconds / 60:.1f} minutes"


def line(stem: str, times: dict[str, dict[str, float]]) -> str:
    """The header's run-time line for notebook `stem`."""
    parts = ", ".join(f"`{p}` {format_seconds(times.get(p, {}).get(stem))}" for p in RECORDED)
    return f"**Run time** on a two-core CPU with `make run`: {parts}."


def between(text: str, begin: str, end: str, where: str) -> str:
    """What stands between the one `begin` line and the one `end` line of `text`."""
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f"{where} needs exactly one pair of marker lines:\n{begin}\n{end}")
    return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")


def splice(text: str, begin: str, end: str, inner: str, where: str) -> str:
    """`text` with what stands between the markers replaced by `inner`."""
    between(text, begin, end, where)  # checks the markers
    head, rest = text.split(begin, 1)
    return f"{head}{begin}\n{inner}\n{end}{rest.split(end, 1)[1]}"


def header(nb, name: str):
    """The notebook's first cell, which must be markdown."""
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        raise ValueError(f"{name}: the first cell must be the markdown header")
    return nb.cells[0]


def rewrite(path: Path, times: dict[str, dict[str, float]]) -> bool:
    """Rewrite the run-time line of the notebook at `path`; whether it changed."""
    nb = nbformat.read(path, as_version=4)
    cell = header(nb, path.name)
    new = splice(cell.source, BEGIN, END, line(path.stem, times), f"{path.name}'s first cell")
    if new == cell.source:
        return False
    cell.source = new
    atomic.write_text(path, nbformat.writes(nb) + "\n")
    return True


def disagreement(path: Path, times: dict[str, dict[str, float]]) -> str | None:
    """None when the notebook's header line is the stored times', else what is wrong."""
    try:
        cell = header(nbformat.read(path, as_version=4), path.name)
        shown = between(cell.source, BEGIN, END, f"{path.name}'s first cell")
    except ValueError as err:
        return str(err).splitlines()[0].rstrip(":")
    wanted = line(path.stem, times)
    if shown != wanted:
        return f"{path.name}: the header says\n    {shown}\n  the stored times say\n    {wanted}"
    return None


def docs_table(stems: list[str], times: dict[str, dict[str, float]]) -> str:
    """The Markdown table of run times per notebook and profile, with the whole series."""
    rows = ["| notebook | " + " | ".join(f"`{p}`" for p in RECORDED) + " |",
            "| --- |" + " --- |" * len(RECORDED)]
    for stem in stems:
        rows.append(f"| {stem} | " + " | ".join(format_seconds(times[p].get(stem))
                                                 for p in RECORDED) + " |")
    totals = []
    for p in RECORDED:
        measured = [times[p][s] for s in stems if s in times[p]]
        if not measured:
            totals.append(NOT_MEASURED)
        else:
            missing = len(stems) - len(measured)
            totals.append(format_seconds(sum(measured))
                          + (f" ({missing} not measured yet)" if missing else ""))
    rows.append("| all, one after another | " + " | ".join(totals) + " |")
    return "\n".join(rows)


def all_notebooks() -> list[Path]:
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="the notebooks whose headers to write (default: all of notebooks/)")
    parser.add_argument("--times", type=Path, default=None,
                        help="the folder of <profile>.json files (default: results/run-times/, "
                             "beside RG_RESULTS_DIR's verdicts when set)")
    parser.add_argument("--docs", type=Path, default=project_root() / "docs" / "facilitating.md",
                        help="the page with the table of run times (default docs/facilitating.md; "
                             "skipped when missing)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a header or the table disagrees with "
                             "the stored times")
    args = parser.parse_args(argv)

    times = load_times(args.times)
    notebooks = args.notebooks or all_notebooks()
    problems = []
    if args.check:
        problems = [p for p in (disagreement(nb, times) for nb in notebooks) if p]
    else:
        for nb in notebooks:
            try:
                changed = rewrite(nb, times)
            except ValueError as err:
                problems.append(str(err).splitlines()[0].rstrip(":"))
                continue
            print(f"{nb.name}: {line(nb.stem, times)}{'' if changed else ' (unchanged)'}")

    if args.docs.exists():
        stems = [p.stem for p in all_notebooks()]
        text = args.docs.read_text(encoding="utf-8")
        where = f"{args.docs.name}"
        try:
            shown = between(text, DOCS_BEGIN, DOCS_END, where)
            table = docs_table(stems, times)
            if args.check and shown != table:
                problems.append(f"{where}: the run-time table is not the stored times'")
            elif not args.check and shown != table:
                atomic.write_text(args.docs, splice(text, DOCS_BEGIN, DOCS_END, table, where))
                print(f"{where}: run-time table rewritten.")
        except ValueError as err:
            problems.append(str(err).splitlines()[0].rstrip(":"))

    if problems:
        fixes = []
        if any("marker lines" in p for p in problems):
            fixes.append(f"put the run-time line between a {BEGIN} line and a {END} line "
                         f"(in docs/facilitating.md the table between {DOCS_BEGIN} and "
                         f"{DOCS_END})")
        if args.check and not all("marker lines" in p for p in problems):
            fixes.append("run `make run-times` (times not measured yet come from "
                         "`make run` and `make run PROFILE=smoke`)")
        print("\n".join(problems) + "\nFix: " + "; then ".join(fixes) + ".", file=sys.stderr)
        return 1
    if args.check:
        print(f"The run-time lines of {len(notebooks)} notebooks match the stored times.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
