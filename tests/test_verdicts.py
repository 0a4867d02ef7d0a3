import json
from datetime import datetime

import pytest
import torch

from reading_group import verdicts
from reading_group.verdicts import ClaimFailed, Record, above, at_least, at_most, below

ENTRY_KEYS = {"id", "claim", "paper", "ours", "verdict", "must_hold"}
RECORD_KEYS = {"notebook", "profile", "dataset", "torch", "device", "seconds", "recorded",
               "code_sha256", "claims"}


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


# --- code fingerprints and freshness ---------------------------------------------------

def notebook(*cells):
    """A notebook's JSON from ("code" | "markdown", source) pairs."""
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": source,
                       **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                      for kind, source in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


SAVING = notebook(("markdown", "# 05 — x"), ("code", "record = rg.verdicts.Record('05_x')"),
                  ("code", "record.save()\nrecord.table()"))


def test_code_fingerprint_is_sha256_of_the_code_cells_alone():
    import hashlib

    nb = notebook(("markdown", "# title"), ("code", "a = 1"), ("code", ["b = ", "2"]))
    expected = hashlib.sha256(b"a = 1\0b = 2\0").hexdigest()
    assert verdicts.code_sha256(nb) == expected


def test_code_fingerprint_ignores_outputs_prose_metadata_and_line_ends():
    nb = notebook(("markdown", "# title"), ("code", "a = 1\nb = 2"))
    same = notebook(("markdown", "# another title"), ("code", "a = 1\r\nb = 2"))
    same["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1"}]
    same["cells"][1]["execution_count"] = 7
    same["cells"][1]["metadata"] = {"slideshow": {"slide_type": "slide"}}
    assert verdicts.code_sha256(nb) == verdicts.code_sha256(same)


@pytest.mark.parametrize("edit", [
    [("code", "a = 2")],                        # a changed line
    [("code", "a = 1"), ("code", "")],           # an extra (empty) code cell
    [("code", "a ="), ("code", " 1")],           # the same text split differently
])
def test_code_fingerprint_changes_with_the_code(edit):
    assert verdicts.code_sha256(notebook(("code", "a = 1"))) != verdicts.code_sha256(notebook(*edit))


def test_code_fingerprint_reads_a_file(tmp_path):
    path = tmp_path / "05_x.ipynb"
    path.write_text(json.dumps(SAVING))
    assert verdicts.code_sha256(path) == verdicts.code_sha256(SAVING)


def test_saved_record_keeps_its_notebooks_fingerprint(results, tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "05_x.ipynb").write_text(json.dumps(SAVING))
    monkeypatch.setattr(verdicts, "notebooks_dir", lambda: notebooks)
    with_notebook = Record("05_x", dataset="cifar10")
    stored = json.loads(with_notebook.save().read_text())
    assert stored["code_sha256"] == verdicts.code_sha256(SAVING)
    without = Record("06_nowhere", dataset="cifar10")
    assert json.loads(without.save().read_text())["code_sha256"] is None


def write_case(tmp_path, records, notebooks):
    """Records and notebooks in tmp_path; returns freshness() as {notebook: status}."""
    nb_dir = tmp_path / "nbs"
    nb_dir.mkdir()
    for name, nb in notebooks.items():
        (nb_dir / f"{name}.ipynb").write_text(json.dumps(nb))
    statuses = verdicts.freshness(records, nb_dir)
    return {f.notebook: f.status for f in statuses}, statuses


def record_for(name, code_sha256="absent"):
    r = {"notebook": name, "profile": "standard", "dataset": "cifar10",
         "recorded": "2026-01-01T00:00:00+00:00", "claims": []}
    if code_sha256 != "absent":
        r["code_sha256"] = code_sha256
    return r


def test_freshness_tells_every_case_apart(tmp_path):
    edited = notebook(("code", "record.save()  # edited"))
    summary = notebook(("markdown", "# 08"), ("code", "rg.verdicts.load_records()"))
    found, _ = write_case(tmp_path, [
        record_for("01_current", verdicts.code_sha256(SAVING)),
        record_for("02_stale", verdicts.code_sha256(SAVING)),
        record_for("03_old"),
        record_for("04_nulled", None),
        record_for("09_renamed", "0" * 64),
    ], {"01_current": SAVING, "02_stale": edited, "03_old": SAVING, "04_nulled": SAVING,
        "05_missing": SAVING, "08_summary": summary})
    assert found == {"01_current": "current", "02_stale": "stale", "03_old": "unhashed",
                     "04_nulled": "unhashed", "05_missing": "missing", "09_renamed": "orphaned"}


def test_require_current_names_each_notebook_to_run(tmp_path):
    _, statuses = write_case(tmp_path, [record_for("01_old"), record_for("02_gone", "0" * 64)],
                             {"01_old": SAVING, "03_missing": SAVING})
    with pytest.raises(verdicts.RecordsOutOfDate) as info:
        verdicts.require_current(statuses)
    message = str(info.value)
    assert "run notebooks/03_missing.ipynb" in message
    assert "results/verdicts/02_gone.json" in message
    assert "01_old" not in message  # no fingerprint: allowed unless strict
    with pytest.raises(verdicts.RecordsOutOfDate, match="run notebooks/01_old.ipynb"):
        verdicts.require_current(statuses, strict=True)


def test_require_current_passes_current_records(tmp_path):
    _, statuses = write_case(tmp_path, [record_for("01_x", verdicts.code_sha256(SAVING))],
                             {"01_x": SAVING})
    verdicts.require_current(statuses, strict=True)
    table = verdicts.freshness_table(statuses)
    assert table.column("record") == ["current"] and table.column("profile") == ["standard"]


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
