"""`source.show` against the package's source file read directly."""

import IPython.display

from reading_group import exercises, source
from reading_group.paths import package_dir


def test_show_displays_the_source_of_a_function(monkeypatch):
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    source.show(exercises.relative_error)
    (code,) = shown
    assert isinstance(code, IPython.display.Code)
    text = code.data
    assert text.startswith("def relative_error(")
    assert text in (package_dir() / "exercises.py").read_text()
    assert "\ndef check(" not in text  # the function alone, not the whole module
