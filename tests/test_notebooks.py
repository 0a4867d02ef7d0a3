"""The committed notebooks are what a reader sees on GitHub: executed in the standard profile
on CIFAR-10, in order, without errors or warnings, small enough to open, each with its
verdict record. (nbval runs every notebook again in the smoke profile; this file checks the
committed outputs.)"""

import dataclasses
import json
import re
from pathlib import Path

import pytest

from reading_group import fingerprints, verdicts

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_BYTES = 3_000_000
EVIDENCE_KEYS = {field.name for field in dataclasses.fields(verdicts.Evidence)}
UPDATE_MARK = "[UPDATE AFTER RE-RUN]"
"""Marks prose that quotes numbers or verdicts from records about to be written again."""


def load(path):
    return json.loads(path.read_text())


def outputs(nb):
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def output_text(output):
    if output["output_type"] == "stream":
        return "".join(output["text"])
    return "".join(output.get("data", {}).get("text/plain", ""))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_top_to_bottom(path):
    counts = [c.get("execution_count") for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run it with `make run`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_errors_or_warnings_in_outputs(path):
    for output in outputs(load(path)):
        assert output["output_type"] != "error", output.get("evalue")
        if output["output_type"] == "stream" and output["name"] == "stderr":
            assert "Warning" not in output_text(output), output_text(output)[:300]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_in_the_standard_profile(path):
    text = "\n".join(output_text(o) for o in outputs(load(path)))
    assert "Profile: standard" in text, f"{path.name} was not executed in the standard profile"
    assert "SYNTHETIC STAND-IN" not in text, f"{path.name} ran on the synthetic stand-in"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_prose_is_left_marked_for_an_update(path):
    marked = [i for i, c in enumerate(load(path)["cells"]) if UPDATE_MARK in "".join(c["source"])]
    assert not marked, (f"{path.name}: cells {marked} still say {UPDATE_MARK}: bring their "
                        f"numbers and verdicts up to date with the records, then drop the mark")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_small_enough_to_read_online(path):
    assert path.stat().st_size < MAX_BYTES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_verdict_record_is_from_standard_on_cifar10(path):
    record_path = ROOT / "results" / "verdicts" / f"{path.stem}.json"
    if not fingerprints.saves_a_record(load(path)):  # a code cell calls record.save()
        pytest.skip(f"{path.name} records no verdicts")
    assert record_path.exists(), f"run {path.name} in the standard profile to write it"
    record = json.loads(record_path.read_text())
    assert record["notebook"] == path.stem
    assert record["profile"] == "standard"
    assert record["dataset"] == "cifar10"
    assert record["papers"], "the record names the paper(s) its notebook reads"
    number = path.stem[:2]
    for claim in record["claims"]:
        assert re.fullmatch(rf"C{number}\.\d+", claim["id"]), claim["id"]
        assert claim["verdict"] in ("held", "not held", "inconclusive", "not tested")
        if claim["must_hold"]:
            assert claim["verdict"] == "held", claim["id"]


def committed_claims():
    """(record file, claim) for every claim of every committed record."""
    return [pytest.param(path, claim, id=f"{path.stem}:{claim.get('id')}")
            for path in sorted((ROOT / "results" / "verdicts").glob("*.json"))
            for claim in load(path).get("claims", [])]


@pytest.mark.parametrize("path,claim", committed_claims())
def test_each_committed_verdict_is_the_rules_on_its_evidence(path, claim):
    """A verdict is computed from the evidence by one rule (`verdicts.rule`), never typed
    in: every tested claim carries its evidence whole, and the stored verdict is the one the
    rule gives it today. Fails for a record written before the rule: re-run its notebook."""
    where = f"{path.name}, {claim['id']} (re-run notebooks/{path.stem}.ipynb with `make run`)"
    evidence = claim.get("evidence")
    if claim["verdict"] == "not tested":
        assert evidence is None, f"{where}: a claim with evidence was tested"
    else:
        assert isinstance(evidence, dict), f"{where}: {claim['verdict']!r} without evidence"
        missing = EVIDENCE_KEYS - set(evidence)
        assert not missing, f"{where}: the evidence lacks {sorted(missing)}"
    assert claim["verdict"] == verdicts.recomputed(claim), \
        f"{where}: stored {claim['verdict']!r}, the rule gives {verdicts.recomputed(claim)!r}"
    if claim["must_hold"]:
        assert claim["verdict"] == "held", f"{where}: must hold, and is {claim['verdict']!r}"
    if evidence and evidence["se_from"] == "seeds":
        assert evidence["seeds"] >= verdicts.MIN_SEEDS, \
            f"{where}: SE over {evidence['seeds']} seeds, at least {verdicts.MIN_SEEDS} needed"
    if claim.get("trained_comparison") and evidence:
        assert evidence["se_from"] == "seeds", \
            f"{where}: a comparison of trained nets with its SE over {evidence['se_from']}"
