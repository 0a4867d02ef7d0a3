"""`make rerun-check` (tools/rerun_check.py): the claim-by-claim comparison of a committed
record with a re-run's on hand-made records, the exit status, and one real kernel on a tiny
notebook to show what environment a re-run gets and where it writes."""

import json
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import load_tool
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
rerun_check = load_tool("rerun_check")


def evidence(estimate, se=0.0, unit="points"):
    return {"estimate": estimate, "se": se, "threshold": 0.0, "direction": ">", "unit": unit,
            "seeds": 3 if se else 0, "n": None, "se_from": "seeds" if se else "exact"}


def claim(cid, verdict, ev="absent"):
    c = {"id": cid, "claim": "a claim", "paper": "p", "ours": "o", "verdict": verdict,
         "must_hold": False}
    if ev != "absent":
        c["evidence"] = ev
    return c


def record(*claims, **extra):
    return {"notebook": "01_x", "profile": "standard", "dataset": "cifar10",
            "notebook_sha256": "a", "package_sha256": "b", "claims": list(claims), **extra}


COMMITTED = record(claim("C01.1", "held", evidence(2.0, 0.5)),
                   claim("C01.2", "not held", evidence(-3.0, 1.0)),
                   claim("C01.3", "not tested", None),
                   claim("C01.4", "held", evidence(7.0)))


# --- the comparison ------------------------------------------------------------------------

def test_the_same_verdicts_pass_whatever_the_estimates():
    rerun = record(claim("C01.4", "held", evidence(7.0)),
                   claim("C01.1", "held", evidence(2.6, 0.4)),  # moved, same verdict
                   claim("C01.2", "not held", evidence(-2.5, 1.1)),
                   claim("C01.3", "not tested", None))
    rows = rerun_check.compare(COMMITTED, rerun)
    assert [r.id for r in rows] == ["C01.1", "C01.2", "C01.3", "C01.4"]  # committed order
    assert [r.same for r in rows] == ["yes"] * 4
    assert rerun_check.failures(rows) == []
    assert (rows[0].committed_estimate, rows[0].rerun_estimate) == ("2 ± 0.5 points",
                                                                    "2.6 ± 0.4 points")


def test_a_flipped_verdict_fails():
    rerun = record(claim("C01.1", "inconclusive", evidence(0.6, 0.5)),
                   *COMMITTED["claims"][1:])
    rows = rerun_check.compare(COMMITTED, rerun)
    bad = rerun_check.failures(rows)
    assert [(r.id, r.committed, r.rerun, r.same) for r in bad] == [
        ("C01.1", "held", "inconclusive", "NO")]


def test_a_claim_on_one_side_only_fails():
    rerun = record(*COMMITTED["claims"][:3], claim("C01.5", "held", evidence(1.0)))
    rows = rerun_check.compare(COMMITTED, rerun)
    assert [(r.id, r.same) for r in rerun_check.failures(rows)] == [
        ("C01.4", "missing in the re-run"), ("C01.5", "not in the committed record")]
    missing = next(r for r in rows if r.id == "C01.4")
    assert (missing.rerun, missing.rerun_estimate) == ("", "")


def test_no_rerun_record_makes_every_claim_missing():
    rows = rerun_check.compare(COMMITTED, None)
    assert len(rerun_check.failures(rows)) == 4
    assert {r.same for r in rows} == {"missing in the re-run"}


@pytest.mark.parametrize("c, text", [
    (claim("C", "held", evidence(2.0, 0.5)), "2 ± 0.5 points"),
    (claim("C", "held", evidence(34944, unit="weights")), "3.494e+04 (exact) weights"),
    (claim("C", "held", evidence(1.5, unit="")), "1.5 (exact)"),
    (claim("C", "not tested", None), "no evidence: not tested"),
    (claim("C", "held"), "(no evidence stored)"),  # a record from before evidence
    (None, ""),
])
def test_estimates_are_shown_as_estimate_and_se(c, text):
    assert rerun_check.estimate(c) == text


def test_the_table_has_a_row_per_claim():
    rows = rerun_check.compare(COMMITTED, COMMITTED)
    t = rerun_check.table("01_x", rows, 1)
    assert t.columns == ["claim", "committed", "estimate ± SE", "re-run (1 thread)",
                         "estimate ± SE", "same?"]
    assert t.column("same?") == ["yes"] * 4
    assert "01_x" in t.title
    assert "2 threads" in rerun_check.table("01_x", rows, 2).columns[3]


def test_the_environment_is_restored(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setenv("RG_FAST_DEV_RUN", "1")
    with rerun_check.environment(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                                 RG_FAST_DEV_RUN=None):
        assert (os.environ["OMP_NUM_THREADS"], os.environ["MKL_NUM_THREADS"]) == ("1", "1")
        assert "RG_FAST_DEV_RUN" not in os.environ
    assert os.environ["OMP_NUM_THREADS"] == "2" and "MKL_NUM_THREADS" not in os.environ
    assert os.environ["RG_FAST_DEV_RUN"] == "1"


# --- the exit status -----------------------------------------------------------------------

def saving_notebook(path, *extra):
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), *extra,
                                       new_code_cell("record.save()\nrecord.table()")]), path)
    return path


