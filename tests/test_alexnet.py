"""`alexnet` against the paper's layer sizes, a hand parameter count and torchvision's AlexNet."""

import pytest
import torch
import torch.nn as nn
import torchvision

import reading_group as rg
from reading_group import alexnet

PAPER_SHAPES = {
    "conv1": (96, 55, 55), "conv2": (256, 27, 27), "conv3": (384, 13, 13),
    "conv4": (384, 13, 13), "conv5": (256, 13, 13), "pool5": (256, 6, 6),
    "fc6": (4096,), "fc7": (4096,), "fc8": (1000,),
}


@pytest.fixture(scope="module")
def paper_net():
    return alexnet.paper()


def test_paper_output_shapes(paper_net):
    table = rg.probes.layer_table(paper_net, (1, 3, 227, 227), modules=paper_net.table_modules())
    shapes = {row[0].split(".")[-1]: row[2] for row in table.rows[:-1]}
    assert shapes == PAPER_SHAPES


def test_paper_parameter_count_matches_a_hand_count(paper_net):
    by_hand = alexnet.paper_param_counts()
    # 60,965,224: the figure usually quoted for the two-tower net
    assert sum(by_hand.values()) == 60_965_224
    for name, count in by_hand.items():
        assert rg.probes.count_params(paper_net.layer(name)) == count, name
    assert rg.probes.count_params(paper_net) == 60_965_224


def test_paper_net_differs_from_torchvision_where_stated(paper_net):
    tv = torchvision.models.alexnet(weights=None)
    assert rg.probes.count_params(tv) == 61_100_840
    assert tv.features[0].out_channels == 64 and paper_net.layer("conv1").out_channels == 96
    assert all(m.groups == 1 for m in tv.modules() if isinstance(m, nn.Conv2d))
    assert [paper_net.layer(n).groups for n in alexnet.CONV_NAMES] == [1, 2, 1, 2, 2]


def test_conv_holds_the_compute_fc_the_parameters(paper_net):
    table = rg.probes.layer_table(paper_net, (1, 3, 227, 227), modules=paper_net.table_modules())
    rows = {row[0].split(".")[-1]: row for row in table.rows[:-1]}
    conv_flops = sum(rows[n][4] for n in alexnet.CONV_NAMES)
    fc_flops = sum(rows[n][4] for n in alexnet.FC_NAMES)
    conv_params = sum(rows[n][3] for n in alexnet.CONV_NAMES)
    fc_params = sum(rows[n][3] for n in alexnet.FC_NAMES)
    assert conv_flops > 5 * fc_flops
    assert fc_params > 10 * conv_params
    # conv1: 55*55 positions x 96 kernels x 363 weights, two FLOPs per multiply-add
    assert rows["conv1"][4] == 2 * 55 * 55 * 96 * 11 * 11 * 3


@pytest.mark.parametrize("layer", ["conv2", "conv4", "conv5"])
def test_grouped_layer_outputs_of_one_tower_ignore_the_other_towers_inputs(layer):
    torch.manual_seed(0)
    net = alexnet.cifar(8, 32).eval()
    conv = net.layer(layer)
    x = torch.randn(2, conv.in_channels, 8, 8)
    half_in, half_out = conv.in_channels // 2, conv.out_channels // 2
    bumped = x.clone()
    bumped[:, half_in:] += torch.randn_like(bumped[:, half_in:])  # perturb tower 2's inputs
    before, after = conv(x), conv(bumped)
    assert torch.equal(before[:, :half_out], after[:, :half_out])  # tower 1 unchanged
    assert not torch.allclose(before[:, half_out:], after[:, half_out:])  # tower 2 moved


