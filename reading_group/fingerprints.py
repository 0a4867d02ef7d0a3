"""Fingerprints of the code behind a verdict record, and whether a record is still current.

A verdict record (`verdicts.Record`) is only as good as the code that produced it. Its
numbers come from two places: the notebook's own code cells and this package (`fit`,
`resnet.Block`, the batches...). So every record keeps two SHA-256 fingerprints:

- ``notebook_sha256``: the notebook's code cells (`notebook_sha256`);
- ``package_sha256``: every ``.py`` file of ``reading_group/`` (`package_sha256`). This is
  the simplest honest choice: a notebook does not use every module, but working out which
  modules it reached (and which those reached) would be a guess that a refactor can break,
  while hashing the whole package can only err on the safe side, by asking for a re-run.

`freshness` compares each record with the code as it is now; `require_current` stops with
the name of every notebook to re-run. The README's table (``make verdicts``), the summary
notebook and the tests all use them. File times cannot do this job: git does not keep them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .paths import notebooks_dir, package_dir
from .tables import Table

SAVES_A_RECORD = re.compile(r"\brecord\.save\(\)")
READS_RECORDS = re.compile(r"\bverdicts\.load_records\(")


def _text(source: str) -> bytes:
    """Source text as bytes, Windows line ends read as Unix ones."""
    return source.replace("\r\n", "\n").encode("utf-8")


def notebook_json(notebook) -> dict:
    """A notebook's parsed JSON from a path, or the JSON itself."""
    return notebook if isinstance(notebook, dict) else json.loads(
        Path(notebook).read_text(encoding="utf-8"))


def code_sources(notebook):
    """The source of each code cell of a notebook (path or parsed JSON), in order."""
    for cell in notebook_json(notebook)["cells"]:
        if cell["cell_type"] == "code":
            source = cell["source"]
            yield source if isinstance(source, str) else "".join(source)


def notebook_sha256(notebook) -> str:
    """SHA-256 of a notebook's code cells: what a record remembers of its notebook.

    Only the sources of the code cells count, in order, a NUL byte after each. Outputs,
    execution counts, markdown and cell metadata do not: re-running a notebook, rewording
    its prose or marking its slides leaves the fingerprint unchanged; any edit to its code
    changes it.
    """
    digest = hashlib.sha256()
    for source in code_sources(notebook):
        digest.update(_text(source) + b"\0")
    return digest.hexdigest()


def package_files(directory: str | Path | None = None) -> list[Path]:
    """Every ``.py`` file under the package folder, in a fixed order (by relative path)."""
    root = Path(directory or package_dir())
    return sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix())


def package_sha256(directory: str | Path | None = None) -> str:
    """SHA-256 of the package's source: each ``.py`` file's relative path and text.

    Adding, removing, renaming or editing any module changes it; compiled files
    (``__pycache__``) and anything that is not Python source do not count.
    """
    root = Path(directory or package_dir())
    digest = hashlib.sha256()
    for path in package_files(root):
        digest.update(_text(path.relative_to(root).as_posix()) + b"\0")
        digest.update(_text(path.read_text(encoding="utf-8")) + b"\0")
    return digest.hexdigest()


def saves_a_record(notebook) -> bool:
    """Whether one of the notebook's code cells calls ``record.save()``."""
    return any(SAVES_A_RECORD.search(s) for s in code_sources(notebook))


def reads_records(notebook) -> bool:
    """Whether the notebook gathers the others' records (``rg.verdicts.load_records()``):
    a summary notebook, which tests no claim of its own."""
    return any(READS_RECORDS.search(s) for s in code_sources(notebook))


FRESHNESS = {
    "current": "current",
    "notebook changed": "stale: the notebook's code changed after this record was written",
    "package changed": "stale: the reading_group package changed after this record was written",
    "both changed": "stale: the notebook's code and the reading_group package both changed "
                    "after this record was written",
    "unfingerprinted": "stale: written before records fingerprinted the notebook and the "
                       "package, so nothing shows which code made it",
    "missing": "missing: the notebook saves a record and there is none",
    "orphaned": "no notebook: nothing under notebooks/ has this name",
}


class RecordsOutOfDate(RuntimeError):
    """A verdict record is missing, stale, or has no notebook."""


@dataclass
class Freshness:
    """Where one notebook's record stands against the present code."""

    notebook: str
    status: str  # a key of FRESHNESS
    record: dict | None = None

    def out_of_date(self) -> bool:
        return self.status != "current"

    def advice(self) -> str:
        if self.status == "orphaned":
            return (f"delete results/verdicts/{self.notebook}.json, or restore "
                    f"notebooks/{self.notebook}.ipynb")
        return f"run notebooks/{self.notebook}.ipynb in the standard profile (`make run`)"


def _status(record: dict, notebook: dict, package: str) -> str:
    stored_nb, stored_pkg = record.get("notebook_sha256"), record.get("package_sha256")
    if not stored_nb or not stored_pkg:
        return "unfingerprinted"
    notebook_moved = stored_nb != notebook_sha256(notebook)
    package_moved = stored_pkg != package
    if notebook_moved and package_moved:
        return "both changed"
    if notebook_moved:
        return "notebook changed"
    return "package changed" if package_moved else "current"


def freshness(records: list[dict] | None = None, notebook_dir: str | Path | None = None,
              package: str | Path | None = None) -> list[Freshness]:
    """For every notebook that saves a record, and every record: is the record current?

    A record is current when both its fingerprints equal those of the code now: the
    notebook's code cells under `notebook_dir` and the package under `package` (folders;
    by default this checkout's). The status says which part changed.
    """
    from .verdicts import load_records

    records = load_records() if records is None else records
    by_stem = {r["notebook"]: r for r in records}
    found = {p.stem: p for p in sorted(Path(notebook_dir or notebooks_dir()).glob(
        "[0-9][0-9]_*.ipynb"))}
    package_now = package_sha256(package)
    result = []
    for stem in sorted(set(by_stem) | set(found)):
        record, path = by_stem.get(stem), found.get(stem)
        if path is None:
            result.append(Freshness(stem, "orphaned", record))
        elif record is None:
            if saves_a_record(path):
                result.append(Freshness(stem, "missing"))
        else:
            result.append(Freshness(stem, _status(record, notebook_json(path), package_now),
                                    record))
    return result


def freshness_table(statuses: list[Freshness]) -> Table:
    rows = []
    for f in statuses:
        r = f.record or {}
        rows.append([f.notebook, r.get("profile", ""), r.get("dataset", ""),
                     r.get("recorded", ""), len(r.get("claims", [])), FRESHNESS[f.status]])
    return Table(["notebook", "profile", "dataset", "recorded (UTC)", "claims", "record"], rows,
                 title="Verdict records against the present code (notebook and package)")


def out_of_date_message(statuses: list[Freshness]) -> str:
    """One line per out-of-date record: the notebook, what changed, what to do."""
    return "\n".join(f"- {f.notebook}: {FRESHNESS[f.status]}; {f.advice()}"
                     for f in statuses if f.out_of_date())


def require_current(statuses: list[Freshness]) -> None:
    """Raise `RecordsOutOfDate`, naming each notebook to run, if any record is out of date."""
    late = [f for f in statuses if f.out_of_date()]
    if late:
        raise RecordsOutOfDate(f"{len(late)} verdict record(s) out of date:\n"
                               f"{out_of_date_message(statuses)}")