@pytest.fixture
def committed(tmp_path):
    folder = tmp_path / "committed"
    folder.mkdir()
    (folder / "01_x.json").write_text(json.dumps(COMMITTED))
    return folder


@pytest.mark.parametrize("rerun, error, code, message", [
    (COMMITTED, None, 0, "all 4 verdicts the same"),
    (record(claim("C01.1", "not held", evidence(-2.0, 0.5)), *COMMITTED["claims"][1:]), None,
     1, "1 of 4 claims differ"),
    (None, "ClaimFailed: C01.1 must hold", 1, "a must-hold claim did not hold"),
    (None, None, 1, "is CIFAR-10 under data/"),
])
def test_exit_status(tmp_path, monkeypatch, capsys, committed, rerun, error, code, message):
    nb = saving_notebook(tmp_path / "01_x.ipynb")
    monkeypatch.setattr(rerun_check, "rerun", lambda *a: (rerun, "1", error))
    assert rerun_check.main(["--records", str(committed), "--out", str(tmp_path / "out"),
                             str(nb)]) == code
    out = capsys.readouterr()
    assert message in out.out + out.err
    assert ("FAILED for 01_x" in out.err) == bool(code)


def test_a_notebook_without_a_committed_record_fails_and_one_without_save_is_skipped(
        tmp_path, monkeypatch, capsys, committed):
    monkeypatch.setattr(rerun_check, "rerun", lambda *a: pytest.fail("nothing to run"))
    summary = tmp_path / "08_summary.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("rg.verdicts.load_records()")]), summary)
    assert rerun_check.main(["--records", str(committed), str(summary)]) == 0
    assert "saves no verdict record" in capsys.readouterr().out
    other = saving_notebook(tmp_path / "02_y.ipynb")
    assert rerun_check.main(["--records", str(committed), str(other)]) == 1
    assert "no committed record" in capsys.readouterr().err


def test_a_stale_committed_record_is_pointed_out(tmp_path, monkeypatch, capsys, committed):
    nb = saving_notebook(tmp_path / "01_x.ipynb")
    moved = dict(COMMITTED, notebook_sha256="other code")
    monkeypatch.setattr(rerun_check, "rerun", lambda *a: (moved, "1", None))
    assert rerun_check.main(["--records", str(committed), str(nb)]) == 0
    assert "another version of the notebook's code" in capsys.readouterr().err


def test_make_rerun_check_defaults_to_the_short_notebooks_and_takes_others():
    dry_run = ["make", "-n", "--no-print-directory", "rerun-check"]
    out = subprocess.run(dry_run, cwd=ROOT, capture_output=True, text=True)
    assert "tools/rerun_check.py" in out.stdout
    assert "00_convnets_and_data.ipynb" in out.stdout and "04_alexnet" not in out.stdout
    out = subprocess.run([*dry_run, "NOTEBOOKS=notebooks/04_alexnet.ipynb"], cwd=ROOT,
                         capture_output=True, text=True)
    assert "04_alexnet.ipynb" in out.stdout and "00_convnets" not in out.stdout


# --- a real kernel -------------------------------------------------------------------------

WRITES_A_RECORD = """\
import json, os, pathlib
env = {k: os.environ.get(k) for k in ("RG_PROFILE", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                      "RG_FAST_DEV_RUN", "RG_PROGRESS", "RG_DEVICE")}
folder = pathlib.Path(os.environ["RG_RESULTS_DIR"]) / "verdicts"
folder.mkdir(parents=True, exist_ok=True)
ok = env == {"RG_PROFILE": "standard", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "RG_FAST_DEV_RUN": None, "RG_PROGRESS": "0", "RG_DEVICE": "cpu"}
claims = [{"id": "C01.1", "verdict": "held" if ok else "not held", "evidence": None}]
(folder / "01_x.json").write_text(json.dumps({"claims": claims}))
print(env)
# record.save()"""


def test_a_rerun_gets_one_thread_and_writes_only_under_out(tmp_path, monkeypatch):
    monkeypatch.setenv("RG_FAST_DEV_RUN", "1")  # cleared for the re-run
    monkeypatch.setenv("RG_DEVICE", "cuda")  # the committed record's device wins
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = notebooks / "01_x.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(WRITES_A_RECORD)]), nb)
    before = nb.read_bytes()
    out = tmp_path / "out"
    (out / "results" / "verdicts").mkdir(parents=True)
    (out / "results" / "verdicts" / "01_x.json").write_text("{}")  # left by an earlier re-run

    record, threads, error = rerun_check.rerun(nb, 1, out)
    assert error is None
    assert record == {"claims": [{"id": "C01.1", "verdict": "held", "evidence": None}]}
    assert threads == "1"
    assert nb.read_bytes() == before
    assert sorted(p.name for p in notebooks.iterdir()) == ["01_x.ipynb"]
    copy = nbformat.read(out / "01_x.ipynb", as_version=4)
    assert "'OMP_NUM_THREADS': '1'" in copy.cells[0].outputs[0]["text"]
    assert (os.environ["RG_FAST_DEV_RUN"], os.environ["RG_DEVICE"]) == ("1", "cuda")
