"""Recording whether each of the papers' claims held, and rendering the verdict table.

A notebook makes one `Record`, calls `claim(...)` for every claim it tests (ids from
SYLLABUS.md, such as ``C01.2``), shows `record.table()` at its end and calls `save()`.

In the ``standard`` and ``paper`` profiles the record is written to
``results/verdicts/<notebook>.json``; in ``smoke`` (or on the synthetic stand-in, whose
numbers say nothing about the papers) nothing under ``results/`` changes. A claim marked
must-hold that fails in ``standard`` or ``paper`` on real data raises `ClaimFailed`,
stopping the notebook with the claim's id and the shortfall.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch

from . import profiles
from .data import project_root
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


def results_dir() -> Path:
    return Path(os.environ.get("RG_RESULTS_DIR") or project_root() / "results") / "verdicts"


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
            "claims": self.claims,
        }

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
