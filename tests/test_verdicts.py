"""`verdicts` against records written to a temporary folder and hand-computed statistics."""

import json
import math
from datetime import datetime

import pytest
import torch

from reading_group import verdicts
from reading_group.verdicts import ClaimFailed, Evidence, Record, RecordError

ENTRY_KEYS = {"id", "claim", "paper", "ours", "verdict", "must_hold", "trained_comparison",
              "evidence"}
EVIDENCE_KEYS = {"estimate", "se", "threshold", "direction", "unit", "seeds", "n", "se_from"}
RECORD_KEYS = {"notebook", "papers", "profile", "dataset", "torch", "device", "seconds",
               "recorded", "notebook_sha256", "package_sha256", "claims"}


@pytest.fixture
def results(tmp_path, monkeypatch):
    where = tmp_path / "results"
    monkeypatch.setenv("RG_RESULTS_DIR", str(where))
    return where


def files_under(path):
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def seeds_evidence(estimate, se, threshold=0.0, direction=">", seeds=3):
    return Evidence(estimate, se, threshold, direction, "points", seeds=seeds, se_from="seeds")


HELD = verdicts.over_seeds([5.0, 5.2, 5.1], 1.0, ">", "x")            # 5.1 ± 0.06 against 1
NOT_HELD = verdicts.exact(0.3, 0.0, "<", "points")                    # exact, wrong side
INCONCLUSIVE = verdicts.over_seeds([0.734, 1.234, 1.734], 1.0, ">", "points")  # 1.234 ± 0.29


def fill(record):
    record.claim("C01.1", "ReLU trains faster", paper="6x", ours="5.1x", evidence=HELD)
    record.claim("C01.2", "LRN helps", paper="-2 points", ours="+0.3 points", evidence=NOT_HELD)
    record.claim("C01.3", "Dropout halves overfitting", paper="-", ours="-", evidence=None)
    record.claim("C01.4", "Wider is better", paper="+1", ours="+1.2", evidence=INCONCLUSIVE)


# --- the rule ----------------------------------------------------------------------------

@pytest.mark.parametrize("direction,sign", [(">", 1), ("<", -1)])
@pytest.mark.parametrize("offset,expected", [
    (1.0, "held"),              # exactly 2 SE beyond the threshold on the claimed side
    (1.5, "held"),
    (0.999, "inconclusive"),    # just under 2 SE
    (0.0, "inconclusive"),      # on the threshold
    (-0.999, "inconclusive"),
    (-1.0, "not held"),         # exactly 2 SE on the other side
    (-3.0, "not held"),
])
def test_rule_at_its_boundaries(direction, sign, offset, expected):
    # threshold 3, SE 0.5: 2 SE is 1.0 (all exact in binary floating point)
    evidence = seeds_evidence(3.0 + sign * offset, 0.5, threshold=3.0, direction=direction)
    assert verdicts.rule(evidence) == expected
    assert evidence.verdict == expected
    assert evidence.margin == pytest.approx(offset)


@pytest.mark.parametrize("value,direction,expected", [
    (1.0, ">", "not held"), (1.0, "<", "not held"),  # on the threshold is not past it
    (1.1, ">", "held"), (0.9, ">", "not held"),
    (0.9, "<", "held"), (1.1, "<", "not held"),
])
def test_an_exact_estimate_is_decided_by_its_side(value, direction, expected):
    evidence = verdicts.exact(value, 1.0, direction, "parameters")
    assert evidence.se == 0 and evidence.se_from == "exact" and evidence.seeds == 0
    assert verdicts.rule(evidence) == expected


@pytest.mark.parametrize("value,direction,expected", [
    (2.0, ">", "inconclusive"), (2.0, "<", "inconclusive"),  # on the threshold: undecided
    (2.5, ">", "held"), (1.5, ">", "not held"),
    (1.5, "<", "held"), (2.5, "<", "not held"),
])
def test_measured_values_that_all_agree_are_decided_by_their_side(value, direction, expected):
    evidence = verdicts.over_seeds([value] * 3, 2.0, direction, "points")
    assert evidence.se == 0 and evidence.se_from == "seeds"  # measured, not exact
    assert verdicts.rule(evidence) == expected


