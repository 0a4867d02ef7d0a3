"""`auxiliary` heads against a hand count, torchvision's InceptionAux and hand-written passes."""

import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models.googlenet  # noqa: F401  (the module, not the function)
from helpers import wrapped_net

from reading_group import auxiliary, probes, small_nets, train

TV_GOOGLENET = sys.modules["torchvision.models.googlenet"]


def test_head_output_shape_and_paper_grid():
    head = auxiliary.AuxiliaryHead(512, 1000)
    x = torch.randn(2, 512, 14, 14)
    assert head.pool(x).shape == (2, 512, 4, 4)  # 5x5 pooling, stride 3: (14 - 5) // 3 + 1
    assert head(x).shape == (2, 1000)


def test_head_parameters_against_a_hand_count_at_4a():
    # 1x1 conv 512 -> 128 with biases; FC 4*4*128 = 2048 -> 1024; classifier 1024 -> 1000
    by_hand = (512 * 128 + 128) + (2048 * 1024 + 1024) + (1024 * 1000 + 1000)
    assert by_hand == 3_188_840
    assert probes.count_params(auxiliary.AuxiliaryHead(512, 1000)) == by_hand
    assert auxiliary.head_params(512, 1000) == by_hand
    assert auxiliary.head_params(528, 1000) == by_hand + (528 - 512) * 128


@pytest.mark.parametrize("c_in,n_classes", [(512, 1000), (528, 1000), (16, 10), (32, 10)])
def test_head_count_matches_torchvisions_head_up_to_its_batchnorm(c_in, n_classes):
    # torchvision's InceptionAux has the same layers, but its 1x1 convolution has no bias
    # and a BatchNorm after it (weight and bias for each of its 128 channels)
    theirs = probes.count_params(TV_GOOGLENET.InceptionAux(c_in, n_classes))
    ours = probes.count_params(auxiliary.AuxiliaryHead(c_in, n_classes, pool="adaptive"))
    assert theirs == ours - 128 + 2 * 128


def test_head_computes_the_papers_layers_in_order():
    torch.manual_seed(0)
    head = auxiliary.AuxiliaryHead(8, 5, width=4, hidden=6).eval()
    x = torch.randn(3, 8, 14, 14)
    h = F.avg_pool2d(x, kernel_size=5, stride=3)
    h = F.relu(F.conv2d(h, head.conv.weight, head.conv.bias)).flatten(1)
    h = F.relu(h @ head.fc.weight.T + head.fc.bias)
    expected = h @ head.classifier.weight.T + head.classifier.bias
    torch.testing.assert_close(head(x), expected)


def test_head_drops_70_percent_in_training_and_nothing_in_eval():
    head = auxiliary.AuxiliaryHead(4, 3, hidden=20_000)
    assert isinstance(head.dropout, nn.Dropout) and head.dropout.p == 0.7
    seen = {}
    head.dropout.register_forward_hook(lambda m, i, o: seen.update(inp=i[0], out=o))
    torch.manual_seed(0)
    x = torch.rand(2, 4, 14, 14) + 1
    head.train()(x)
    alive = seen["inp"] > 0
    dropped = (seen["out"][alive] == 0).float().mean().item()
    assert dropped == pytest.approx(0.7, abs=0.01)
    head.eval()(x)
    torch.testing.assert_close(seen["out"], seen["inp"])


def test_paper_pooling_needs_5x5_maps_and_adaptive_pooling_does_not():
    head = auxiliary.AuxiliaryHead(16, 10)
    with pytest.raises(RuntimeError):
        head(torch.randn(1, 16, 4, 4))
    small = auxiliary.AuxiliaryHead(16, 10, pool="adaptive")
    for side in (2, 8, 16):
        assert small(torch.randn(2, 16, side, side)).shape == (2, 10)
    assert probes.count_params(small) == probes.count_params(head)
    with pytest.raises(ValueError):
        auxiliary.AuxiliaryHead(16, 10, pool="max")


# ---------------------------------------------------------------------------------------
# WithAuxiliaryHeads


def test_training_mode_returns_main_and_each_heads_logits():
    net, model = wrapped_net()
    x = torch.randn(3, 3, 32, 32)
    torch.manual_seed(1)
    main, aux1, aux2 = model.train()(x)
    # the same by hand: the trunk's output, and each head on its stage's output
    torch.manual_seed(1)
    s1 = net.stage1(net.stem(x))
    s2 = net.stage2(s1)
    expected_main = net.classifier(net.pool(net.stage3(s2)).flatten(1))
    expected = (expected_main, model.heads[0](s1), model.heads[1](s2))
    for got, want in zip((main, aux1, aux2), expected):
        torch.testing.assert_close(got, want)


def test_eval_mode_returns_only_the_main_logits():
    net, model = wrapped_net()
    x = torch.randn(3, 3, 32, 32)
    out = model.eval()(x)
    assert torch.is_tensor(out) and out.shape == (3, 10)
    torch.testing.assert_close(out, net.eval()(x))


def test_strip_gives_the_bare_net_and_counts_add_up():
    net, model = wrapped_net()
    with_heads = probes.count_params(model)
    bare = model.strip()
    assert bare is net and not bare._forward_hooks
    for name in ("stage1", "stage2"):
        assert not net.get_submodule(name)._forward_hooks
    assert with_heads == probes.count_params(bare) + model.head_params()
    assert model.head_params() == auxiliary.head_params(4, 10, hidden=16) + \
        auxiliary.head_params(8, 10, hidden=16)
    x = torch.randn(2, 3, 32, 32)
    assert torch.is_tensor(bare.train()(x))


def test_heads_raise_the_first_layers_gradient_at_the_same_weights():
    torch.manual_seed(0)
    net = small_nets.PlainConvNet(n=4)
    model = auxiliary.WithAuxiliaryHeads(
        net, {"stage1": auxiliary.AuxiliaryHead(16, 10, pool="adaptive"),
              "stage2": auxiliary.AuxiliaryHead(32, 10, pool="adaptive")}).train()
    x, y = torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))
    outputs = model(x)
    first = net.stem[0].weight
    g_main = torch.autograd.grad(F.cross_entropy(outputs[0], y), first, retain_graph=True)[0]
    g_total = torch.autograd.grad(train.total_loss(outputs, y, 0.3)[1], first)[0]
    assert g_total.norm() > 2 * g_main.norm()
