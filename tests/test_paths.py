"""`paths` against this checkout's layout and the RG_DATA_DIR / RG_RESULTS_DIR variables."""

from pathlib import Path

import pytest

import reading_group
from reading_group import paths

CHECKOUT = Path(__file__).resolve().parent.parent


def test_project_root_is_this_checkout():
    assert paths.project_root() == CHECKOUT
    assert (paths.project_root() / "pyproject.toml").is_file()


def test_project_root_outside_a_checkout_is_the_working_directory(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages" / "reading_group"
    installed.mkdir(parents=True)
    monkeypatch.setattr(paths, "PACKAGE_DIR", installed)
    monkeypatch.chdir(tmp_path)
    assert paths.project_root() == tmp_path


def test_data_and_results_follow_the_environment(tmp_path):
    # conftest.py sets both variables to folders under the test's tmp_path
    assert paths.data_dir() == tmp_path / "rg-data"
    assert paths.results_dir() == tmp_path / "rg-results" / "verdicts"


def test_data_and_results_default_to_the_checkout(monkeypatch):
    monkeypatch.delenv("RG_DATA_DIR")
    monkeypatch.setenv("RG_RESULTS_DIR", "")  # empty counts as unset
    assert paths.data_dir() == CHECKOUT / "data"
    assert paths.results_dir() == CHECKOUT / "results" / "verdicts"


def test_notebooks_dir_holds_the_notebooks():
    assert paths.notebooks_dir() == CHECKOUT / "notebooks"
    assert any(paths.notebooks_dir().glob("0*.ipynb"))


def test_package_dir_is_the_package():
    assert paths.package_dir() == Path(reading_group.__file__).resolve().parent
    assert (paths.package_dir() / "__init__.py").is_file()
    assert paths.package_dir() == CHECKOUT / "reading_group"


def test_data_dir_expands_the_home_folder_and_strips_spaces(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("RG_DATA_DIR", " ~/cifar ")
    assert paths.data_dir() == tmp_path / "cifar"


def test_data_dir_that_is_a_file_is_named(tmp_path, monkeypatch):
    from reading_group.data import DataError

    a_file = tmp_path / "cifar.tar.gz"
    a_file.write_bytes(b"not a folder")
    monkeypatch.setenv("RG_DATA_DIR", str(a_file))
    with pytest.raises(DataError) as info:
        paths.data_dir()
    message = str(info.value)
    assert "RG_DATA_DIR" in message and str(a_file) in message and "Fix" in message
    assert a_file.read_bytes() == b"not a folder"