def test_verdicts_are_the_four():
    assert verdicts.VERDICTS == ("held", "not held", "inconclusive", "not tested")


# --- evidence ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,match", [
    (dict(estimate=float("nan")), "estimate must be a finite"),
    (dict(estimate=float("inf")), "estimate must be a finite"),
    (dict(se=float("inf")), "se must be a finite"),
    (dict(threshold=float("-inf")), "threshold must be a finite"),
    (dict(se=-0.1), "cannot be negative"),
    (dict(direction=">="), "direction must be"),
    (dict(direction="above"), "direction must be"),
    (dict(se_from="guess"), "se_from must be"),
    (dict(se_from="exact"), "exact estimate has SE 0"),            # exact but se 0.5
    (dict(seeds=2.5), "whole number"),
    (dict(seeds=-1), "whole number"),
])
def test_evidence_refuses_what_cannot_be_evidence(kwargs, match):
    fields = dict(estimate=1.0, se=0.5, threshold=0.0, direction=">", unit="points", seeds=3,
                  se_from="seeds") | kwargs
    with pytest.raises(ValueError, match=match):
        Evidence(**fields)


def test_evidence_takes_tensors_and_numpy_and_stores_plain_numbers():
    import numpy as np

    evidence = Evidence(torch.tensor(0.75), np.float32(0.125), np.int64(0), ">", "x",
                        seeds=3.0, se_from="seeds")
    assert type(evidence.estimate) is float and type(evidence.se) is float
    assert type(evidence.seeds) is int and evidence.seeds == 3
    assert json.loads(json.dumps(evidence.as_dict())) == evidence.as_dict()
    assert set(evidence.as_dict()) == EVIDENCE_KEYS


def test_describe_names_the_numbers_and_the_verdict():
    text = seeds_evidence(2.1, 0.6).describe()
    assert "2.1 ± 0.6 points" in text and "> 0" in text and "3 seeds" in text
    assert text.endswith(": held")
    assert "±" not in verdicts.exact(7, 5, ">", "layers").describe()


def test_over_seeds_and_mean_of_by_hand():
    values = [1.0, 2.0, 4.0]
    mean = 7 / 3
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)
    evidence = verdicts.over_seeds(values, 0.5, ">", "points", n=500)
    assert evidence.estimate == pytest.approx(mean)
    assert evidence.se == pytest.approx(sd / math.sqrt(3))
    assert (evidence.seeds, evidence.n, evidence.se_from) == (3, 500, "seeds")
    assert (evidence.threshold, evidence.direction, evidence.unit) == (0.5, ">", "points")
    assert verdicts.over_seeds(values, 0, ">", "points").n == 3  # n defaults to the count

    timed = verdicts.mean_of(values, 1.0, ">", "x", se_from="repeats")
    assert timed.estimate == pytest.approx(mean) and timed.se == pytest.approx(sd / math.sqrt(3))
    assert timed.seeds == 0 and timed.se_from == "repeats"  # repeats are not seeds
    draws = verdicts.mean_of(values, 1.0, ">", "x", se_from="draws")
    assert draws.seeds == 0 and draws.n == 3  # draws of an initialisation are not seeds
    one_net = verdicts.mean_of(values, 0, ">", "x", se_from="images", seeds=1)
    assert one_net.seeds == 1 and one_net.se_from == "images"
    with pytest.raises(ValueError, match="at least two"):
        verdicts.over_seeds([1.0], 0, ">", "points")


def test_proportion_by_hand():
    evidence = verdicts.proportion(60, 100, 50, ">")
    assert evidence.estimate == pytest.approx(60.0)
    assert evidence.se == pytest.approx(100 * math.sqrt(0.6 * 0.4 / 100))
    assert (evidence.unit, evidence.n, evidence.seeds, evidence.se_from) == ("%", 100, 1, "images")
    assert evidence.verdict == "held"  # 60 - 50 = 10 > 2 x 4.9
    share = verdicts.proportion(3, 4, 0.5, "<", scale=1.0, unit="share", seeds=3)
    assert share.estimate == 0.75 and share.se == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    assert share.seeds == 3
    # all right or all wrong: a sample is never exact, the SE stays above zero
    assert verdicts.proportion(100, 100, 50, ">").se == pytest.approx(0.5)
    for successes, n in ((5, 1), (-1, 10), (11, 10)):
        with pytest.raises(ValueError):
            verdicts.proportion(successes, n, 50, ">")


