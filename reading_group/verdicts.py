"""Recording whether each of the papers' claims held, by one rule, and the verdict tables.

A notebook makes one `Record`, naming the paper(s) it reads, calls `claim(...)` for every
claim it tests (ids ``C<notebook>.<n>``, such as ``C01.2``, in the order of the reading
group's syllabus), shows `record.table()` at its end and calls `save()`.

**The verdict rule.** A claim tests one thing and carries its `Evidence`: the statistic's
estimate and standard error, in a unit, the threshold the claim is about and the direction
the estimate must lie in (``">"`` or ``"<"``), how many seeds and items it rests on, and
where its SE comes from (`SE_SOURCES`). The verdict is computed from the evidence, never
typed in (`rule`): *held* when the estimate is beyond the threshold in the claimed
direction by at least 2 SE, *not held* when it is on the other side by at least 2 SE,
*inconclusive* otherwise. An exact statistic (a parameter count, a shape, a numerical
identity: SE 0) is decided by its side of the threshold, strictly: an estimate exactly on
the threshold is *not held* (a count that must be zero is stated as ``< 0.5``, "fewer than
one"; a float identity names its rounding tolerance). Measured values whose SE came out 0
(every seed gave the same number) are decided by their side too, and one exactly on the
threshold is inconclusive. *not tested* is for what this scale cannot run at all (no
evidence). A comparison of trained nets (``claim(..., trained_comparison=True)``) must take
its SE over seeds, at least `MIN_SEEDS` of them; a record in ``standard`` or ``paper``
refuses anything less, and any SE over seeds from fewer than `MIN_SEEDS`.

In the ``standard`` and ``paper`` profiles the record is written to
``results/verdicts/<notebook>.json``; in ``smoke`` (or on the synthetic stand-in, whose
numbers say nothing about the papers, or in a fast development run) nothing under
``results/`` changes. A must-hold claim that is not held (or is inconclusive) in
``standard`` or ``paper`` on real data raises `ClaimFailed`, stopping the notebook with
the claim's id and its evidence.

A record keeps fingerprints of the notebook's code and of this package
(`fingerprints`), so the summary notebook, the README's table (``make verdicts``) and the
tests can tell a current record from one whose code has moved on.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import torch

from . import atomic, fingerprints, profiles
from .papers import SHORT_NAMES
from .paths import notebooks_dir, project_root, results_dir
from .tables import Table

VERDICTS = ("held", "not held", "inconclusive", "not tested")
NOT_CHECKED = "not checked: fast development run"
"""The verdict of every claim in a fast development run, whose numbers mean nothing."""
DIRECTIONS = (">", "<")
MIN_SEEDS = 3
"""Seeds per arm that a comparison of trained nets needs (the SE must hold training's chance)."""
SE_SOURCES = {
    "exact": "no chance involved: the estimate is exact and the side of the threshold decides",
    "seeds": "the spread of the per-seed values (paired by seed when two arms are compared)",
    "images": "the test sample: images, paired when one net is measured two ways",
    "draws": "repeated random draws: initialisations, masks or inputs, no training",
    "repeats": "repeated timings of the same work, measured side by side",
    "bootstrap": "a bootstrap over the items the statistic is computed from",
}


class ClaimFailed(AssertionError):
    """A must-hold claim did not hold in a profile where it has to."""


@dataclass(frozen=True)
class Evidence:
    """What a claim measured: `estimate` ± `se` in `unit`, against `threshold`; the claim
    says the estimate lies on the `direction` side (``">"`` or ``"<"``) of it.

    `seeds`: the training seeds (or independent random runs) the estimate averages over, 0
    when nothing random enters; `n`: the items per seed it is computed from (images,
    kernels, draws), when that is meaningful; `se_from`: a key of `SE_SOURCES`.
    """

    estimate: float
    se: float
    threshold: float
    direction: str
    unit: str
    seeds: int = 0
    n: int | None = None
    se_from: str = "exact"

    def __post_init__(self):
        for name in ("estimate", "se", "threshold"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"the evidence's {name} must be a finite number, got {value}")
            object.__setattr__(self, name, value)
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if self.se < 0:
            raise ValueError(f"a standard error cannot be negative, got {self.se}")
        if self.se_from not in SE_SOURCES:
            raise ValueError(f"se_from must be one of {sorted(SE_SOURCES)}, got {self.se_from!r}")
        if self.se_from == "exact" and self.se != 0:
            raise ValueError(f"an exact estimate has SE 0, got {self.se}")
        if int(self.seeds) != self.seeds or self.seeds < 0:
            raise ValueError(f"seeds must be a whole number >= 0, got {self.seeds}")
        object.__setattr__(self, "seeds", int(self.seeds))

    @property
    def margin(self) -> float:
        """How far the estimate lies beyond the threshold on the claimed side (negative
        when it lies on the other side)."""
        gap = self.estimate - self.threshold
        return gap if self.direction == ">" else -gap

    @property
    def verdict(self) -> str:
        return rule(self)

    def describe(self) -> str:
        """``"+2.1 ± 0.6 points (claim: > 0; 3 seeds, SE: seeds): held"``."""
        spread = "" if self.se_from == "exact" else f" ± {self.se:.3g}"
        sample = sample_words(self.as_dict())
        return (f"{self.estimate:.4g}{spread} {self.unit} (claim: {self.direction} "
                f"{self.threshold:.4g}; {sample + ', ' if sample else ''}SE: {self.se_from}): "
                f"{self.verdict}")

    def as_dict(self) -> dict:
        return asdict(self)


def rule(evidence: Evidence) -> str:
    """The verdict the evidence gives: held, not held or inconclusive (see the module)."""
    margin, se = evidence.margin, evidence.se
    if se == 0:  # exact, or measured values that happened to agree: the side decides
        if margin > 0:
            return "held"
        if margin < 0 or evidence.se_from == "exact":  # an exact value on the line is not past it
            return "not held"
        return "inconclusive"
    if margin >= 2 * se:
        return "held"
    if margin <= -2 * se:
        return "not held"
    return "inconclusive"


def exact(value, threshold, direction: str, unit: str, *, n: int | None = None) -> Evidence:
    """Evidence for a structural claim: a count, a shape, a numerical identity (SE 0)."""
    return Evidence(float(value), 0.0, threshold, direction, unit, seeds=0, n=n)


def mean_of(values, threshold, direction: str, unit: str, *, se_from: str,
            n: int | None = None, seeds: int | None = None) -> Evidence:
    """The mean of independent values (one per seed, draw, image or repeat) and its
    standard error, the sample standard deviation over sqrt(k). Needs at least two values.

    `seeds`: how many training seeds the values rest on; by default one per value when
    they are over seeds, and none otherwise (pass ``seeds=1`` for values measured on one
    trained net)."""
    v = torch.as_tensor([float(x) for x in values], dtype=torch.float64)
    if v.numel() < 2:
        raise ValueError(f"a standard error needs at least two values, got {v.numel()}")
    if seeds is None:
        seeds = v.numel() if se_from == "seeds" else 0
    return Evidence(v.mean().item(), (v.std() / v.numel() ** 0.5).item(), threshold, direction,
                    unit, seeds=seeds, n=n if n is not None else v.numel(), se_from=se_from)


def over_seeds(values, threshold, direction: str, unit: str, *, n: int | None = None) -> Evidence:
    """One value per training seed (for two arms, their per-seed difference, paired by
    seed: same subset and data order): the mean and its SE over seeds."""
    return mean_of(values, threshold, direction, unit, se_from="seeds", n=n)


def within(values, bound, unit: str, *, se_from: str, n: int | None = None,
           seeds: int | None = None) -> Evidence:
    """A two-sided claim, "the mean of `values` lies within `bound` of zero either way":
    the estimate is the mean's size |mean|, its SE the mean's (`mean_of`), the claim
    ``< bound``. Held when the whole +-2 SE interval sits inside (-bound, bound)."""
    evidence = mean_of(values, bound, "<", unit, se_from=se_from, n=n, seeds=seeds)
    return replace(evidence, estimate=abs(evidence.estimate))


def proportion(successes: int, n: int, threshold, direction: str, *, seeds: int = 1,
               scale: float = 100.0, unit: str = "%") -> Evidence:
    """A share of `n` independent items (accuracy on n test images), in percent by
    default, with the binomial SE sqrt(p(1 - p) / n): the test sample's chance only."""
    if n < 2 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 2, got {successes} of {n}")
    p = successes / n
    se = max(math.sqrt(p * (1 - p) / n), 0.5 / n)  # never 0: a sample is never exact
    return Evidence(scale * p, scale * se, threshold, direction, unit, seeds=seeds, n=n,
                    se_from="images")


def paired_over_images(wrong_a, wrong_b, threshold, direction: str, *, seeds: int = 1,
                       scale: float = 100.0, unit: str = "points") -> Evidence:
    """Error rate of b minus error rate of a on the same images (`paired_gap`), in points
    by default: right when one trained net is measured two ways (ten crops against one)."""
    gap, se = paired_gap(wrong_a, wrong_b)
    n = len(torch.as_tensor(wrong_a))
    return Evidence(scale * gap, max(scale * se, scale * 0.5 / n), threshold, direction, unit,
                    seeds=seeds, n=n, se_from="images")


def bootstrap(statistic, items, threshold, direction: str, unit: str, *, draws: int = 1000,
              seed: int = 0, seeds: int = 1) -> Evidence:
    """`statistic(items)` on all items, with the SE of a bootstrap: the standard deviation
    of the statistic over `draws` resamplings of the items (rows of a tensor) with
    replacement, from a fixed generator so that the same items give the same SE."""
    items = torch.as_tensor(items)
    if len(items) < 2:
        raise ValueError(f"a bootstrap needs at least two items, got {len(items)}")
    generator = torch.Generator().manual_seed(seed)
    picks = torch.randint(len(items), (draws, len(items)), generator=generator)
    resampled = torch.tensor([float(statistic(items[p])) for p in picks], dtype=torch.float64)
    return Evidence(float(statistic(items)), resampled.std().item(), threshold, direction, unit,
                    seeds=seeds, n=len(items), se_from="bootstrap")


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


def sample_words(evidence: dict) -> str:
    """What the evidence's SE rests on, in words: ``"3 seeds"``, ``"6 draws"``,
    ``"1 seed, 2,000 images"``; empty for an exact value."""
    def counted(k, word):
        return f"{k:,} {word}{'s' if k != 1 else ''}"

    source, n, seeds = evidence["se_from"], evidence.get("n"), evidence["seeds"]
    words = [counted(seeds, "seed")] if seeds else []
    kind = {"draws": "draw", "images": "image", "repeats": "repeat"}.get(source)
    if kind and n:
        words.append(counted(n, kind))
    return ", ".join(words)


def estimate_text(claim: dict) -> str:
    """A claim's evidence as a table shows it: ``"+2.1 ± 0.6 points (> 0; 3 seeds)"``."""
    e = claim.get("evidence")
    if not e:
        return "no evidence: not tested at this scale"
    spread = " (exact)" if e["se_from"] == "exact" else f" ± {e['se']:.3g}"
    sample = sample_words(e)
    return (f"{e['estimate']:.4g}{spread} {e['unit']} (claim {e['direction']} "
            f"{e['threshold']:.4g}{'; ' + sample if sample else ''})")


class Record:
    """The claims one notebook tested, with the paper's figure, ours, and the evidence."""

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

    def claim(self, id: str, claim: str, *, paper: str, ours: str,
              evidence: Evidence | None, must_hold: bool = False,
              trained_comparison: bool = False) -> str:
        """Record one claim and return its verdict, computed from `evidence` by `rule`
        (None: not tested at this scale).

        `trained_comparison`: the claim compares trained nets (or one trained net against
        a threshold that training's chance could cross); in ``standard`` and ``paper`` its
        SE must then be over at least `MIN_SEEDS` seeds.

        In a fast development run every verdict is `NOT_CHECKED`: two batches prove that the
        code runs, not what it measures.
        """
        if evidence is not None and not isinstance(evidence, Evidence):
            raise TypeError(f"{id}: evidence must be an Evidence (or None for not tested), "
                            f"got {type(evidence).__name__}")
        if (self.binding and evidence is not None and evidence.se_from == "seeds"
                and evidence.seeds < MIN_SEEDS):
            raise ValueError(f"{id}: a comparison over seeds needs at least {MIN_SEEDS} of "
                             f"them in the {self.profile} profile, got {evidence.seeds}")
        if (self.binding and trained_comparison and evidence is not None
                and evidence.se_from != "seeds"):
            raise ValueError(f"{id}: a comparison of trained nets takes its SE over seeds in the "
                             f"{self.profile} profile, not over {evidence.se_from}")
        verdict = "not tested" if evidence is None else rule(evidence)
        if self.fast_dev_run:
            verdict = NOT_CHECKED
        entry = {"id": id, "claim": claim, "paper": paper, "ours": ours, "verdict": verdict,
                 "must_hold": bool(must_hold), "trained_comparison": bool(trained_comparison),
                 "evidence": None if evidence is None else evidence.as_dict()}
        self.claims = [c for c in self.claims if c["id"] != id] + [entry]
        if must_hold and verdict != "held" and self.binding:
            how = evidence.describe() if evidence is not None else "not tested"
            raise ClaimFailed(f"{id} must hold in the {self.profile} profile and did not: {how}. "
                              f"Claim: {claim}. Ours: {ours}")
        print(f"{id}{' (must hold)' if must_hold else ''}: {verdict}. "
              f"Evidence: {estimate_text(entry)}. Ours: {ours}")
        return verdict

    def table(self) -> Table:
        rows = [[c["id"] + (" *" if c["must_hold"] else ""), c["claim"], c["paper"], c["ours"],
                 estimate_text(c), c["verdict"]] for c in self.claims]
        return Table(["claim", "what it says", "paper", "ours", "estimate ± SE (claim)",
                      "verdict"], rows,
                     title=f"Verdicts of {self.notebook} ({self.profile} profile, {self.dataset}; "
                           f"* must hold; held or not held needs 2 SE)")

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
        atomic.write_text(path, json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n")
        root = project_root()
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        print(f"Verdict record written to {shown}.")
        return path


class RecordError(ValueError):
    """A file under results/verdicts/ that is not a verdict record as `Record.save` writes
    one: truncated, empty, binary, missing keys, an unknown verdict, or not from a binding
    profile. The message names the file, what is wrong, and how to write it again."""


def load_records(directory: str | Path | None = None) -> list[dict]:
    """Every record under results/verdicts/, sorted by notebook.

    Each file is checked as it is read: JSON text with the record's ``notebook`` and
    ``claims``, each claim with its ``id``, a ``verdict`` of `VERDICTS` and ``must_hold``,
    evidence (where stored) that gives that verdict by `rule`, and a ``standard`` or
    ``paper`` profile. Anything else raises `RecordError`, naming the file.
    """
    directory = Path(directory) if directory else results_dir()

    def broken(path: Path, what: str) -> RecordError:
        return RecordError(
            f"{path}: {what}. It is not a verdict record as record.save() writes one. Write it "
            f"again by running notebooks/{path.stem}.ipynb in the standard profile (`make run`, "
            f"or the notebook alone in Jupyter with RG_PROFILE=standard), or delete the file.")

    records = []
    for path in sorted(directory.glob("*.json")):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise broken(path, "is not UTF-8 text (a binary file?)") from None
        if not text.strip():
            raise broken(path, "is empty")
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise broken(path, f"is not valid JSON, perhaps cut short ({error})") from None
        if not isinstance(record, dict):
            raise broken(path, f"holds a JSON {type(record).__name__}, not a record (an object)")
        missing = [key for key in ("notebook", "claims") if key not in record]
        if missing:
            raise broken(path, f"has no {' and no '.join(repr(k) for k in missing)}")
        if not isinstance(record["claims"], list):
            raise broken(path, "has 'claims' that are not a list")
        if record.get("profile") not in ("standard", "paper"):
            raise broken(path, f"says profile {record.get('profile')!r}; only a standard or "
                               f"paper run on real data writes a record")
        for n, claim in enumerate(record["claims"]):
            if not isinstance(claim, dict):
                raise broken(path, f"has claim {n + 1} that is not an object")
            name = f"claim {claim.get('id', n + 1)}"
            missing = [key for key in ("id", "verdict", "must_hold") if key not in claim]
            if missing:
                raise broken(path, f"has {name} without {' or '.join(map(repr, missing))}")
            if claim["verdict"] not in VERDICTS:
                raise broken(path, f"gives {name} the verdict {claim['verdict']!r}, not one "
                                   f"of {VERDICTS}")
            if claim.get("evidence") is not None:
                try:
                    by_rule = recomputed(claim)
                except (TypeError, ValueError) as error:
                    raise broken(path, f"has {name} with evidence that is not an Evidence "
                                       f"({error})") from None
                if by_rule != claim["verdict"]:
                    raise broken(path, f"says {name} {claim['verdict']!r}, but its evidence "
                                       f"gives {by_rule!r} by the rule")
        records.append(record)
    return records


# ---------------------------------------------------------------------------------------
# The series' tables


def claims_table(records: list[dict], title: str | None = None) -> Table:
    """Every claim of every record: id (* must hold), claim, paper, ours, the evidence as
    estimate ± SE against the threshold, verdict, notebook."""
    rows = [[c["id"] + (" *" if c["must_hold"] else ""), c["claim"], c["paper"], c["ours"],
             estimate_text(c), c["verdict"], r["notebook"]]
            for r in records for c in r["claims"]]
    return Table(["claim", "what it says", "paper", "ours", "estimate ± SE (claim)", "verdict",
                  "notebook"], rows, title=title)


def recomputed(claim: dict) -> str:
    """The verdict a stored claim's evidence gives by `rule` today; a record whose verdicts
    differ from this was not written by the rule."""
    e = claim.get("evidence")
    return "not tested" if e is None else rule(Evidence(**e))


def tally(records: list[dict]) -> dict[str, int]:
    """How many claims came out held, not held, inconclusive and not tested."""
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
