"""Pieces added for notebook 01 (ReLU against sigmoid): activation derivatives by autograd,
interpolated time-to-target of a training history, and the per-layer plot."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from reading_group import layers, plots, probes, small_nets
from reading_group.train import History


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------------
# layers.derivative


def test_derivative_matches_the_hand_written_derivatives():
    x = torch.linspace(-8, 8, 1001, dtype=torch.float64)
    s = 1 / (1 + torch.exp(-x))
    assert torch.allclose(layers.derivative(torch.sigmoid, x), s * (1 - s), atol=1e-12)
    t = (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))
    assert torch.allclose(layers.derivative(torch.tanh, x), 1 - t ** 2, atol=1e-12)
    assert torch.allclose(layers.derivative(lambda v: v ** 3, x), 3 * x ** 2)


def test_relu_derivative_is_a_step_with_zero_at_the_kink():
    x = torch.tensor([-2.0, -1e-30, 0.0, 1e-30, 3.0])
    assert layers.derivative(torch.relu, x).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_derivative_leaves_its_input_alone():
    x = torch.randn(4, 3, requires_grad=True)
    y = x * 2  # a non-leaf tensor with history
    d = layers.derivative(torch.tanh, y)
    assert d.shape == y.shape and not d.requires_grad
    assert x.grad is None


# ---------------------------------------------------------------------------------------
# History.crossing


def hand_history():
    h = History("hand")
    for i, (err, sec) in enumerate([(0.8, 1.0), (0.6, 2.0), (0.4, 3.0)], start=1):
        h.epochs.append({"epoch": i, "train_error": err, "seconds": sec})
    return h


def test_crossing_interpolates_between_epochs():
    h = hand_history()
    # 0.5 lies half-way between epoch 2 (0.6, 3 s so far) and epoch 3 (0.4, 6 s so far)
    assert h.crossing("train_error", 0.5) == pytest.approx(2.5)
    assert h.crossing("train_error", 0.5, x="seconds") == pytest.approx(4.5)
    assert h.crossing("train_error", 0.45) == pytest.approx(2.75)
    assert h.crossing("train_error", 0.6) == 2.0  # reached exactly at an epoch's end
    assert h.first_epoch_below("train_error", 0.5) == 3  # the whole-epoch answer rounds up


def test_crossing_at_the_first_epoch_and_never():
    h = hand_history()
    assert h.crossing("train_error", 0.9) == 1.0
    assert h.crossing("train_error", 0.9, x="seconds") == 1.0
    assert h.crossing("train_error", 0.1) is None
    with pytest.raises(ValueError):
        h.crossing("train_error", 0.5, x="steps")


# ---------------------------------------------------------------------------------------
# plots.per_layer


def test_per_layer_draws_one_line_per_series_in_layer_order():
    series = {"a": {"l1": 1e-6, "l2": 1e-3, "l3": 1.0}, "b": {"x": 2.0, "y": 3.0}}
    ax = plots.per_layer(series, title="norms", ylabel="gradient norm")
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["a", "b"]
    assert np.array_equal(lines[0].get_xdata(), [1, 2, 3])
    assert np.allclose(lines[0].get_ydata(), [1e-6, 1e-3, 1.0])
    assert np.array_equal(lines[1].get_xdata(), [1, 2])
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "norms" and ax.get_ylabel() == "gradient norm"
    assert ax.get_xlabel() and ax.get_legend() is not None


def test_per_layer_linear_scale_and_single_series_without_legend():
    ax = plots.per_layer({"only": {"a": 1.0, "b": 2.0}}, title="t", ylabel="y", log=False)
    assert ax.get_yscale() == "linear"
    assert ax.get_legend() is None


# ---------------------------------------------------------------------------------------
# The gradient-norm contrast the notebook relies on, on random inputs


def test_sigmoid_gradients_shrink_towards_the_input_and_relu_he_does_not():
    torch.manual_seed(0)
    x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))
    sig = list(probes.layer_gradient_norms(small_nets.DeepMLP(10, 64, "sigmoid"), x, y).values())
    relu = list(probes.layer_gradient_norms(small_nets.DeepMLP(10, 64, "relu", "he"), x, y).values())
    assert len(sig) == len(relu) == 10
    assert sig[-1] / sig[0] > 100
    assert max(relu) / min(relu) < 10