def test_paired_over_images_is_paired_gap_in_points():
    g = torch.Generator().manual_seed(1)
    a, b = torch.rand(300, generator=g) < 0.4, torch.rand(300, generator=g) < 0.45
    gap, se = verdicts.paired_gap(a, b)
    evidence = verdicts.paired_over_images(a, b, 0, ">")
    assert evidence.estimate == pytest.approx(100 * gap)
    assert evidence.se == pytest.approx(100 * se)
    assert (evidence.unit, evidence.n, evidence.seeds, evidence.se_from) == \
        ("points", 300, 1, "images")
    same = verdicts.paired_over_images(a, a, 0, ">")
    assert same.estimate == 0 and same.se == pytest.approx(100 * 0.5 / 300)  # never exact


def test_bootstrap_is_reproducible_and_near_the_textbook_se():
    g = torch.Generator().manual_seed(0)
    data = torch.randn(400, generator=g, dtype=torch.float64)
    first = verdicts.bootstrap(torch.mean, data, 0, ">", "x", draws=1000, seed=3)
    again = verdicts.bootstrap(torch.mean, data, 0, ">", "x", draws=1000, seed=3)
    other = verdicts.bootstrap(torch.mean, data, 0, ">", "x", draws=1000, seed=4)
    assert first == again
    assert other.se != first.se
    assert first.estimate == pytest.approx(data.mean().item())
    assert first.se == pytest.approx(data.std().item() / math.sqrt(400), rel=0.15)
    assert (first.n, first.seeds, first.se_from) == (400, 1, "bootstrap")
    with pytest.raises(ValueError, match="at least two"):
        verdicts.bootstrap(torch.mean, torch.tensor([1.0]), 0, ">", "x")


def test_estimate_text_formats():
    def text(evidence):
        return verdicts.estimate_text({"evidence": None if evidence is None
                                       else evidence.as_dict()})

    assert text(verdicts.exact(60965224, 60e6, ">", "parameters")) == \
        "6.097e+07 (exact) parameters (claim > 6e+07)"
    assert text(verdicts.over_seeds([1.5, 2.1, 2.7], 0, ">", "points")) == \
        "2.1 ± 0.346 points (claim > 0; 3 seeds)"
    assert text(verdicts.proportion(631, 1000, 60, ">")) == \
        "63.1 ± 1.53 % (claim > 60; 1 seed, 1,000 images)"
    assert text(verdicts.mean_of([1.5, 2.1, 2.7], 1, "<", "s", se_from="repeats")) == \
        "2.1 ± 0.346 s (claim < 1; 3 repeats)"
    assert text(verdicts.mean_of([1.5, 2.1, 2.7], 1, ">", "x", se_from="draws")) == \
        "2.1 ± 0.346 x (claim > 1; 3 draws)"
    assert text(verdicts.mean_of([1.5, 2.1, 2.7], 1, ">", "x", se_from="draws", seeds=1)) == \
        "2.1 ± 0.346 x (claim > 1; 1 seed, 3 draws)"
    assert text(verdicts.paired_over_images([0, 1] * 1000, [1, 1] * 1000, 0, ">")) == \
        "50 ± 1.12 points (claim > 0; 1 seed, 2,000 images)"
    assert text(None) == "no evidence: not tested at this scale"
    assert verdicts.estimate_text({"id": "C01.1"}) == "no evidence: not tested at this scale"


# --- the record --------------------------------------------------------------------------

