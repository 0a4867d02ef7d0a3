"""`layers` (conv, LRN, dropout, activations) against PyTorch's modules and hand values."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from reading_group import layers, probes


def inputs(n=2, c_in=3, h=9, w=11, c_out=4, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, c_in, h, w, generator=g), torch.randn(c_out, c_in, k, k, generator=g),
            torch.randn(c_out, generator=g))


@pytest.mark.parametrize("fn", [layers.conv2d_loops, layers.conv2d_unfold])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("shape", [dict(), dict(h=12, w=12, k=5), dict(k=1, c_in=5, c_out=2)])
def test_convolutions_match_pytorch(fn, stride, with_bias, shape):
    x, w, b = inputs(**shape)
    b = b if with_bias else None
    ours = fn(x, w, b, stride=stride)
    theirs = F.conv2d(x, w, b, stride=stride)
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max() < 1e-4


@pytest.mark.parametrize("fn", [layers.conv2d_loops, layers.conv2d_unfold])
def test_convolutions_match_nn_conv2d_on_alexnets_first_layer(fn):
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, 11, stride=4)
    x = torch.randn(1, 3, 67, 67)
    with torch.no_grad():
        assert (fn(x, conv.weight, conv.bias, stride=4) - conv(x)).abs().max() < 1e-4


def test_convolution_is_not_flipped():
    x = torch.zeros(1, 1, 3, 3)
    x[0, 0, 0, 0] = 1.0
    w = torch.arange(9.0).view(1, 1, 3, 3)
    for fn in (layers.conv2d_loops, layers.conv2d_unfold):
        assert fn(x, w).item() == 0.0  # cross-correlation picks w[0, 0], not w[2, 2]


@pytest.mark.parametrize("c_in,c_out,k,bias", [(3, 96, 11, True), (96, 256, 5, False),
                                               (64, 64, 3, True), (16, 32, 1, False)])
def test_conv_params_match_nn_conv2d(c_in, c_out, k, bias):
    conv = nn.Conv2d(c_in, c_out, k, bias=bias)
    expected = sum(p.numel() for p in conv.parameters())
    assert layers.conv_params(c_in, c_out, k, bias=bias) == expected


@pytest.mark.parametrize("n_in,n_out,bias", [(9216, 4096, True), (4096, 1000, False), (1, 1, True)])
def test_dense_params_match_nn_linear(n_in, n_out, bias):
    lin = nn.Linear(n_in, n_out, bias=bias)
    assert layers.dense_params(n_in, n_out, bias=bias) == sum(p.numel() for p in lin.parameters())


@pytest.mark.parametrize("size,k,stride,padding", [
    (227, 11, 4, 0), (55, 3, 2, 0), (27, 5, 1, 2), (13, 3, 1, 1), (32, 3, 2, 1), (32, 7, 2, 3),
    (224, 11, 4, 2), (10, 4, 3, 0),
])
def test_conv_output_size_matches_pytorch(size, k, stride, padding):
    conv = nn.Conv2d(1, 1, k, stride=stride, padding=padding)
    with torch.no_grad():
        actual = conv(torch.zeros(1, 1, size, size)).shape[-1]
    assert layers.conv_output_size(size, k, stride, padding) == actual


def test_alexnet_conv1_gives_55():
    with torch.no_grad():
        out = nn.Conv2d(3, 96, 11, stride=4)(torch.zeros(1, 3, 227, 227))
    assert out.shape[-2:] == (55, 55)
    assert layers.conv_output_size(227, 11, 4) == 55


def test_pool_output_size_matches_max_pool():
    pooled = nn.MaxPool2d(3, 2)(torch.zeros(1, 1, 55, 55))
    assert layers.conv_output_size(55, 3, 2) == pooled.shape[-1] == 27


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
# Local response normalisation


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


@pytest.mark.parametrize("n", [2, 4, 5])
def test_lrn_window_sums_add_n_squares(n):
    torch.manual_seed(n)
    a = torch.randn(2, 9, 3, 3)
    sums = layers.lrn_window_sums(a, n)
    for i in range(9):
        lo, hi = max(0, i - n // 2), min(8, i + (n - 1) // 2)
        assert torch.allclose(sums[:, i], a[:, lo:hi + 1].pow(2).sum(1), atol=1e-6)


def test_lrn_window_sums_by_hand():
    a = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).view(1, 6, 1, 1)
    sums = layers.lrn_window_sums(a, n=5).flatten().tolist()
    # channel 0: 1+4+9; channel 2: 1+4+9+16+25; channel 4: 9+16+25+36; channel 5: 16+25+36
    assert sums == [14, 30, 55, 90, 86, 77]
    assert layers.lrn_window_sums(a, n=1).flatten().tolist() == [1, 4, 9, 16, 25, 36]


@pytest.mark.parametrize("n", [3, 5, 9])
def test_lrn_window_sums_give_pytorchs_denominator(n):
    torch.manual_seed(n)
    a = torch.relu(torch.randn(2, 16, 4, 4)) * 30
    k, alpha, beta = 2.0, 1e-4, 0.75
    ours = a / (k + alpha * layers.lrn_window_sums(a, n)) ** beta
    ref = nn.LocalResponseNorm(n, alpha=alpha * n, beta=beta, k=k)(a.double()).float()
    assert (ours - ref).abs().max().item() < 1e-4
    assert torch.allclose(ours, layers.local_response_norm(a, n, k, alpha, beta), rtol=1e-5)


def test_lrn_lowers_the_share_of_a_lone_peak_and_raises_it_beside_a_crowd():
    # The formula in miniature: a unit's own square is in its denominator, so a lone peak is
    # damped most; a plateau of co-active channels is damped more than an isolated peak.
    lone = torch.zeros(1, 12, 1, 1)
    lone[0, 6] = 100.0
    lone[0, :, 0, 0] += 10.0
    crowd = torch.zeros(1, 24, 1, 1)
    crowd[0, 2:12] = 60.0
    crowd[0, 18] = 100.0
    for profile, grows in ((lone, False), (crowd, True)):
        before = probes.peak_share(profile)
        after = probes.peak_share(layers.local_response_norm(profile))
        assert (after > before) == grows


# ---------------------------------------------------------------------------------------
# Dropout


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


def scaled_by(scale):
    """A dropout that keeps survivors scaled by `scale`, with nn.Dropout's masks."""
    def dropout(x, p, training=True):
        if not training:
            return x
        return x * (torch.rand_like(x) >= p) * scale(p)
    return dropout


