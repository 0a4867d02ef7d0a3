"""Fingerprints of a record's code (notebook cells and package source), against hashlib by
hand, and freshness: every way a record can fall out of date, on temporary copies."""

import hashlib
import json
import shutil

import pytest

from reading_group import fingerprints, verdicts
from reading_group.verdicts import Record


def notebook(*cells):
    """A notebook's JSON from ("code" | "markdown", source) pairs."""
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": source,
                       **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                      for kind, source in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


SAVING = notebook(("markdown", "# 05 — x"),
                  ("code", "record = rg.verdicts.Record('05_x', papers=['alexnet'])"),
                  ("code", "record.save()\nrecord.table()"))


# --- the notebook's fingerprint ----------------------------------------------------------

def test_notebook_fingerprint_is_sha256_of_the_code_cells_alone():
    nb = notebook(("markdown", "# title"), ("code", "a = 1"), ("code", ["b = ", "2"]))
    assert fingerprints.notebook_sha256(nb) == hashlib.sha256(b"a = 1\0b = 2\0").hexdigest()


def test_notebook_fingerprint_ignores_outputs_prose_metadata_and_line_ends():
    nb = notebook(("markdown", "# title"), ("code", "a = 1\nb = 2"))
    same = notebook(("markdown", "# another title"), ("code", "a = 1\r\nb = 2"))
    same["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1"}]
    same["cells"][1]["execution_count"] = 7
    same["cells"][1]["metadata"] = {"slideshow": {"slide_type": "slide"}}
    assert fingerprints.notebook_sha256(nb) == fingerprints.notebook_sha256(same)


@pytest.mark.parametrize("edit", [
    [("code", "a = 2")],                        # a changed line
    [("code", "a = 1"), ("code", "")],           # an extra (empty) code cell
    [("code", "a ="), ("code", " 1")],           # the same text split differently
])
def test_notebook_fingerprint_changes_with_the_code(edit):
    assert (fingerprints.notebook_sha256(notebook(("code", "a = 1")))
            != fingerprints.notebook_sha256(notebook(*edit)))


def test_notebook_fingerprint_reads_a_file(tmp_path):
    path = tmp_path / "05_x.ipynb"
    path.write_text(json.dumps(SAVING))
    assert fingerprints.notebook_sha256(path) == fingerprints.notebook_sha256(SAVING)


# --- the package's fingerprint -----------------------------------------------------------