def test_standard_profile_writes_the_record(results):
    record = Record("01_alexnet", papers=["alexnet"], dataset="cifar10")
    assert record.profile == "standard" and record.binding
    fill(record)
    path = record.save()
    assert path == results / "verdicts" / "01_alexnet.json"
    assert files_under(results) == [path]
    assert not list(path.parent.glob(".*"))  # no temporary file left beside it
    stored = json.loads(path.read_text())
    assert set(stored) == RECORD_KEYS
    assert stored["notebook"] == "01_alexnet"
    assert stored["profile"] == "standard"
    assert stored["dataset"] == "cifar10"
    assert stored["device"] == "cpu"
    assert stored["torch"] == torch.__version__.split("+")[0]
    assert isinstance(stored["seconds"], (int, float)) and stored["seconds"] >= 0
    assert datetime.fromisoformat(stored["recorded"]).tzinfo is not None
    assert [c["id"] for c in stored["claims"]] == ["C01.1", "C01.2", "C01.3", "C01.4"]
    for c in stored["claims"]:
        assert set(c) == ENTRY_KEYS
        assert c["verdict"] in verdicts.VERDICTS
        assert c["verdict"] == verdicts.recomputed(c)  # the rule's, never typed in
    assert [c["verdict"] for c in stored["claims"]] == \
        ["held", "not held", "not tested", "inconclusive"]
    assert stored["claims"][0] == {"id": "C01.1", "claim": "ReLU trains faster", "paper": "6x",
                                   "ours": "5.1x", "verdict": "held", "must_hold": False,
                                   "trained_comparison": False, "evidence": HELD.as_dict()}
    assert set(stored["claims"][0]["evidence"]) == EVIDENCE_KEYS
    assert stored["claims"][2]["evidence"] is None
    assert Evidence(**stored["claims"][3]["evidence"]) == INCONCLUSIVE


def test_claim_returns_its_verdict(results):
    record = Record("01_alexnet", papers=["alexnet"], dataset="cifar10")
    assert record.claim("C01.1", "x", paper="p", ours="o", evidence=HELD) == "held"
    assert record.claim("C01.2", "x", paper="p", ours="o", evidence=None) == "not tested"


def test_paper_profile_writes_too(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "paper")
    record = Record("02_googlenet", papers=["alexnet"], dataset="cifar10")
    record.claim("C02.1", "x", paper="a", ours="b", evidence=HELD)
    assert record.save().exists()
    stored = json.loads((results / "verdicts" / "02_googlenet.json").read_text())
    assert stored["profile"] == "paper"


