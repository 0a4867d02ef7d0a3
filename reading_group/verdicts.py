"""Recording whether each of the papers' claims held, and rendering the verdict table.

A notebook makes one `Record`, calls `claim(...)` for every claim it tests (ids from
SYLLABUS.md, such as ``C01.2``), shows `record.table()` at its end and calls `save()`.

In the ``standard`` and ``paper`` profiles the record is written to
``results/verdicts/<notebook>.json``; in ``smoke`` (or on the synthetic stand-in, whose
numbers say nothing about the papers) nothing under ``results/`` changes. A claim marked
must-hold that fails in ``standard`` or ``paper`` on real data raises `ClaimFailed`,
stopping the notebook with the claim's id and the shortfall.

A record keeps a fingerprint of the code that produced it (`code_sha256`: a hash of the
notebook's code cells), so the series' summary notebook, the README's table
(``make verdicts``) and the tests can tell a current record from one that the notebook's
code has moved on from (`freshness`). File times cannot tell: git does not keep them.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch

from . import profiles
from .paths import notebooks_dir, project_root, results_dir
from .tables import Table

VERDICTS = ("held", "not held", "not tested")


class ClaimFailed(AssertionError):
    """A must-hold claim did not hold in a profile where it has to."""


@dataclass
class Check:
    """A measured value against a threshold; truthy when it passes."""

    value: float
    threshold: float
    relation: str  # "at least" or "at most" or "below" or "above"

    def __bool__(self):
        return {
            "at least": self.value >= self.threshold,
            "at most": self.value <= self.threshold,
            "above": self.value > self.threshold,
            "below": self.value < self.threshold,
        }[self.relation]

    def describe(self) -> str:
        gap = abs(self.value - self.threshold)
        verdict = "met" if self else f"missed by {gap:.4g}"
        return f"measured {self.value:.4g}, needed {self.relation} {self.threshold:.4g} ({verdict})"


def at_least(value, threshold) -> Check:
    return Check(float(value), float(threshold), "at least")


def at_most(value, threshold) -> Check:
    return Check(float(value), float(threshold), "at most")


def above(value, threshold) -> Check:
    return Check(float(value), float(threshold), "above")


def below(value, threshold) -> Check:
    return Check(float(value), float(threshold), "below")


def paired_gap(wrong_a, wrong_b) -> tuple[float, float]:
    """Error rate of b minus error rate of a on the same examples, and its standard error.

    `wrong_a`, `wrong_b`: a bool per example (`train.mistakes`). The comparison is paired:
    each example contributes d = wrong_b - wrong_a (-1, 0 or 1), so the images both models
    get right, or both get wrong, add no noise. The standard error is the sample standard
    deviation of d over sqrt(N); a gap within about two of them could be chance.
    """
    d = torch.as_tensor(wrong_b, dtype=torch.float64) - torch.as_tensor(wrong_a, dtype=torch.float64)
    if d.numel() < 2:
        raise ValueError("need at least two examples")
    return d.mean().item(), (d.std() / d.numel() ** 0.5).item()


class Record:
    """The claims one notebook tested, with the paper's figure and ours."""

    def __init__(self, notebook: str, *, dataset: str = "none", profile: str | None = None):
        self.notebook = notebook
        self.dataset = dataset
        self.profile = profile or profiles.active()
        self.device = str(profiles.device())
        self.started = time.perf_counter()
        self.claims: list[dict] = []

    @property
    def binding(self) -> bool:
        """Whether must-hold claims stop the notebook here: standard or paper, on real data."""
        return self.profile != "smoke" and self.dataset != "synthetic"

    def claim(self, id: str, claim: str, *, paper: str, ours: str, held, must_hold: bool = False):
        """Record one claim. `held` is True/False, a `Check`, or None for not tested."""
        verdict = "not tested" if held is None else ("held" if held else "not held")
        entry = {"id": id, "claim": claim, "paper": paper, "ours": ours, "verdict": verdict,
                 "must_hold": bool(must_hold)}
        self.claims = [c for c in self.claims if c["id"] != id] + [entry]
        if must_hold and verdict != "held" and self.binding:
            how = held.describe() if isinstance(held, Check) else f"ours: {ours}"
            raise ClaimFailed(f"{id} must hold in the {self.profile} profile and did not: {how}. "
                              f"Claim: {claim}")
        print(f"{id}{' (must hold)' if must_hold else ''}: {verdict}. Ours: {ours}")

    def table(self) -> Table:
        rows = [[c["id"] + (" *" if c["must_hold"] else ""), c["claim"], c["paper"], c["ours"],
                 c["verdict"]] for c in self.claims]
        return Table(["claim", "what it says", "paper", "ours", "verdict"], rows,
                     title=f"Verdicts of {self.notebook} ({self.profile} profile, {self.dataset}; "
                           f"* must hold)")

    def as_dict(self) -> dict:
        return {
            "notebook": self.notebook, "profile": self.profile, "dataset": self.dataset,
            "torch": torch.__version__.split("+")[0], "device": self.device,
            "seconds": round(time.perf_counter() - self.started, 1),
            "recorded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "code_sha256": self.code_sha256(),
            "claims": self.claims,
        }

    def code_sha256(self) -> str | None:
        """The fingerprint of notebooks/<notebook>.ipynb as saved on disk; None without one."""
        path = notebook_path(self.notebook)
        return code_sha256(path) if path.exists() else None

    def save(self) -> Path | None:
        """Write results/verdicts/<notebook>.json in standard and paper on real data."""
        if not self.binding:
            why = "smoke profile" if self.profile == "smoke" else "synthetic data"
            print(f"Verdict record not written ({why}): results/ is left as it is.")
            return None
        path = results_dir() / f"{self.notebook}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n")
        root = project_root()
        print(f"Verdict record written to {path.relative_to(root) if path.is_relative_to(root) else path}.")
        return path


