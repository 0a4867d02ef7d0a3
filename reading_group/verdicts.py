"""Recording whether each of the papers' claims held, and rendering the verdict table.

A notebook makes one `Record`, naming the paper(s) it reads, calls `claim(...)` for every
claim it tests (ids ``C<notebook>.<n>``, such as ``C01.2``, in the order of the reading
group's syllabus), shows `record.table()` at its end and calls `save()`.

In the ``standard`` and ``paper`` profiles the record is written to
``results/verdicts/<notebook>.json``; in ``smoke`` (or on the synthetic stand-in, whose
numbers say nothing about the papers, or in a fast development run) nothing under
``results/`` changes. A claim marked must-hold that fails in ``standard`` or ``paper`` on
real data raises `ClaimFailed`, stopping the notebook with the claim's id and the shortfall.

A record keeps fingerprints of the notebook's code and of this package
(`fingerprints`), so the summary notebook, the README's table (``make verdicts``) and the
tests can tell a current record from one whose code has moved on.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch

from . import fingerprints, profiles
from .papers import SHORT_NAMES
from .paths import notebooks_dir, project_root, results_dir
from .tables import Table

VERDICTS = ("held", "not held", "not tested")
NOT_CHECKED = "not checked: fast development run"
"""The verdict of every claim in a fast development run, whose numbers mean nothing."""


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
    d = (torch.as_tensor(wrong_b, dtype=torch.float64)
         - torch.as_tensor(wrong_a, dtype=torch.float64))
    if d.numel() < 2:
        raise ValueError("need at least two examples")
    return d.mean().item(), (d.std() / d.numel() ** 0.5).item()


class Record:
    """The claims one notebook tested, with the paper's figure and ours."""

    def __init__(self, notebook: str, *, papers, dataset: str = "none",
                 profile: str | None = None):
        if (isinstance(papers, str) or not papers
                or any(p not in SHORT_NAMES for p in papers)):
            raise ValueError(f"papers must be a non-empty list of {sorted(SHORT_NAMES)}, "
                             f"got {papers!r}")
        self.notebook = notebook
        self.papers = list(papers)
        self.dataset = dataset
        self.profile = profile or profiles.active()
        self.fast_dev_run = profiles.fast_dev_run()
        self.device = str(profiles.device())
        self.started = time.perf_counter()
        self.claims: list[dict] = []

    @property
    def binding(self) -> bool:
        """Whether must-hold claims stop the notebook here, and the record is written:
        standard or paper, on real data, and not a fast development run."""
        return self.profile != "smoke" and self.dataset != "synthetic" and not self.fast_dev_run

    def claim(self, id: str, claim: str, *, paper: str, ours: str, held, must_hold: bool = False):
        """Record one claim. `held` is True/False, a `Check`, or None for not tested.

        In a fast development run every verdict is `NOT_CHECKED`: two batches prove that the
        code runs, not what it measures.
        """
        verdict = "not tested" if held is None else ("held" if held else "not held")
        if self.fast_dev_run:
            verdict = NOT_CHECKED
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
        notebook = notebooks_dir() / f"{self.notebook}.ipynb"
        return {
            "notebook": self.notebook, "papers": self.papers, "profile": self.profile,
            "dataset": self.dataset, "torch": torch.__version__.split("+")[0],
            "device": self.device, "seconds": round(time.perf_counter() - self.started, 1),
            "recorded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "notebook_sha256": (fingerprints.notebook_sha256(notebook) if notebook.exists()
                                else None),
            "package_sha256": fingerprints.package_sha256(),
            "claims": self.claims,
        }

    def save(self) -> Path | None:
        """Write results/verdicts/<notebook>.json in standard and paper on real data."""
        if not self.binding:
            why = ("fast development run" if self.fast_dev_run else
                   "smoke profile" if self.profile == "smoke" else "synthetic data")
            print(f"Verdict record not written ({why}): results/ is left as it is.")
            return None
        path = results_dir() / f"{self.notebook}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n")
        root = project_root()
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        print(f"Verdict record written to {shown}.")
        return path


def load_records(directory: str | Path | None = None) -> list[dict]:
    """Every record under results/verdicts/, sorted by notebook."""
    directory = Path(directory) if directory else results_dir()
    return [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]


# ---------------------------------------------------------------------------------------
# The series' tables


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


def papers_of(record: dict) -> str:
    """The paper(s) a record reads, by their short names (``"AlexNet (2012)"``), joined by
    `` + `` when there are several: the group of `counts_table(records, by=papers_of)`."""
    names = [SHORT_NAMES.get(p) or p for p in record.get("papers", [])]
    return " + ".join(names) or "paper not recorded"