def test_smoke_profile_writes_nothing(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    record = Record("01_alexnet", papers=["alexnet"], dataset="cifar10")
    fill(record)
    assert not record.binding
    assert record.save() is None
    assert files_under(results) == []


def test_synthetic_data_writes_nothing(results):
    record = Record("01_alexnet", papers=["alexnet"], dataset="synthetic", profile="standard")
    fill(record)
    assert record.save() is None
    assert files_under(results) == []


@pytest.mark.parametrize("evidence", [True, 1.0, {"estimate": 1.0}, "held"])
def test_claim_refuses_evidence_that_is_not_evidence(evidence):
    record = Record("01_alexnet", papers=["alexnet"], dataset="synthetic")
    with pytest.raises(TypeError, match="must be an Evidence"):
        record.claim("C01.1", "x", paper="p", ours="o", evidence=evidence)
    assert record.claims == []


@pytest.mark.parametrize("profile", ["standard", "paper"])
def test_a_binding_record_refuses_a_comparison_over_two_seeds(results, profile):
    record = Record("07_resnet", papers=["resnet"], dataset="cifar10", profile=profile)
    two = verdicts.over_seeds([3.0, 3.2], 0, ">", "points")
    assert two.seeds == 2 < verdicts.MIN_SEEDS
    with pytest.raises(ValueError, match="at least 3"):
        record.claim("C07.1", "x", paper="p", ours="o", evidence=two)
    assert record.claims == []
    # three seeds are enough; two items of another kind are not seeds
    record.claim("C07.2", "x", paper="p", ours="o",
                 evidence=verdicts.over_seeds([3.0, 3.2, 3.1], 0, ">", "points"))
    record.claim("C07.3", "x", paper="p", ours="o",
                 evidence=verdicts.mean_of([3.0, 3.2], 0, ">", "s", se_from="repeats"))
    assert [c["verdict"] for c in record.claims] == ["held", "held"]


@pytest.mark.parametrize("profile", ["standard", "paper"])
def test_a_binding_record_takes_a_trained_comparison_only_over_seeds(results, profile):
    record = Record("07_resnet", papers=["resnet"], dataset="cifar10", profile=profile)
    one_run = verdicts.paired_over_images([0, 1, 0, 1], [1, 1, 0, 1], 0, ">")
    with pytest.raises(ValueError, match="takes its SE over seeds.*not over images"):
        record.claim("C07.1", "x", paper="p", ours="o", evidence=one_run,
                     trained_comparison=True)
    with pytest.raises(ValueError, match="at least 3"):
        record.claim("C07.1", "x", paper="p", ours="o", trained_comparison=True,
                     evidence=verdicts.over_seeds([3.0, 3.2], 0, ">", "points"))
    assert record.claims == []
    record.claim("C07.1", "x", paper="p", ours="o", trained_comparison=True,
                 evidence=verdicts.over_seeds([3.0, 3.2, 3.1], 0, ">", "points"))
    record.claim("C07.2", "x", paper="p", ours="o", evidence=one_run)  # not a comparison
    assert [c["trained_comparison"] for c in record.claims] == [True, False]


def test_a_smoke_record_takes_a_trained_comparison_from_one_run(results):
    record = Record("07_resnet", papers=["resnet"], dataset="cifar10", profile="smoke")
    record.claim("C07.1", "x", paper="p", ours="o", trained_comparison=True,
                 evidence=verdicts.paired_over_images([0, 1, 0, 1], [1, 1, 0, 1], 0, ">"))
    assert record.claims[0]["trained_comparison"]


@pytest.mark.parametrize("profile,dataset", [("smoke", "cifar10"), ("standard", "synthetic")])
def test_a_smoke_or_synthetic_record_accepts_two_seeds(results, profile, dataset):
    record = Record("07_resnet", papers=["resnet"], dataset=dataset, profile=profile)
    record.claim("C07.1", "x", paper="p", ours="o",
                 evidence=verdicts.over_seeds([3.0, 3.2], 0, ">", "points"))
    assert record.claims[0]["evidence"]["seeds"] == 2


# --- must hold ---------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["standard", "paper"])
def test_failed_must_hold_claim_stops_a_binding_run(results, profile):
    record = Record("03_resnet", papers=["resnet"], dataset="cifar10", profile=profile)
    with pytest.raises(ClaimFailed) as info:
        record.claim("C03.4", "Deeper plain nets train worse", paper="higher error",
                     ours="lower", evidence=verdicts.exact(0.12, 0.2, ">", "error"),
                     must_hold=True)
    message = str(info.value)
    assert "C03.4" in message and profile in message
    assert "0.12" in message and "not held" in message
    assert "Deeper plain nets train worse" in message and "lower" in message
    assert isinstance(info.value, AssertionError)


def test_inconclusive_must_hold_claim_stops_a_standard_run_with_its_estimate(results):
    record = Record("03_resnet", papers=["resnet"], dataset="cifar10")
    assert INCONCLUSIVE.verdict == "inconclusive"
    with pytest.raises(ClaimFailed) as info:
        record.claim("C03.5", "x", paper="p", ours="ours-value-7", evidence=INCONCLUSIVE,
                     must_hold=True)
    message = str(info.value)
    assert "C03.5" in message and "inconclusive" in message
    assert "1.234" in message and "± 0.289" in message  # the estimate and its SE
    assert "ours-value-7" in message


def test_untested_must_hold_claim_also_stops_a_standard_run(results):
    record = Record("03_resnet", papers=["resnet"], dataset="cifar10")
    with pytest.raises(ClaimFailed, match="not tested"):
        record.claim("C03.6", "x", paper="p", ours="-", evidence=None, must_hold=True)


def test_failed_must_hold_claim_in_smoke_is_recorded_not_raised(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    record = Record("03_resnet", papers=["resnet"], dataset="cifar10")
    record.claim("C03.4", "x", paper="p", ours="o", evidence=NOT_HELD, must_hold=True)
    record.claim("C03.5", "x", paper="p", ours="o", evidence=INCONCLUSIVE, must_hold=True)
    assert [c["verdict"] for c in record.claims] == ["not held", "inconclusive"]
    assert all(c["must_hold"] is True for c in record.claims)


def test_failed_must_hold_claim_on_synthetic_data_is_not_raised(results):
    record = Record("03_resnet", papers=["resnet"], dataset="synthetic")
    record.claim("C03.4", "x", paper="p", ours="o", evidence=NOT_HELD, must_hold=True)
    assert record.claims[-1]["verdict"] == "not held"


def test_passing_must_hold_claim_does_not_raise(results):
    record = Record("03_resnet", papers=["resnet"], dataset="cifar10")
    record.claim("C03.1", "x", paper="p", ours="o",
                 evidence=verdicts.exact(0.1, 0.2, "<", "error"), must_hold=True)
    record.claim("C03.2", "x", paper="p", ours="o", evidence=HELD, must_hold=True)
    assert [c["verdict"] for c in record.claims] == ["held", "held"]


def test_recording_the_same_id_again_replaces_it(results):
    record = Record("01_alexnet", papers=["alexnet"], dataset="cifar10")
    record.claim("C01.1", "x", paper="p", ours="first", evidence=NOT_HELD)
    record.claim("C01.2", "y", paper="p", ours="other", evidence=HELD)
    record.claim("C01.1", "x", paper="p", ours="second", evidence=HELD)
    assert [c["id"] for c in record.claims].count("C01.1") == 1
    assert {c["id"]: c["ours"] for c in record.claims} == {"C01.1": "second", "C01.2": "other"}
    assert {c["id"]: c["verdict"] for c in record.claims} == {"C01.1": "held", "C01.2": "held"}
    record.save()
    stored = json.loads((results / "verdicts" / "01_alexnet.json").read_text())
    assert len(stored["claims"]) == 2


def test_table_marks_must_hold_claims_and_shows_the_evidence():
    record = Record("01_alexnet", papers=["alexnet"], dataset="synthetic")
    record.claim("C01.1", "ReLU trains faster", paper="6x", ours="5x", evidence=HELD,
                 must_hold=True)
    record.claim("C01.2", "y", paper="p", ours="o", evidence=None)
    table = record.table()
    assert table.columns == ["claim", "what it says", "paper", "ours", "estimate ± SE (claim)",
                             "verdict"]
    assert table.column("claim") == ["C01.1 *", "C01.2"]
    assert table.column("verdict") == ["held", "not tested"]
    assert table.column("estimate ± SE (claim)") == [
        verdicts.estimate_text(c) for c in record.claims]
    assert "± 0.0577 x (claim > 1; 3 seeds)" in table.column("estimate ± SE (claim)")[0]
    assert "01_alexnet" in table.title and "2 SE" in table.title


# --- reading the records back ------------------------------------------------------------

def test_load_records_reads_back_every_record(results):
    for name in ("02_googlenet", "01_alexnet"):
        record = Record(name, papers=["alexnet"], dataset="cifar10")
        record.claim("C00.1", "x", paper="p", ours=name, evidence=HELD)
        record.claim("C00.2", "y", paper="p", ours=name, evidence=None)
        record.save()
    records = verdicts.load_records()
    assert [r["notebook"] for r in records] == ["01_alexnet", "02_googlenet"]
    assert records[1]["claims"][0]["ours"] == "02_googlenet"
    assert records[1]["claims"][0]["evidence"] == HELD.as_dict()
    assert verdicts.load_records(results / "verdicts") == records


def test_load_records_of_an_empty_or_absent_folder(results):
    assert verdicts.load_records() == []
    (results / "verdicts").mkdir(parents=True)
    assert verdicts.load_records() == []


@pytest.fixture
def saved(results):
    """The path of a good record written by `Record.save`, in standard on CIFAR-10."""
    record = Record("04_alexnet", papers=["alexnet"], dataset="cifar10")
    fill(record)
    return record.save()


def edit(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def load_fails(path, *expected):
    with pytest.raises(RecordError) as info:
        verdicts.load_records()
    message = str(info.value)
    assert str(path) in message, message
    assert "make run" in message and "04_alexnet.ipynb" in message, message
    for text in expected:
        assert text in message, message
    return message


def test_a_good_record_loads(saved):
    assert [r["notebook"] for r in verdicts.load_records()] == ["04_alexnet"]
    assert issubclass(RecordError, ValueError)


def test_a_truncated_record_is_a_record_error(saved):
    text = saved.read_text()
    saved.write_text(text[: len(text) // 2])
    load_fails(saved, "not valid JSON")


@pytest.mark.parametrize("content", ["", "  \n"])
def test_an_empty_record_is_a_record_error(saved, content):
    saved.write_text(content)
    load_fails(saved, "empty")


def test_a_binary_record_is_a_record_error(saved):
    saved.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01")
    load_fails(saved, "binary")


def test_a_record_that_is_not_an_object_is_a_record_error(saved):
    saved.write_text("[1, 2, 3]\n")
    load_fails(saved, "list")


@pytest.mark.parametrize("key", ["notebook", "claims"])
def test_a_record_without_a_required_key_is_a_record_error(saved, key):
    edit(saved, lambda data: data.pop(key))
    load_fails(saved, repr(key))


@pytest.mark.parametrize("key", ["id", "verdict", "must_hold"])
def test_a_claim_without_a_required_key_is_a_record_error(saved, key):
    edit(saved, lambda data: data["claims"][1].pop(key))
    load_fails(saved, repr(key))


@pytest.mark.parametrize("verdict", ["maybe", "Held", verdicts.NOT_CHECKED, None])
def test_a_verdict_outside_the_four_is_a_record_error(saved, verdict):
    def change(data):
        data["claims"][2]["verdict"] = verdict  # C01.3, not tested: no evidence to disagree

    edit(saved, change)
    load_fails(saved, "C01.3", repr(verdict))


@pytest.mark.parametrize("profile", ["smoke", None, "Standard"])
def test_a_record_not_from_standard_or_paper_is_a_record_error(saved, profile):
    def change(data):
        if profile is None:
            del data["profile"]
        else:
            data["profile"] = profile

    edit(saved, change)
    load_fails(saved, f"profile {profile!r}")


def test_a_verdict_its_evidence_does_not_give_is_a_record_error(saved):
    def change(data):
        data["claims"][1]["verdict"] = "held"  # C01.2's evidence says not held

    edit(saved, change)
    load_fails(saved, "C01.2", "'not held'")


def test_evidence_that_is_not_evidence_is_a_record_error(saved):
    def change(data):
        data["claims"][0]["evidence"]["se"] = -1.0

    edit(saved, change)
    load_fails(saved, "C01.1", "evidence")


def test_results_dir_follows_the_environment(results):
    assert verdicts.results_dir() == results / "verdicts"


# --- the series' tables ------------------------------------------------------------------

def claim(id, verdict_from, must_hold=False, text="c"):
    evidence = verdict_from.as_dict() if verdict_from is not None else None
    entry = {"id": id, "claim": text, "paper": "p", "ours": "o", "must_hold": must_hold,
             "evidence": evidence}
    return entry | {"verdict": verdicts.recomputed(entry)}


def two_records():
    return [{"notebook": "01_a", "claims": [claim("C01.1", HELD, True, "a | b"),
                                            claim("C01.2", NOT_HELD),
                                            claim("C01.3", INCONCLUSIVE, True)]},
            {"notebook": "05_b", "claims": [claim("C05.1", None)]}]


def test_claims_table_has_one_row_per_claim_with_its_evidence_and_notebook():
    table = verdicts.claims_table(two_records())
    assert table.columns == ["claim", "what it says", "paper", "ours", "estimate ± SE (claim)",
                             "verdict", "notebook"]
    assert table.column("claim") == ["C01.1 *", "C01.2", "C01.3 *", "C05.1"]
    assert table.column("verdict") == ["held", "not held", "inconclusive", "not tested"]
    assert table.column("notebook") == ["01_a", "01_a", "01_a", "05_b"]
    lines = table.markdown().splitlines()
    assert lines[0] == ("| claim | what it says | paper | ours | estimate ± SE (claim) | verdict "
                        "| notebook |")
    assert lines[2] == ("| C01.1 * | a \\| b | p | o | 5.1 ± 0.0577 x (claim > 1; 3 seeds) "
                        "| held | 01_a |")
    assert "0.3 (exact) points (claim < 0)" in lines[3]
    assert "no evidence: not tested at this scale" in lines[5]


def test_counts_per_group_and_overall():
    table = verdicts.counts_table(two_records(), by=lambda r: "first" if r["notebook"] < "05"
                                  else "second", label="paper")
    assert table.columns == ["paper", "held", "not held", "inconclusive", "not tested", "claims",
                             "must hold: held"]
    assert table.records() == [
        {"paper": "first", "held": 1, "not held": 1, "inconclusive": 1, "not tested": 0,
         "claims": 3, "must hold: held": "1 of 2"},
        {"paper": "second", "held": 0, "not held": 0, "inconclusive": 0, "not tested": 1,
         "claims": 1, "must hold: held": "0 of 0"},
        {"paper": "all", "held": 1, "not held": 1, "inconclusive": 1, "not tested": 1,
         "claims": 4, "must hold: held": "1 of 2"},
    ]
    assert verdicts.tally(two_records()) == {"held": 1, "not held": 1, "inconclusive": 1,
                                             "not tested": 1}
    assert verdicts.tally([]) == dict.fromkeys(verdicts.VERDICTS, 0)


def test_counts_per_notebook_by_default():
    table = verdicts.counts_table(two_records())
    assert table.column("notebook") == ["01_a", "05_b", "all"]


def test_recomputed_is_the_rule_on_the_stored_evidence():
    for entry in two_records()[0]["claims"]:
        assert verdicts.recomputed(entry) == Evidence(**entry["evidence"]).verdict
    assert verdicts.recomputed({"id": "C05.1", "evidence": None}) == "not tested"
    assert verdicts.recomputed({"id": "C05.1"}) == "not tested"


# --- statistics --------------------------------------------------------------------------

def test_paired_gap_by_hand():
    a = torch.tensor([True, False, False, True, False])
    b = torch.tensor([True, True, False, False, True])
    gap, se = verdicts.paired_gap(a, b)
    d = [0, 1, 0, -1, 1]
    mean = sum(d) / 5
    sd = math.sqrt(sum((v - mean) ** 2 for v in d) / 4)
    assert gap == pytest.approx(0.2)
    assert se == pytest.approx(sd / math.sqrt(5))
    assert verdicts.paired_gap(a, a) == (0.0, 0.0)
    with pytest.raises(ValueError):
        verdicts.paired_gap([True], [False])


def test_paired_gap_is_tighter_than_unpaired_when_models_agree():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(2000, generator=g) < 0.4
    b = a.clone()
    flip = torch.rand(2000, generator=g) < 0.05
    b[flip] = ~b[flip]
    _, se = verdicts.paired_gap(a, b)
    unpaired = math.sqrt(2 * 0.4 * 0.6 / 2000)
    assert se < unpaired / 2


# --- papers ------------------------------------------------------------------------------

def test_papers_of_joins_the_short_names():
    assert verdicts.papers_of({"papers": ["alexnet", "googlenet"]}) == \
        "AlexNet (2012) + GoogLeNet (2014)"
    assert verdicts.papers_of({"papers": ["resnet"]}) == "ResNet (2015)"
    assert verdicts.papers_of({"papers": ["other"]}) == "other"  # no short name: the key
    assert verdicts.papers_of({"notebook": "x"}) == "paper not recorded"


@pytest.mark.parametrize("papers", [[], "alexnet", ["alexnet", "vgg"], None])
def test_a_record_must_name_known_papers(papers):
    with pytest.raises(ValueError, match="papers must be"):
        Record("01_x", papers=papers, dataset="cifar10")


@pytest.mark.parametrize("values,expected", [
    ([-0.2, 0.1, 0.3], "held"),          # mean 0.067, SE 0.145: inside (-1, 1) by > 2 SE
    ([-2.2, -1.9, -2.5], "not held"),    # mean -2.2: outside on the negative side
    ([0.5, 1.5, 0.2, 1.8], "inconclusive"),
])
def test_within_is_two_sided(values, expected):
    evidence = verdicts.within(values, 1.0, "decades", se_from="draws")
    mean = sum(values) / len(values)
    assert evidence.estimate == pytest.approx(abs(mean))
    assert (evidence.threshold, evidence.direction) == (1.0, "<")
    assert evidence.se == pytest.approx(verdicts.mean_of(values, 0, ">", "x", se_from="draws").se)
    assert evidence.verdict == expected