def load_records(directory: str | Path | None = None) -> list[dict]:
    """Every record under results/verdicts/, sorted by notebook."""
    directory = Path(directory) if directory else results_dir()
    return [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]


# ---------------------------------------------------------------------------------------
# Is a record still current? Fingerprints of a notebook's code, and the series' table.

SAVES_A_RECORD = re.compile(r"\brecord\.save\(\)")


def notebook_path(stem: str, directory: str | Path | None = None) -> Path:
    return Path(directory or notebooks_dir()) / f"{stem}.ipynb"


def _notebook_json(notebook) -> dict:
    return notebook if isinstance(notebook, dict) else json.loads(
        Path(notebook).read_text(encoding="utf-8"))


def _sources(nb: dict, kind: str = "code"):
    for cell in nb["cells"]:
        if cell["cell_type"] == kind:
            source = cell["source"]
            yield source if isinstance(source, str) else "".join(source)


def code_sha256(notebook) -> str:
    """SHA-256 of a notebook's code cells: what a verdict record remembers of its notebook.

    `notebook` is a path to an ``.ipynb`` file or its parsed JSON. Only the sources of the
    code cells count, in order (a NUL byte between cells, Windows line ends read as Unix
    ones). Outputs, execution counts, markdown and cell metadata do not: re-running a
    notebook, rewording its prose or marking its slides leaves the fingerprint unchanged,
    and any edit to its code changes it.
    """
    digest = hashlib.sha256()
    for source in _sources(_notebook_json(notebook)):
        digest.update(source.replace("\r\n", "\n").encode("utf-8") + b"\0")
    return digest.hexdigest()


def saves_a_record(notebook) -> bool:
    """Whether one of the notebook's code cells calls ``record.save()``."""
    return any(SAVES_A_RECORD.search(s) for s in _sources(_notebook_json(notebook)))


FRESHNESS = {
    "current": "current",
    "stale": "stale: the notebook's code changed after this record was written",
    "unhashed": "cannot tell if current: written before records kept a code fingerprint",
    "missing": "missing: the notebook saves a record and there is none",
    "orphaned": "no notebook: nothing under notebooks/ has this name",
}


class RecordsOutOfDate(RuntimeError):
    """A verdict record is missing, stale, or (when strict) of unknown age."""


