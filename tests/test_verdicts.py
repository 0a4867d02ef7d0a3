"""`verdicts` against records written to a temporary folder and hand-computed statistics."""

import json
import math
from datetime import datetime

import pytest
import torch

from reading_group import verdicts
from reading_group.verdicts import ClaimFailed, Record, above, at_least, at_most, below

ENTRY_KEYS = {"id", "claim", "paper", "ours", "verdict", "must_hold"}
RECORD_KEYS = {"notebook", "papers", "profile", "dataset", "torch", "device", "seconds",
               "recorded", "notebook_sha256", "package_sha256", "claims"}


@pytest.fixture
def results(tmp_path, monkeypatch):
    where = tmp_path / "results"
    monkeypatch.setenv("RG_RESULTS_DIR", str(where))
    return where


def files_under(path):
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def fill(record):
    record.claim("C01.1", "ReLU trains faster", paper="6x", ours="5.1x", held=True)
    record.claim("C01.2", "LRN helps", paper="-2 points", ours="+0.3 points",
                 held=below(0.3, 0.0))
    record.claim("C01.3", "Dropout halves overfitting", paper="-", ours="-", held=None)


def test_standard_profile_writes_the_record(results):
    record = Record("01_alexnet", papers=["alexnet"], dataset="cifar10")
    assert record.profile == "standard"
    fill(record)
    path = record.save()
    assert path == results / "verdicts" / "01_alexnet.json"
    assert files_under(results) == [path]
    stored = json.loads(path.read_text())
    assert set(stored) == RECORD_KEYS
    assert stored["notebook"] == "01_alexnet"
    assert stored["profile"] == "standard"
    assert stored["dataset"] == "cifar10"
    assert stored["device"] == "cpu"
    assert stored["torch"] == torch.__version__.split("+")[0]
    assert isinstance(stored["seconds"], (int, float)) and stored["seconds"] >= 0
    assert datetime.fromisoformat(stored["recorded"]).tzinfo is not None
    assert [c["id"] for c in stored["claims"]] == ["C01.1", "C01.2", "C01.3"]
    for c in stored["claims"]:
        assert set(c) == ENTRY_KEYS
        assert c["verdict"] in verdicts.VERDICTS
    assert [c["verdict"] for c in stored["claims"]] == ["held", "not held", "not tested"]
    assert stored["claims"][0] == {"id": "C01.1", "claim": "ReLU trains faster", "paper": "6x",
                                   "ours": "5.1x", "verdict": "held", "must_hold": False}


def test_paper_profile_writes_too(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "paper")
    record = Record("02_googlenet", papers=["alexnet"], dataset="cifar10")
    record.claim("C02.1", "x", paper="a", ours="b", held=True)
    assert record.save().exists()
    stored = json.loads((results / "verdicts" / "02_googlenet.json").read_text())
    assert stored["profile"] == "paper"