def statistics_of(fn):
    return lambda x, p, training=True: layers.dropout_statistics(x, fn(x, p, training))


def nn_dropout(x, p, training=True):
    return nn.Dropout(p).train(training)(x)


X = torch.rand(1_000_000) + 0.5


CASES = [(X, 0.2), (X, 0.5), (X, 0.8), (X, 0.5, False)]


def test_statistics_of_a_known_mask_by_hand():
    x = torch.tensor([1.0, 2.0, 0.0, 3.0])
    out = torch.tensor([2.0, 0.0, 0.0, 6.0])
    zeroed, mean_ratio, square_ratio = layers.dropout_statistics(x, out).tolist()
    assert zeroed == pytest.approx(1 / 3)
    assert mean_ratio == pytest.approx(8 / 6)
    assert square_ratio == pytest.approx(40 / 14)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_statistics_of_nn_dropout_are_the_expected_values(p):
    torch.manual_seed(0)
    stats = statistics_of(nn_dropout)(X, p)
    assert torch.allclose(stats, torch.tensor([p, 1, 1 / (1 - p)], dtype=torch.float64),
                          rtol=0.01)


def test_paper_form_statistics_while_training():
    g = torch.Generator().manual_seed(0)
    out = layers.dropout(X, 0.3, training=True, inverted=False, generator=g)
    stats = layers.dropout_statistics(X, out)
    assert torch.allclose(stats, torch.tensor([0.3, 0.7, 0.7], dtype=torch.float64), rtol=0.01)


def check_quietly(answer, capsys):
    torch.manual_seed(1)
    from reading_group.exercises import check
    result = check(statistics_of(answer), statistics_of(nn_dropout), CASES, tolerance=0.02)
    capsys.readouterr()
    return result


def test_a_correct_inverted_dropout_passes_the_statistical_check(capsys):
    for seed in range(2):
        torch.manual_seed(seed)
        assert check_quietly(scaled_by(lambda p: 1 / (1 - p)), capsys)
    assert check_quietly(lambda x, p, training=True: layers.dropout(x, p, training), capsys)


@pytest.mark.parametrize("wrong", [lambda p: 1.0, lambda p: 1 / p, lambda p: 1 - p])
def test_a_wrong_scaling_fails_the_statistical_check(wrong, capsys):
    assert not check_quietly(scaled_by(wrong), capsys)


def test_dropping_at_test_time_fails_the_statistical_check(capsys):
    always = lambda x, p, training=True: x * (torch.rand_like(x) >= p) / (1 - p)  # noqa: E731
    assert not check_quietly(always, capsys)


# ---------------------------------------------------------------------------------------
# Activations


def test_activation_by_name():
    assert isinstance(layers.activation("tanh"), nn.Tanh)
    with pytest.raises(ValueError, match="relu"):
        layers.activation("swish")