@dataclass
class Freshness:
    """Where one notebook's record stands against the notebook's present code."""

    notebook: str
    status: str  # a key of FRESHNESS
    record: dict | None = None

    def out_of_date(self, strict: bool = False) -> bool:
        """Missing, stale or orphaned; with `strict`, a record without a fingerprint too."""
        return self.status in ("missing", "stale", "orphaned") or (
            strict and self.status == "unhashed")

    def advice(self) -> str:
        if self.status == "orphaned":
            return (f"delete results/verdicts/{self.notebook}.json, or restore "
                    f"notebooks/{self.notebook}.ipynb")
        return f"run notebooks/{self.notebook}.ipynb in the standard profile (`make run`)"


def freshness(records: list[dict] | None = None,
              notebook_dir: str | Path | None = None) -> list[Freshness]:
    """For every notebook that saves a record, and every record: is the record current?

    A record is current when its ``code_sha256`` equals the fingerprint of the notebook's
    code now, stale when they differ, and "unhashed" (cannot tell) when it has none.
    """
    records = load_records() if records is None else records
    by_stem = {r["notebook"]: r for r in records}
    notebook_dir = Path(notebook_dir or notebooks_dir())
    found = {p.stem: p for p in sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))}
    result = []
    for stem in sorted(set(by_stem) | set(found)):
        record, path = by_stem.get(stem), found.get(stem)
        if path is None:
            result.append(Freshness(stem, "orphaned", record))
            continue
        nb = _notebook_json(path)
        if record is None:
            if saves_a_record(nb):
                result.append(Freshness(stem, "missing"))
        elif not record.get("code_sha256"):
            result.append(Freshness(stem, "unhashed", record))
        else:
            same = record["code_sha256"] == code_sha256(nb)
            result.append(Freshness(stem, "current" if same else "stale", record))
    return result


def freshness_table(statuses: list[Freshness]) -> Table:
    rows = []
    for f in statuses:
        r = f.record or {}
        rows.append([f.notebook, r.get("profile", ""), r.get("dataset", ""),
                     r.get("recorded", ""), len(r.get("claims", [])), FRESHNESS[f.status]])
    return Table(["notebook", "profile", "dataset", "recorded (UTC)", "claims", "record"], rows,
                 title="Verdict records against the notebooks' present code")


def require_current(statuses: list[Freshness], *, strict: bool = False) -> None:
    """Raise `RecordsOutOfDate`, naming each notebook to run, if any record is out of date."""
    late = [f for f in statuses if f.out_of_date(strict)]
    if late:
        lines = "\n".join(f"- {f.notebook}: {FRESHNESS[f.status]}; {f.advice()}" for f in late)
        raise RecordsOutOfDate(f"{len(late)} verdict record(s) out of date:\n{lines}")


def claims_table(records: list[dict], title: str | None = None) -> Table:
    """Every claim of every record: id (* must hold), claim, paper, ours, verdict, notebook."""
    rows = [[c["id"] + (" *" if c["must_hold"] else ""), c["claim"], c["paper"], c["ours"],
             c["verdict"], r["notebook"]] for r in records for c in r["claims"]]
    return Table(["claim", "what it says", "paper", "ours", "verdict", "notebook"], rows,
                 title=title)


def tally(records: list[dict]) -> dict[str, int]:
    """How many claims came out held, not held and not tested."""
    counts = dict.fromkeys(VERDICTS, 0)
    for r in records:
        for c in r["claims"]:
            counts[c["verdict"]] += 1
    return counts


def counts_table(records: list[dict], by=lambda record: record["notebook"],
                 label: str = "notebook") -> Table:
    """Verdict counts per group of records (`by` maps a record to its group), then overall."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(by(r), []).append(r)
    rows = []
    for name, members in [*groups.items(), ("all", records)]:
        counts = tally(members)
        musts = [c for r in members for c in r["claims"] if c["must_hold"]]
        rows.append([name, *counts.values(), sum(counts.values()),
                     f"{sum(c['verdict'] == 'held' for c in musts)} of {len(musts)}"])
    return Table([label, *VERDICTS, "claims", "must hold: held"], rows,
                 title=f"Verdicts per {label}")
