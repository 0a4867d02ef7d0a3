"""LRN, dropout, activations and the notebooks' shared models, against PyTorch's own modules."""

import math

import pytest
import torch
import torch.nn as nn

from reading_group import layers, probes
from reading_group.small_nets import DeepMLP, Figure1CNN, initialise


@pytest.mark.parametrize("n", [2, 3, 4, 5, 7])
@pytest.mark.parametrize("alpha", [1e-4, 1e-2])
def test_lrn_formula_matches_pytorch_once_alpha_is_converted(n, alpha):
    torch.manual_seed(n)
    a = torch.relu(torch.randn(2, 12, 5, 5) * 10)
    ours = layers.local_response_norm(a, n=n, k=2.0, alpha=alpha, beta=0.75)
    ref = nn.LocalResponseNorm(n, alpha=layers.pytorch_alpha(alpha, n), beta=0.75, k=2.0)(a)
    assert (ours - ref).abs().max().item() < 1e-5


def test_lrn_without_the_conversion_differs():
    torch.manual_seed(0)
    a = torch.relu(torch.randn(2, 12, 5, 5) * 10)
    ours = layers.local_response_norm(a, n=5, alpha=1e-2)
    unconverted = nn.LocalResponseNorm(5, alpha=1e-2, beta=0.75, k=2.0)(a)
    assert (ours - unconverted).abs().max().item() > 1e-2


def test_lrn_module_uses_the_papers_convention():
    torch.manual_seed(1)
    a = torch.relu(torch.randn(3, 16, 4, 4) * 20)
    module = layers.LocalResponseNorm(n=5, k=2.0, alpha=1e-3, beta=0.75)
    assert torch.allclose(module(a), layers.local_response_norm(a, 5, 2.0, 1e-3, 0.75), atol=1e-6)
    assert module.alpha == pytest.approx(5e-3)


def test_lrn_of_a_single_channel_by_hand():
    a = torch.zeros(1, 5, 1, 1)
    a[0, 2] = 10.0
    out = layers.local_response_norm(a, n=5, k=2.0, alpha=1e-2, beta=0.75)
    assert out[0, 2, 0, 0].item() == pytest.approx(10 / (2 + 1e-2 * 100) ** 0.75)
    assert out[0, [0, 1, 3, 4]].abs().max().item() == 0


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_inverted_dropout_keeps_the_expected_activation_like_nn_dropout(p):
    x = torch.full((400_000,), 3.0)
    g = torch.Generator().manual_seed(0)
    ours = layers.dropout(x, p, training=True, generator=g)
    torch.manual_seed(0)
    ref = nn.Dropout(p).train()(x)
    for out in (ours, ref):
        assert (out == 0).float().mean().item() == pytest.approx(p, abs=0.005)
        assert out.mean().item() == pytest.approx(3.0, rel=0.02)
    survivors = ours[ours != 0]
    assert torch.allclose(survivors, torch.full_like(survivors, 3 / (1 - p)))


def test_paper_dropout_scales_at_test_time_and_matches_the_inverted_expectation():
    x = torch.full((400_000,), 2.0)
    g = torch.Generator().manual_seed(0)
    train_out = layers.dropout(x, 0.5, training=True, inverted=False, generator=g)
    test_out = layers.dropout(x, 0.5, training=False, inverted=False)
    assert train_out.mean().item() == pytest.approx(test_out.mean().item(), rel=0.02)
    assert torch.equal(test_out, x * 0.5)
    assert torch.equal(layers.dropout(x, 0.5, training=False), x)


def test_dropout_module_and_bad_probability():
    m = layers.Dropout(0.5).eval()
    x = torch.randn(10)
    assert torch.equal(m(x), x)
    with pytest.raises(ValueError):
        layers.dropout(x, 1.0)


def test_activation_by_name():
    assert isinstance(layers.activation("tanh"), nn.Tanh)
    with pytest.raises(ValueError, match="relu"):
        layers.activation("swish")


@pytest.mark.parametrize("norm, kind", [(None, None), ("lrn", layers.LocalResponseNorm),
                                        ("batchnorm", nn.BatchNorm2d)])
def test_figure1_cnn_structure(norm, kind):
    net = Figure1CNN("tanh", norm=norm)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 3 and sum(isinstance(m, nn.Linear) for m in net.modules()) == 1
    assert all(isinstance(m, nn.Tanh) for m in net.features if isinstance(m, (nn.Tanh, nn.ReLU)))
    if kind is not None:
        names = [type(m) for m in net.features]
        assert names.count(kind) == 2
        assert names.index(kind) == 2  # conv, activation, then the normalisation
    with pytest.raises(ValueError):
        Figure1CNN(norm="groupnorm")


def test_deep_mlp_depth_and_initialisations():
    torch.manual_seed(0)
    net = DeepMLP(depth=10, width=512, act="relu", init="he")
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 10
    assert linears[3].weight.std().item() == pytest.approx(math.sqrt(2 / 512), rel=0.03)
    assert linears[3].bias.abs().max().item() == 0
    default = DeepMLP(depth=3, width=64, act="sigmoid")
    bound = 1 / math.sqrt(3072)
    assert default.net[1].weight.abs().max().item() <= bound
    small = initialise(DeepMLP(depth=2, width=2048), 0.01)
    assert small.net[1].weight.std().item() == pytest.approx(0.01, rel=0.03)
    with pytest.raises(ValueError):
        DeepMLP(init="lecun")


def test_sparsity_and_dead_units():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.copy_(torch.tensor([1.0, -1.0, 0.5]))
    x = torch.randn(8, 4)
    assert probes.sparsity(net, x) == {"1": pytest.approx(1 / 3)}
    dead = probes.dead_units(net, [(x, None), (x * 2, None)])
    assert dead["1"].tolist() == [False, True, False]


def test_dead_units_per_channel_of_conv_maps():
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU())
    with torch.no_grad():
        net[0].weight.fill_(1.0)
        net[0].bias.copy_(torch.tensor([0.0, -100.0]))
    dead = probes.dead_units(net, [(torch.rand(3, 1, 4, 4), None)])
    assert dead["1"].tolist() == [False, True]


@pytest.mark.parametrize("n", [2, 4, 5])
def test_lrn_window_sums_add_n_squares(n):
    torch.manual_seed(n)
    a = torch.randn(2, 9, 3, 3)
    sums = layers.lrn_window_sums(a, n)
    for i in range(9):
        lo, hi = max(0, i - n // 2), min(8, i + (n - 1) // 2)
        assert torch.allclose(sums[:, i], a[:, lo:hi + 1].pow(2).sum(1), atol=1e-6)
