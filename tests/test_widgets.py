"""`widgets` against ipywidgets' own widget types and the calls each change should make."""

import ipywidgets as W
import matplotlib.pyplot as plt
import pytest

from reading_group import widgets


def test_slider_kinds():
    s = widgets.slider(3, 1, 10, description="k")
    assert isinstance(s, W.IntSlider)
    assert (s.value, s.min, s.max, s.step) == (3, 1, 10, 1)
    assert s.continuous_update is False and s.description == "k"
    f = widgets.slider(0.5, 0.0, 2.0)
    assert isinstance(f, W.FloatSlider) and not isinstance(f, W.IntSlider)
    assert f.step == pytest.approx(0.02)
    log = widgets.slider(0.01, 1e-4, 1.0, log=True)
    assert isinstance(log, W.FloatLogSlider)
    assert log.min == pytest.approx(-4) and log.max == pytest.approx(0)
    assert log.value == pytest.approx(0.01)
    assert log.base == 10


def test_dropdown_defaults_to_the_first_option():
    d = widgets.dropdown(["relu", "tanh"])
    assert d.value == "relu"
    assert widgets.dropdown(["relu", "tanh"], value="tanh").value == "tanh"


def test_explorer_draws_at_the_start_and_on_every_change(capsys):
    calls = []

    def draw(k, act):
        calls.append((k, act))
        plt.figure()
        plt.plot([0, k])

    k = widgets.slider(3, 1, 9)
    act = widgets.dropdown(["relu", "tanh"])
    box = widgets.explorer(draw, title="Kernel size", k=k, act=act)
    assert calls == [(3, "relu")]
    k.value = 7
    assert calls == [(3, "relu"), (7, "relu")]
    act.value = "tanh"
    assert calls[-1] == (7, "tanh") and len(calls) == 3
    assert isinstance(box, W.VBox)
    assert "Kernel size" in box.children[0].value
    assert k in box.children[1].children and act in box.children[1].children
    assert isinstance(box.children[2], W.Output)
