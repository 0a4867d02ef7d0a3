"""`inception` against hand counts, GoogLeNet's Table 1, the FLOP counter and torchvision."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from reading_group import inception as I
from reading_group import papers, probes, small_nets
from reading_group.probes import count_params, macs

W3A = (64, 96, 128, 16, 32, 32)


def test_reduced_module_output_channels_and_size():
    m = I.Inception(192, *W3A)
    out = m(torch.randn(2, 192, 28, 28))
    assert out.shape == (2, 256, 28, 28)
    assert m.out_channels == 256 == I.inception_out_channels(192, W3A)


def test_naive_module_passes_the_pooled_input_through():
    m = I.Inception(192, *W3A, naive=True)
    x = torch.randn(2, 192, 28, 28)
    out = m(x)
    assert out.shape == (2, 64 + 128 + 32 + 192, 28, 28)
    assert m.out_channels == 416 == I.inception_out_channels(192, W3A, naive=True)
    # the last 192 channels are the 3x3/1 max pooling of the input, unchanged
    assert torch.equal(out[:, -192:], F.max_pool2d(x, 3, stride=1, padding=1))


def test_3a_parameter_counts_by_hand():
    # reduced: 1x1 192*64, reduce 192*96, 3x3 9*96*128, reduce 192*16, 5x5 25*16*32, proj 192*32
    weights = 192 * 64 + 192 * 96 + 9 * 96 * 128 + 192 * 16 + 25 * 16 * 32 + 192 * 32
    biases = 64 + 96 + 128 + 16 + 32 + 32
    assert weights + biases == 163_696
    assert count_params(I.Inception(192, *W3A)) == 163_696
    # naive: 1x1 192*64, 3x3 9*192*128, 5x5 25*192*32, and no reductions
    naive = 192 * 64 + 9 * 192 * 128 + 25 * 192 * 32 + 64 + 128 + 32
    assert naive == 387_296
    assert count_params(I.Inception(192, *W3A, naive=True)) == 387_296


@pytest.mark.parametrize("naive", [False, True])
@pytest.mark.parametrize("c_in,widths,side", [(192, W3A, 28), (480, (192, 96, 208, 16, 48, 64), 14),
                                              (12, (3, 4, 5, 2, 3, 1), 9)])
def test_inception_cost_matches_the_module_and_the_flop_counter(naive, c_in, widths, side):
    cost = I.inception_cost(c_in, widths, side, naive=naive)
    m = I.Inception(c_in, *widths, naive=naive)
    assert sum(p for p, _ in cost.values()) == count_params(m)
    assert sum(a for _, a in cost.values()) == macs(m, (1, c_in, side, side))


def test_batchnorm_variant_drops_conv_biases():
    m = I.Inception(16, 4, 4, 8, 2, 4, 4, batchnorm=True)
    convs = [c for c in m.modules() if isinstance(c, nn.Conv2d)]
    assert all(c.bias is None for c in convs)
    assert sum(isinstance(b, nn.BatchNorm2d) for b in m.modules()) == len(convs) == 6


def test_conv1x1_as_linear_equals_conv2d():
    torch.manual_seed(0)
    conv = nn.Conv2d(7, 5, 1)
    x = torch.randn(3, 7, 6, 4)
    got = I.conv1x1_as_linear(x, conv.weight, conv.bias)
    assert torch.allclose(got, conv(x), atol=1e-6)
    # and with a Linear layer's weights
    lin = nn.Linear(7, 5)
    ref = lin(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    assert torch.allclose(I.conv1x1_as_linear(x, lin.weight, lin.bias), ref, atol=1e-6)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_conv_relu_keeps_the_size_and_counts_its_parameters_by_hand(k):
    plain = I.conv_relu(3, 8, k)
    assert [type(m) for m in plain] == [nn.Conv2d, nn.ReLU]
    assert plain(torch.randn(2, 3, 9, 9)).shape == (2, 8, 9, 9)  # "same" padding
    assert I.conv_relu(3, 8, k, stride=2)(torch.randn(2, 3, 9, 9)).shape == (2, 8, 5, 5)
    assert count_params(plain) == 3 * 8 * k * k + 8
    normed = I.conv_relu(3, 8, k, batchnorm=True)
    assert [type(m) for m in normed] == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU]
    assert normed[0].bias is None
    assert count_params(normed) == 3 * 8 * k * k + 2 * 8


# ---------------------------------------------------------------------------------------
# Table 1's printed parameter counts


def test_printed_params_that_do_not_follow_from_the_columns():
    weights = I.table1_weights()
    assert weights["3a"][0] == 163_328 and weights["conv2"][0] == 64 * 64 + 9 * 64 * 192
    assert weights["conv1"][0] == 7 * 7 * 3 * 64
    off = {r.name for r in papers.GOOGLENET_TABLE1
           if r.name in weights and not I.printed_params_follow(r.params, weights[r.name][0])}
    assert off == {"conv1", "4a", "4c", "4d", "4e", "5a", "5b"}


# ---------------------------------------------------------------------------------------
# The paper's model


@pytest.fixture(scope="module")
def paper_rows():
    model = I.GoogLeNet()
    return model, probes.row_costs(model, model.ROWS)


def test_paper_model_output_sizes_equal_table1(paper_rows):
    _, rows = paper_rows
    for r in papers.GOOGLENET_TABLE1:
        if r.name not in rows:
            continue
        h, w, c = r.output
        shape = rows[r.name][0]
        assert shape[0] == c and (len(shape) == 1 or shape[1:] == (h, w)), r.name


def test_paper_model_parameters_by_hand(paper_rows):
    model, rows = paper_rows
    weights = I.table1_weights()
    biases = {"conv1": 64, "conv2": 64 + 192, "linear": 1000}
    for name, w in I.TABLE1_WIDTHS.items():
        biases[name] = sum(w)  # one bias per filter of each of the six convolutions
    for name, (wt, mac) in weights.items():
        assert rows[name][1] == wt + biases[name], name
        assert rows[name][2] == 2 * mac, name
    assert count_params(model) == 6_998_552
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in model.modules()) == 2
    assert model.dropout.p == 0.4
    assert model.inception3a.branch5[1][0].kernel_size == (5, 5)


def test_paper_model_runs_on_a_224_image():
    model = I.GoogLeNet(n_classes=7).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 224, 224)).shape == (1, 7)


def test_torchvision_comparison_counts():
    tv = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
    rows = probes.row_costs(tv, I.TORCHVISION_ROWS)
    assert count_params(tv) == 6_624_904
    assert sum(r[1] for r in rows.values()) == 6_624_904
    # its "5x5" branch is a 3x3 convolution, every conv is bias-free and followed by BatchNorm
    assert tv.inception3a.branch3[1].conv.kernel_size == (3, 3)
    # (3a) by hand: our weights with 9 instead of 25 in the 5x5 branch, plus 2 per channel
    # of BatchNorm instead of 1 of bias
    assert rows["3a"][1] == 163_328 - 25 * 16 * 32 + 9 * 16 * 32 + 2 * 368
    assert tv.maxpool4.kernel_size == 2
    ours = probes.row_costs(I.GoogLeNet(), I.GoogLeNet.ROWS)
    for r in papers.GOOGLENET_TABLE1:
        if r.name in rows:
            assert rows[r.name][0] == ours[r.name][0], r.name


# ---------------------------------------------------------------------------------------
# The CIFAR nets


def test_small_nets_shapes_and_sizes():
    for model in (I.SmallGoogLeNet(0.25), I.SmallGoogLeNet(0.125, batchnorm=True),
                  small_nets.PlainCNN(), small_nets.PlainCNN((8, 16), batchnorm=True)):
        assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    small = I.SmallGoogLeNet(0.25)
    assert sum(isinstance(m, I.Inception) for m in small.modules()) == 9
    assert small.stage3[1].branch1[0].out_channels == 16  # 64 / 4
    assert I.scaled((64, 96, 128, 16, 32, 32), 0.125) == (8, 12, 16, 2, 4, 4)


def test_googlenet_literal_rows_are_table1s_widths():
    """The nine `Inception(...)` lines of `GoogLeNet` are typed out by hand; read back from the
    built convolutions they must be Table 1's columns, in Table 1's order (a swapped #1x1
    and pool proj would keep the parameter count and still fail here)."""
    table1 = {r.name: tuple(r.widths) for r in papers.GOOGLENET_TABLE1 if r.type == "inception"}
    assert I.googlenet_widths(I.GoogLeNet()) == table1
    assert len(table1) == 9


def test_a_naive_module_has_no_reductions_to_read_back():
    naive = I.Inception(192, 64, 96, 128, 16, 32, 32, naive=True)
    assert naive.table1_widths() == (64, None, 128, None, 32, None)


@pytest.mark.parametrize("width", [0, -0.25, float("nan"), "0.25", True])
def test_small_googlenet_refuses_a_width_that_is_not_positive(width):
    with pytest.raises(ValueError, match="width must be a number > 0.*Table 1") as info:
        I.SmallGoogLeNet(width)
    assert "Fix" in str(info.value)


@pytest.mark.parametrize("width", [25, float("inf")])
def test_small_googlenet_refuses_a_width_too_big_for_memory(width):
    with pytest.raises(ValueError, match="more than 100,000,000 parameters.*at most about 4"):
        I.SmallGoogLeNet(width)


@pytest.mark.parametrize("width", [0.1, 0.25, 1.0])
def test_small_googlenet_params_by_hand_match_the_net(width):
    assert I.small_googlenet_params(width) == count_params(I.SmallGoogLeNet(width))
    assert I.small_googlenet_params(4.0) <= I.MAX_SMALL_PARAMS < I.small_googlenet_params(4.5)
