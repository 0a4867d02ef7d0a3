"""`paths` against this checkout's layout and the RG_DATA_DIR / RG_RESULTS_DIR variables."""

from pathlib import Path

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