@pytest.fixture
def package(tmp_path):
    """A two-module package folder, with a compiled file and a non-Python file beside."""
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__pycache__").mkdir()
    (root / "a.py").write_text("x = 1\n")
    (root / "sub" / "b.py").write_text("y = 2\n")
    (root / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0compiled")
    (root / "notes.txt").write_text("not code")
    return root


def test_package_fingerprint_is_sha256_of_paths_and_sources(package):
    expected = hashlib.sha256(b"a.py\0x = 1\n\0sub/b.py\0y = 2\n\0").hexdigest()
    assert fingerprints.package_sha256(package) == expected
    assert [p.name for p in fingerprints.package_files(package)] == ["a.py", "b.py"]


@pytest.mark.parametrize("change", [
    lambda root: (root / "a.py").write_text("x = 2\n"),                # an edit
    lambda root: (root / "c.py").write_text(""),                       # a new, empty module
    lambda root: (root / "sub" / "b.py").unlink(),                     # a module removed
    lambda root: (root / "sub" / "b.py").rename(root / "sub" / "c.py"),  # a module renamed
])
def test_package_fingerprint_changes_with_any_module(package, change):
    before = fingerprints.package_sha256(package)
    change(package)
    assert fingerprints.package_sha256(package) != before


def test_package_fingerprint_ignores_compiled_files_other_files_and_line_ends(package):
    before = fingerprints.package_sha256(package)
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0recompiled")
    (package / "notes.txt").write_text("other notes")
    (package / "a.py").write_bytes(b"x = 1\r\n")
    assert fingerprints.package_sha256(package) == before


def test_the_real_package_is_fingerprinted_whole():
    names = {p.name for p in fingerprints.package_files()}
    assert {"__init__.py", "train.py", "resnet.py", "fingerprints.py"} <= names
    assert len(fingerprints.package_sha256()) == 64


# --- records keep both fingerprints ------------------------------------------------------

def test_saved_record_keeps_both_fingerprints(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "05_x.ipynb").write_text(json.dumps(SAVING))
    monkeypatch.setattr(verdicts, "notebooks_dir", lambda: notebooks)
    stored = json.loads(Record("05_x", papers=["googlenet"], dataset="cifar10")
                        .save().read_text())
    assert stored["notebook_sha256"] == fingerprints.notebook_sha256(SAVING)
    assert stored["package_sha256"] == fingerprints.package_sha256()
    assert stored["papers"] == ["googlenet"]
    without = Record("06_nowhere", papers=["resnet"], dataset="cifar10")
    assert json.loads(without.save().read_text())["notebook_sha256"] is None


# --- freshness ---------------------------------------------------------------------------

def write_case(tmp_path, records, notebooks, package=None):
    """Records and notebooks in tmp_path; returns freshness() as {notebook: status}."""
    nb_dir = tmp_path / "nbs"
    nb_dir.mkdir(exist_ok=True)
    for name, nb in notebooks.items():
        (nb_dir / f"{name}.ipynb").write_text(json.dumps(nb))
    statuses = fingerprints.freshness(records, nb_dir, package)
    return {f.notebook: f.status for f in statuses}, statuses


def record_for(name, notebook_sha="absent", package_sha="absent"):
    r = {"notebook": name, "papers": ["alexnet"], "profile": "standard", "dataset": "cifar10",
         "recorded": "2026-01-01T00:00:00+00:00", "claims": []}
    if notebook_sha != "absent":
        r["notebook_sha256"] = notebook_sha
    if package_sha != "absent":
        r["package_sha256"] = package_sha
    return r


def test_freshness_tells_every_case_apart(tmp_path, package):
    edited = notebook(("code", "record.save()  # edited"))
    summary = notebook(("markdown", "# 08"), ("code", "rg.verdicts.load_records()"))
    nb_sha, pkg_sha, wrong = (fingerprints.notebook_sha256(SAVING),
                              fingerprints.package_sha256(package), "0" * 64)
    found, _ = write_case(tmp_path, [
        record_for("01_current", nb_sha, pkg_sha),
        record_for("02_notebook", nb_sha, pkg_sha),
        record_for("03_package", nb_sha, wrong),
        record_for("04_both", nb_sha, wrong),
        record_for("05_old", nb_sha),
        record_for("06_nulled", None, None),
        record_for("09_renamed", nb_sha, pkg_sha),
    ], {"01_current": SAVING, "02_notebook": edited, "03_package": SAVING, "04_both": edited,
        "05_old": SAVING, "06_nulled": SAVING, "07_missing": SAVING, "08_summary": summary},
        package)
    assert found == {"01_current": "current", "02_notebook": "notebook changed",
                     "03_package": "package changed", "04_both": "both changed",
                     "05_old": "unfingerprinted", "06_nulled": "unfingerprinted",
                     "07_missing": "missing", "09_renamed": "orphaned"}


def test_an_edit_to_a_copy_of_the_real_package_makes_every_record_stale(tmp_path):
    copy = tmp_path / "reading_group"
    shutil.copytree(fingerprints.package_dir(), copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    nb_sha, pkg_sha = fingerprints.notebook_sha256(SAVING), fingerprints.package_sha256(copy)
    records = [record_for("01_a", nb_sha, pkg_sha), record_for("02_b", nb_sha, pkg_sha)]
    notebooks = {"01_a": SAVING, "02_b": SAVING}
    found, _ = write_case(tmp_path, records, notebooks, copy)
    assert set(found.values()) == {"current"}
    text = (copy / "resnet.py").read_text()
    (copy / "resnet.py").write_text(text.replace("def blocks_per_stage", "def blocks_of", 1))
    found, statuses = write_case(tmp_path, records, notebooks, copy)
    assert found == {"01_a": "package changed", "02_b": "package changed"}
    with pytest.raises(fingerprints.RecordsOutOfDate) as info:
        fingerprints.require_current(statuses)
    assert "run notebooks/01_a.ipynb" in str(info.value)
    assert "run notebooks/02_b.ipynb" in str(info.value)


def test_require_current_names_each_notebook_to_run(tmp_path, package):
    _, statuses = write_case(tmp_path, [record_for("01_old"),
                                        record_for("02_gone", "0" * 64, "0" * 64)],
                             {"01_old": SAVING, "03_missing": SAVING}, package)
    with pytest.raises(fingerprints.RecordsOutOfDate) as info:
        fingerprints.require_current(statuses)
    message = str(info.value)
    assert "run notebooks/01_old.ipynb" in message
    assert "run notebooks/03_missing.ipynb" in message
    assert "results/verdicts/02_gone.json" in message


def test_require_current_passes_current_records(tmp_path, package):
    record = record_for("01_x", fingerprints.notebook_sha256(SAVING),
                        fingerprints.package_sha256(package))
    _, statuses = write_case(tmp_path, [record], {"01_x": SAVING}, package)
    fingerprints.require_current(statuses)
    assert fingerprints.out_of_date_message(statuses) == ""
    table = fingerprints.freshness_table(statuses)
    assert table.column("record") == ["current"] and table.column("profile") == ["standard"]


def test_summary_notebooks_are_told_apart_by_their_code():
    assert fingerprints.reads_records(notebook(("code", "records = rg.verdicts.load_records()")))
    assert not fingerprints.reads_records(SAVING)
    assert fingerprints.saves_a_record(SAVING)