def test_smoke_profile_writes_nothing(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    record = Record("01_alexnet", papers=["alexnet"], dataset="cifar10")
    fill(record)
    assert record.save() is None
    assert files_under(results) == []


def test_synthetic_data_writes_nothing(results):
    record = Record("01_alexnet", papers=["alexnet"], dataset="synthetic", profile="standard")
    fill(record)
    assert record.save() is None
    assert files_under(results) == []


def test_failed_must_hold_claim_stops_a_standard_run(results):
    record = Record("03_resnet", papers=["alexnet"], dataset="cifar10")
    with pytest.raises(ClaimFailed) as info:
        record.claim("C03.4", "Deeper plain nets train worse", paper="higher error",
                     ours="lower", held=at_least(0.12, 0.2), must_hold=True)
    message = str(info.value)
    assert "C03.4" in message
    assert "missed by 0.08" in message
    assert "standard" in message
    assert isinstance(info.value, AssertionError)


def test_failed_must_hold_claim_without_a_check_names_ours(results):
    record = Record("03_resnet", papers=["alexnet"], dataset="cifar10")
    with pytest.raises(ClaimFailed) as info:
        record.claim("C03.5", "x", paper="p", ours="ours-value-7", held=False, must_hold=True)
    assert "C03.5" in str(info.value) and "ours-value-7" in str(info.value)


def test_untested_must_hold_claim_also_stops_a_standard_run(results):
    record = Record("03_resnet", papers=["alexnet"], dataset="cifar10")
    with pytest.raises(ClaimFailed):
        record.claim("C03.6", "x", paper="p", ours="-", held=None, must_hold=True)


def test_failed_must_hold_claim_in_smoke_is_recorded_not_raised(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    record = Record("03_resnet", papers=["alexnet"], dataset="synthetic")
    record.claim("C03.4", "x", paper="p", ours="o", held=at_least(0.12, 0.2), must_hold=True)
    assert record.claims[-1]["verdict"] == "not held"
    assert record.claims[-1]["must_hold"] is True


def test_failed_must_hold_claim_on_synthetic_data_is_not_raised(results):
    record = Record("03_resnet", papers=["alexnet"], dataset="synthetic")
    record.claim("C03.4", "x", paper="p", ours="o", held=False, must_hold=True)
    assert record.claims[-1]["verdict"] == "not held"


def test_passing_must_hold_claim_does_not_raise(results):
    record = Record("03_resnet", papers=["alexnet"], dataset="cifar10")
    record.claim("C03.1", "x", paper="p", ours="o", held=at_most(0.1, 0.2), must_hold=True)
    assert record.claims[-1]["verdict"] == "held"


@pytest.mark.parametrize("check,expected", [
    (at_least(2, 1), True), (at_least(1, 1), True), (at_least(0.99, 1), False),
    (at_most(1, 2), True), (at_most(2, 2), True), (at_most(2.01, 2), False),
    (above(2, 1), True), (above(1, 1), False), (above(0, 1), False),
    (below(1, 2), True), (below(2, 2), False), (below(3, 2), False),
])
def test_check_relations(check, expected):
    assert bool(check) is expected
    assert ("met" in check.describe()) is expected
    assert ("missed by" in check.describe()) is not expected


def test_check_describe_names_the_numbers():
    text = at_least(0.25, 0.5).describe()
    assert "0.25" in text and "at least 0.5" in text and "missed by 0.25" in text


def test_check_accepts_tensors_and_numpy():
    import numpy as np

    assert bool(above(torch.tensor(0.7), np.float32(0.5)))


def test_recording_the_same_id_again_replaces_it(results):
    record = Record("01_alexnet", papers=["alexnet"], dataset="cifar10")
    record.claim("C01.1", "x", paper="p", ours="first", held=False)
    record.claim("C01.2", "y", paper="p", ours="other", held=True)
    record.claim("C01.1", "x", paper="p", ours="second", held=True)
    assert [c["id"] for c in record.claims].count("C01.1") == 1
    assert {c["id"]: c["ours"] for c in record.claims} == {"C01.1": "second", "C01.2": "other"}
    record.save()
    stored = json.loads((results / "verdicts" / "01_alexnet.json").read_text())
    assert len(stored["claims"]) == 2


def test_table_marks_must_hold_claims():
    record = Record("01_alexnet", papers=["alexnet"], dataset="synthetic")
    record.claim("C01.1", "ReLU trains faster", paper="6x", ours="5x", held=True, must_hold=True)
    record.claim("C01.2", "y", paper="p", ours="o", held=None)
    table = record.table()
    assert table.column("claim") == ["C01.1 *", "C01.2"]
    assert table.column("verdict") == ["held", "not tested"]
    assert "01_alexnet" in table.title


def test_load_records_reads_back_every_record(results):
    for name in ("02_googlenet", "01_alexnet"):
        record = Record(name, papers=["alexnet"], dataset="cifar10")
        record.claim("C00.1", "x", paper="p", ours=name, held=True)
        record.save()
    records = verdicts.load_records()
    assert [r["notebook"] for r in records] == ["01_alexnet", "02_googlenet"]
    assert records[1]["claims"][0]["ours"] == "02_googlenet"
    assert verdicts.load_records(results / "verdicts") == records


def test_results_dir_follows_the_environment(results):
    assert verdicts.results_dir() == results / "verdicts"


def two_records():
    return [{"notebook": "01_a", "claims": [
                {"id": "C01.1", "claim": "a | b", "paper": "p", "ours": "o", "verdict": "held",
                 "must_hold": True},
                {"id": "C01.2", "claim": "c", "paper": "p", "ours": "o", "verdict": "not held",
                 "must_hold": False}]},
            {"notebook": "05_b", "claims": [
                {"id": "C05.1", "claim": "d", "paper": "p", "ours": "o", "verdict": "not tested",
                 "must_hold": False}]}]


def test_claims_table_has_one_row_per_claim_with_its_notebook():
    table = verdicts.claims_table(two_records())
    assert table.columns == ["claim", "what it says", "paper", "ours", "verdict", "notebook"]
    assert table.column("claim") == ["C01.1 *", "C01.2", "C05.1"]
    assert table.column("notebook") == ["01_a", "01_a", "05_b"]
    lines = table.markdown().splitlines()
    assert lines[0] == "| claim | what it says | paper | ours | verdict | notebook |"
    assert lines[2] == "| C01.1 * | a \\| b | p | o | held | 01_a |"


def test_counts_per_group_and_overall():
    table = verdicts.counts_table(two_records(), by=lambda r: "first" if r["notebook"] < "05"
                                  else "second", label="paper")
    assert table.records() == [
        {"paper": "first", "held": 1, "not held": 1, "not tested": 0, "claims": 2,
         "must hold: held": "1 of 1"},
        {"paper": "second", "held": 0, "not held": 0, "not tested": 1, "claims": 1,
         "must hold: held": "0 of 0"},
        {"paper": "all", "held": 1, "not held": 1, "not tested": 1, "claims": 3,
         "must hold: held": "1 of 1"},
    ]
    assert verdicts.tally(two_records()) == {"held": 1, "not held": 1, "not tested": 1}


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