def test_conv3_sees_both_towers():
    torch.manual_seed(0)
    conv = alexnet.cifar(8, 32).layer("conv3")
    x = torch.randn(2, conv.in_channels, 8, 8)
    bumped = x.clone()
    bumped[:, conv.in_channels // 2:] += 1
    half = conv.out_channels // 2
    assert not torch.allclose(conv(x)[:, :half], conv(bumped)[:, :half])


def test_tower_lrn_is_the_papers_lrn_on_each_tower():
    torch.manual_seed(0)
    x = torch.rand(3, 12, 5, 5) * 30  # large enough that the denominator varies
    reference = rg.layers.LocalResponseNorm()
    expected = torch.cat([reference(x[:, :6]), reference(x[:, 6:])], dim=1)
    got = alexnet.TowerLRN(2)(x)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    # and with one tower, the paper's LRN over all channels, against the formula written out
    torch.testing.assert_close(alexnet.TowerLRN(1)(x), rg.layers.local_response_norm(x),
                               rtol=1e-5, atol=1e-6)
    # the towers do not mix: a single LRN over all 12 channels differs at the border
    assert not torch.allclose(got, reference(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make, side", [(lambda: alexnet.cifar(8, 32), 32),
                                        (lambda: alexnet.cifar(8, 32, overlap=False), 32),
                                        (lambda: alexnet.cifar(8, 32, lrn=False), 32)])
def test_tower_split_on_two_cpu_devices_gives_the_grouped_output(make, side):
    torch.manual_seed(0)
    net = alexnet.init_paper(make(), std=0.2).eval()
    split = alexnet.TowerSplit(net, devices=("cpu", "cpu")).eval()
    x = torch.randn(4, 3, side, side)
    expected = net(x)
    assert expected.abs().max() > 1e-2  # outputs large enough for the comparison to mean much
    torch.testing.assert_close(split(x), expected, rtol=1e-4, atol=1e-5)
    # tower 1 holds the first half of conv1's kernels and of fc6's units
    assert torch.equal(split.towers[0]["conv1"].weight, net.layer("conv1").weight[:4])
    assert torch.equal(split.towers[1]["fc6"].bias, net.layer("fc6").bias[16:])


def test_tower_split_of_the_paper_net():
    torch.manual_seed(0)
    net = alexnet.init_paper(alexnet.paper(), std="he").eval()
    split = alexnet.TowerSplit(net, devices=("cpu", "cpu")).eval()
    x = torch.randn(1, 3, 227, 227)
    torch.testing.assert_close(split(x), net(x), rtol=1e-4, atol=1e-4)


def test_tower_split_refuses_one_tower():
    with pytest.raises(ValueError):
        alexnet.TowerSplit(alexnet.cifar(8, 32, towers=1), devices=("cpu", "cpu"))


def test_init_paper_sets_the_papers_biases_and_std():
    torch.manual_seed(0)
    net = alexnet.init_paper(alexnet.paper(), std=0.01)
    for name in alexnet.CONV_NAMES + alexnet.FC_NAMES:
        bias = net.layer(name).bias
        one = name in ("conv2", "conv4", "conv5", "fc6", "fc7")
        assert torch.all(bias == (1.0 if one else 0.0))
    assert net.layer("fc6").weight.std().item() == pytest.approx(0.01, rel=0.01)
    assert net.layer("fc6").weight.mean().item() == pytest.approx(0.0, abs=1e-4)
    he = alexnet.init_paper(alexnet.cifar(16, 64), std="he")
    fan_in = 3 * 5 * 5
    assert he.layer("conv1").weight.std().item() == pytest.approx((2 / fan_in) ** 0.5, rel=0.15)


def test_cifar_sizes_and_pooling():
    for overlap in (True, False):
        net = alexnet.cifar(8, 32, overlap=overlap)
        table = rg.probes.layer_table(net, (1, 3, 32, 32), modules=net.table_modules())
        shapes = {row[0].split(".")[-1]: row[2] for row in table.rows[:-1]}
        assert shapes["conv1"] == (8, 16, 16) and shapes["conv2"] == (16, 8, 8)
        assert shapes["conv5"] == (16, 4, 4) and shapes["pool5"] == (16, 2, 2)
        assert shapes["fc8"] == (10,)
        pool = net.layer("pool5")
        assert (pool.kernel_size, pool.stride) == ((3, 2) if overlap else (2, 2))


@pytest.mark.parametrize("width, match", [
    (0, "width must be a whole number"), (-8, "width must be a whole number"),
    (2.5, "width must be a whole number"), (7, "width=7 does not split into 2 towers"),
    (1, "width=1 does not split into 2 towers"),
])
def test_cifar_refuses_a_width_the_towers_cannot_share(width, match):
    with pytest.raises(ValueError, match=match) as info:
        alexnet.cifar(width, 32)
    assert "Fix" in str(info.value)


def test_cifar_odd_width_names_the_fix_and_one_tower_takes_it():
    with pytest.raises(ValueError, match="even width >= 2.*width=8, or towers=1"):
        alexnet.cifar(7, 32)
    model = alexnet.cifar(7, 32, towers=1)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
