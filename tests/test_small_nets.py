"""`small_nets` against hand counts of their layers and parameters and their stated layout."""

import math

import pytest
import torch
import torch.nn as nn

from reading_group import layers, probes, small_nets
from reading_group.small_nets import DeepMLP, Figure1CNN, initialise

# ---------------------------------------------------------------------------------------
# Every net: its output for a batch of 32x32 images, and its parameters counted by hand


HAND_COUNTS = [
    # conv 3->4 5x5, conv 4->8 5x5, linear 8*8*8 -> 10 (two 2x2 poolings: 32 -> 8)
    ("SmallCNN", lambda: small_nets.SmallCNN(width=4),
     (3 * 4 * 25 + 4) + (4 * 8 * 25 + 8) + (8 * 8 * 8 * 10 + 10)),
    # conv 3->4, 4->4, 4->8, all 5x5; three stride-2 poolings (32 -> 4): linear 8*4*4 -> 10
    ("Figure1CNN", lambda: small_nets.Figure1CNN(widths=(4, 4, 8)),
     (3 * 4 * 25 + 4) + (4 * 4 * 25 + 4) + (4 * 8 * 25 + 8) + (8 * 4 * 4 * 10 + 10)),
    # the same with batch norm after the first two convolutions (weight and bias a channel)
    ("Figure1CNN-bn", lambda: small_nets.Figure1CNN(widths=(4, 4, 8), norm="batchnorm"),
     (3 * 4 * 25 + 4) + (4 * 4 * 25 + 4) + (4 * 8 * 25 + 8) + (8 * 4 * 4 * 10 + 10)
     + 2 * 4 + 2 * 4),
    # conv 3->4 5x5, conv 4->8 3x3 (32 -> 16 -> 8 -> 4), linear 128 -> 16, 16 -> 16, 16 -> 10
    ("ConvFCNet", lambda: small_nets.ConvFCNet(width=4, hidden=16),
     (3 * 4 * 25 + 4) + (4 * 8 * 9 + 8) + (128 * 16 + 16) + (16 * 16 + 16) + (16 * 10 + 10)),
    # linear 3072 -> 16, 16 -> 16, 16 -> 10
    ("DeepMLP", lambda: small_nets.DeepMLP(depth=3, width=16),
     (3072 * 16 + 16) + (16 * 16 + 16) + (16 * 10 + 10)),
    # conv 3->4 3x3, conv 4->8 3x3, linear 8 -> 10
    ("PlainCNN", lambda: small_nets.PlainCNN((4, 8)),
     (3 * 4 * 9 + 4) + (4 * 8 * 9 + 8) + (8 * 10 + 10)),
    # bias-free convolutions with batch norm
    ("PlainCNN-bn", lambda: small_nets.PlainCNN((4, 8), batchnorm=True),
     (3 * 4 * 9 + 2 * 4) + (4 * 8 * 9 + 2 * 8) + (8 * 10 + 10)),
    # stem 3->4; stage 1: 4->4 twice; stage 2: 4->8, 8->8; stage 3: 8->8 twice; linear 8 -> 10
    ("PlainConvNet", lambda: small_nets.PlainConvNet(n=2, widths=(4, 8, 8)),
     (3 * 4 * 9 + 4) + 2 * (4 * 4 * 9 + 4) + (4 * 8 * 9 + 8) + 3 * (8 * 8 * 9 + 8) + (8 * 10 + 10)),
]


@pytest.mark.parametrize("name, make, by_hand", HAND_COUNTS, ids=[c[0] for c in HAND_COUNTS])
def test_output_shape_and_parameters_by_hand(name, make, by_hand):
    net = make().eval()
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert probes.count_params(net) == by_hand


def test_n_classes_sets_the_output_width():
    for net in (small_nets.SmallCNN(4, n_classes=7), small_nets.Figure1CNN(n_classes=7),
                small_nets.ConvFCNet(4, 16, n_classes=7), small_nets.DeepMLP(3, 16, n_classes=7),
                small_nets.PlainCNN((4, 8), n_classes=7),
                small_nets.PlainConvNet(1, (4, 8, 8), n_classes=7)):
        assert net.eval()(torch.randn(1, 3, 32, 32)).shape == (1, 7), type(net).__name__


def test_initialise_refuses_an_unknown_scheme_and_zeroes_biases():
    net = initialise(small_nets.SmallCNN(4), "xavier")
    assert all(m.bias.abs().max().item() == 0 for m in net.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear)))
    with pytest.raises(ValueError):
        initialise(small_nets.SmallCNN(4), "orthogonal")


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


def test_conv_fc_net_shapes_and_where_dropout_sits():
    net = small_nets.ConvFCNet(width=8, hidden=64, p=0.5)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    kinds = [type(m) for m in net.classifier]
    assert kinds == [layers.Dropout, nn.Linear, nn.ReLU, layers.Dropout, nn.Linear, nn.ReLU,
                     nn.Linear]
    head = sum(p.numel() for p in net.classifier.parameters())
    assert net.classifier[1].in_features == 2 * 8 * 4 * 4
    assert head > 0.9 * sum(p.numel() for p in net.parameters())


def test_conv_fc_net_is_random_in_training_and_deterministic_in_eval():
    torch.manual_seed(0)
    net = small_nets.ConvFCNet(width=8, hidden=64, p=0.5)
    x = torch.randn(2, 3, 32, 32)
    assert not torch.equal(net.train()(x), net(x))
    assert torch.equal(net.eval()(x), net(x))
    plain = small_nets.ConvFCNet(width=8, hidden=64, p=0.0)
    plain.load_state_dict(net.state_dict())
    assert torch.equal(plain.train()(x), net.eval()(x))


def test_paper_form_net_with_halved_weights_matches_the_inverted_net_at_test_time():
    torch.manual_seed(0)
    inverted = small_nets.ConvFCNet(width=8, hidden=64, p=0.5).eval()
    paper = small_nets.ConvFCNet(width=8, hidden=64, p=0.5, inverted=False).eval()
    paper.load_state_dict(inverted.state_dict())
    with torch.no_grad():
        for i in (1, 4):  # the linear layers after each dropout
            paper.classifier[i].weight.mul_(2)
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(paper(x), inverted(x), atol=1e-5)


def test_plain_conv_net_shape_depth_and_no_batchnorm():
    net = small_nets.PlainConvNet(n=3, widths=(8, 16, 32))
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    weighted = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(weighted) == 3 * 3 + 2
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    assert net.stage1(net.stem(torch.randn(1, 3, 32, 32))).shape == (1, 8, 16, 16)
    assert probes.first_conv_name(net) == "stem.0"
