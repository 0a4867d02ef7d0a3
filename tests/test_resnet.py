"""`resnet` against the paper's Table 6, hand-written passes and hand parameter counts."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from reading_group import papers
from reading_group.probes import count_params
from reading_group.resnet import (
    Block,
    CifarNet,
    ZeroPadShortcut,
    block_stack,
    blocks_per_stage,
    deepen,
    depth_of,
    make_identity,
    shortcut,
)


@pytest.mark.parametrize("n, key", [(3, "resnet20_params"), (5, "resnet32_params"),
                                    (7, "resnet44_params"), (9, "resnet56_params"),
                                    (18, "resnet110_params")])
def test_parameter_counts_round_to_table_6(n, key):
    printed = papers.value(f"resnet.{key}")
    ours = count_params(CifarNet(depth_of(n)))
    # Table 6 prints two significant figures (0.27M, ..., 1.7M).
    assert float(f"{ours:.2g}") == printed


@pytest.mark.parametrize("depth", [20, 56])
def test_plain_and_residual_nets_have_the_same_parameters_with_option_a(depth):
    plain = count_params(CifarNet(depth, residual=False))
    assert plain == count_params(CifarNet(depth, option="A"))
    # Option B adds two 1x1 projections with batch norm: 16->32 and 32->64.
    extra = (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)
    assert count_params(CifarNet(depth, option="B")) == plain + extra


def test_depth_counts_weighted_layers():
    net = CifarNet(32, residual=False)
    weighted = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(weighted) == 32


@pytest.mark.parametrize("depth", [7, 21, 2, 0])
def test_depths_that_are_not_6n_plus_2_are_refused(depth):
    with pytest.raises(ValueError, match="6n \\+ 2"):
        blocks_per_stage(depth)


def test_stage_outputs_have_the_papers_map_sizes_and_widths():
    net = CifarNet(20, width=16)
    shapes = []
    for stage in net.stages:
        stage.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert shapes == [(16, 32, 32), (32, 16, 16), (64, 8, 8)]


def test_zero_pad_shortcut_subsamples_and_appends_zero_channels():
    x = torch.randn(2, 4, 6, 6)
    out = ZeroPadShortcut(4, 8, 2)(x)
    assert out.shape == (2, 8, 3, 3)
    assert torch.equal(out[:, :4], x[:, :, ::2, ::2])
    assert torch.equal(out[:, 4:], torch.zeros(2, 4, 3, 3))


def test_shortcut_options():
    assert isinstance(shortcut(16, 16, 1, "B"), nn.Identity)
    projection = shortcut(16, 32, 2, "B")
    assert projection[0].kernel_size == (1, 1) and projection[0].stride == (2, 2)
    with pytest.raises(ValueError, match="option"):
        shortcut(16, 32, 2, "C")


@pytest.mark.parametrize("residual, c_in, stride", [(True, 8, 1), (True, 8, 2), (False, 8, 2)])
def test_block_forward_matches_a_hand_written_one(residual, c_in, stride):
    torch.manual_seed(0)
    block = Block(c_in, 16 if stride == 2 else c_in, stride, residual=residual).eval()
    for bn in (block.bn1, block.bn2):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.2, 0.2)
    x = torch.randn(2, c_in, 8, 8)

    def bn(m, t):
        return F.batch_norm(t, m.running_mean, m.running_var, m.weight, m.bias, False, 0.0, m.eps)

    h = F.relu(bn(block.bn1, F.conv2d(x, block.conv1.weight, stride=stride, padding=1)))
    h = bn(block.bn2, F.conv2d(h, block.conv2.weight, padding=1))
    if residual:
        skip = x[:, :, ::stride, ::stride]
        h = h + F.pad(skip, (0, 0, 0, 0, 0, h.shape[1] - c_in))
    torch.testing.assert_close(block(x), F.relu(h))


@pytest.mark.parametrize("residual", [True, False])
def test_identity_blocks_pass_non_negative_input_through_exactly(residual):
    torch.manual_seed(0)
    block = make_identity(Block(8, 8, residual=residual)).eval()
    x = torch.relu(torch.randn(4, 8, 6, 6))
    assert torch.equal(block(x), x)


def test_a_residual_identity_block_stays_the_identity_in_training_mode():
    block = make_identity(Block(8, 8, residual=True)).train()
    x = torch.relu(torch.randn(4, 8, 6, 6))
    assert torch.equal(block(x), x)


def test_an_untouched_block_is_not_the_identity():
    block = Block(8, 8, residual=False).eval()
    x = torch.relu(torch.randn(4, 8, 6, 6))
    assert not torch.allclose(block(x), x)


def test_only_shape_keeping_blocks_can_be_the_identity():
    with pytest.raises(ValueError, match="keeps the shape"):
        make_identity(Block(8, 16, 2))


@pytest.mark.parametrize("residual", [True, False])
def test_deepened_net_computes_exactly_what_the_shallow_net_does(residual):
    torch.manual_seed(0)
    shallow = CifarNet(8, residual=residual, width=4)
    # Some training steps, so the copied weights and statistics are not the initial ones.
    opt = torch.optim.SGD(shallow.parameters(), lr=0.1)
    for _ in range(3):
        x, y = torch.randn(16, 3, 32, 32), torch.randint(10, (16,))
        opt.zero_grad()
        F.cross_entropy(shallow(x), y).backward()
        opt.step()
    deep = deepen(shallow.eval(), 20).eval()
    assert deep.depth == 20 and count_params(deep) > count_params(shallow)
    x = torch.randn(8, 3, 32, 32)
    assert torch.equal(deep(x), shallow(x))


def test_deepening_to_fewer_layers_is_refused():
    with pytest.raises(ValueError, match="cannot deepen"):
        deepen(CifarNet(20), 14)


def test_names():
    assert CifarNet(56, residual=False).name == "plain-56"
    assert CifarNet(20).name == "ResNet-20"


# ---------------------------------------------------------------------------------------
# block_stack: the stack notebook 07 asks to learn the identity


@pytest.mark.parametrize("residual", [True, False])
@pytest.mark.parametrize("n_layers, width", [(2, 4), (6, 8)])
def test_block_stack_keeps_the_shape_and_has_n_layers_convolutions(residual, n_layers, width):
    stack = block_stack(n_layers, width, residual=residual)
    x = torch.randn(2, width, 7, 5)
    assert stack(x).shape == x.shape
    convs = [m for m in stack.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == n_layers
    assert all(c.kernel_size == (3, 3) and c.in_channels == c.out_channels == width for c in convs)


@pytest.mark.parametrize("n_layers", [-2, 0, 1, 3, 5])
def test_block_stack_refuses_odd_or_too_small_layer_counts(n_layers):
    with pytest.raises(ValueError):
        block_stack(n_layers, 8)


@pytest.mark.parametrize("residual", [True, False])
def test_block_stack_parameters_by_hand(residual):
    # three blocks, each two bias-free 3x3 convolutions 8 -> 8 and two batch norms (weight and
    # bias per channel); the identity shortcut has no parameters
    by_hand = 3 * (2 * 9 * 8 * 8 + 2 * 2 * 8)
    assert by_hand == 3552
    assert count_params(block_stack(6, 8, residual=residual)) == by_hand


@pytest.mark.parametrize("residual", [True, False])
def test_block_stack_with_zero_weights_is_the_identity_only_with_shortcuts(residual):
    # with every convolution zeroed, each block's residual branch gives exactly zero (batch
    # norm of a constant map, bias 0), so a residual stack passes relu(x) through and a
    # plain stack outputs zeros
    stack = block_stack(4, 6, residual=residual)
    with torch.no_grad():
        for m in stack.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.zero_()
    x = torch.randn(3, 6, 5, 5)
    for training in (True, False):
        out = stack.train(training)(x)
        assert torch.equal(out, torch.relu(x) if residual else torch.zeros_like(x))
    assert all(isinstance(b, Block) and b.residual == residual for b in stack)
