import json
from datetime import datetime

import pytest
import torch

from reading_group import verdicts
from reading_group.verdicts import ClaimFailed, Record, above, at_least, at_most, below

ENTRY_KEYS = {"id", "claim", "paper", "ours", "verdict", "must_hold"}
RECORD_KEYS = {"notebook", "profile", "dataset", "torch", "device", "seconds", "recorded",
               "claims"}


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
    record = Record("01_alexnet", dataset="cifar10")
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
    record = Record("02_googlenet", dataset="cifar10")
    record.claim("C02.1", "x", paper="a", ours="b", held=True)
    assert record.save().exists()
    stored = json.loads((results / "verdicts" / "02_googlenet.json").read_text())
    assert stored["profile"] == "paper"


def test_smoke_profile_writes_nothing(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    record = Record("01_alexnet", dataset="cifar10")
    fill(record)
    assert record.save() is None
    assert files_under(results) == []


def test_synthetic_data_writes_nothing(results):
    record = Record("01_alexnet", dataset="synthetic", profile="standard")
    fill(record)
    assert record.save() is None
    assert files_under(results) == []


def test_failed_must_hold_claim_stops_a_standard_run(results):
    record = Record("03_resnet", dataset="cifar10")
    with pytest.raises(ClaimFailed) as info:
        record.claim("C03.4", "Deeper plain nets train worse", paper="higher error",
                     ours="lower", held=at_least(0.12, 0.2), must_hold=True)
    message = str(info.value)
    assert "C03.4" in message
    assert "missed by 0.08" in message
    assert "standard" in message
    assert isinstance(info.value, AssertionError)


def test_failed_must_hold_claim_without_a_check_names_ours(results):
    record = Record("03_resnet", dataset="cifar10")
    with pytest.raises(ClaimFailed) as info:
        record.claim("C03.5", "x", paper="p", ours="ours-value-7", held=False, must_hold=True)
    assert "C03.5" in str(info.value) and "ours-value-7" in str(info.value)


def test_untested_must_hold_claim_also_stops_a_standard_run(results):
    record = Record("03_resnet", dataset="cifar10")
    with pytest.raises(ClaimFailed):
        record.claim("C03.6", "x", paper="p", ours="-", held=None, must_hold=True)


def test_failed_must_hold_claim_in_smoke_is_recorded_not_raised(results, monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    record = Record("03_resnet", dataset="synthetic")
    record.claim("C03.4", "x", paper="p", ours="o", held=at_least(0.12, 0.2), must_hold=True)
    assert record.claims[-1]["verdict"] == "not held"
    assert record.claims[-1]["must_hold"] is True


def test_failed_must_hold_claim_on_synthetic_data_is_not_raised(results):
    record = Record("03_resnet", dataset="synthetic")
    record.claim("C03.4", "x", paper="p", ours="o", held=False, must_hold=True)
    assert record.claims[-1]["verdict"] == "not held"


def test_passing_must_hold_claim_does_not_raise(results):
    record = Record("03_resnet", dataset="cifar10")
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
    record = Record("01_alexnet", dataset="cifar10")
    record.claim("C01.1", "x", paper="p", ours="first", held=False)
    record.claim("C01.2", "y", paper="p", ours="other", held=True)
    record.claim("C01.1", "x", paper="p", ours="second", held=True)
    assert [c["id"] for c in record.claims].count("C01.1") == 1
    assert {c["id"]: c["ours"] for c in record.claims} == {"C01.1": "second", "C01.2": "other"}
    record.save()
    stored = json.loads((results / "verdicts" / "01_alexnet.json").read_text())
    assert len(stored["claims"]) == 2


def test_table_marks_must_hold_claims():
    record = Record("01_alexnet", dataset="synthetic")
    record.claim("C01.1", "ReLU trains faster", paper="6x", ours="5x", held=True, must_hold=True)
    record.claim("C01.2", "y", paper="p", ours="o", held=None)
    table = record.table()
    assert table.column("claim") == ["C01.1 *", "C01.2"]
    assert table.column("verdict") == ["held", "not tested"]
    assert "01_alexnet" in table.title


def test_load_records_reads_back_every_record(results):
    for name in ("02_googlenet", "01_alexnet"):
        record = Record(name, dataset="cifar10")
        record.claim("C00.1", "x", paper="p", ours=name, held=True)
        record.save()
    records = verdicts.load_records()
    assert [r["notebook"] for r in records] == ["01_alexnet", "02_googlenet"]
    assert records[1]["claims"][0]["ours"] == "02_googlenet"
    assert verdicts.load_records(results / "verdicts") == records


def test_results_dir_follows_the_environment(results):
    assert verdicts.results_dir() == results / "verdicts"
