import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from reading_group import probes
from reading_group.small_nets import SmallCNN


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3),                      # 32 -> 30
        nn.ReLU(),
        nn.MaxPool2d(2),                         # 30 -> 15
        nn.Conv2d(4, 6, 3, stride=2, padding=1),  # 15 -> 8
        nn.Flatten(),
        nn.Linear(6 * 8 * 8, 10),
    )


def conv_flops(c_in, c_out, k, h_out, w_out):
    return 2 * c_out * c_in * k * k * h_out * w_out


def test_layer_table_rows_match_the_modules():
    net = small_net()
    table = probes.layer_table(net, (1, 3, 32, 32))
    assert table.columns == ["layer", "type", "output shape", "params", "FLOPs"]
    rows = {r[0]: r for r in table.rows}
    assert list(rows) == ["0", "1", "2", "3", "4", "5", "total"]
    # output shapes: run the layers one by one
    x = torch.zeros(1, 3, 32, 32)
    for name, module in net.named_children():
        x = module(x)
        assert rows[name][2] == tuple(x.shape[1:])
        assert rows[name][1] == type(module).__name__
        assert rows[name][3] == sum(p.numel() for p in module.parameters())
    # FLOPs by the hand formula: 2 * C_out * C_in * k * k * H_out * W_out, 2 * in * out
    assert rows["0"][4] == conv_flops(3, 4, 3, 30, 30) == 194_400
    assert rows["3"][4] == conv_flops(4, 6, 3, 8, 8)
    assert rows["5"][4] == 2 * 384 * 10
    assert rows["1"][4] == rows["2"][4] == rows["4"][4] == 0
    total = rows["total"]
    assert total[3] == sum(p.numel() for p in net.parameters()) == 112 + 222 + 3850
    assert total[4] == rows["0"][4] + rows["3"][4] + rows["5"][4]


def test_flops_are_per_image_whatever_the_batch():
    net = small_net()
    one = probes.layer_table(net, (1, 3, 32, 32))
    four = probes.layer_table(net, (4, 3, 32, 32))
    assert one.column("FLOPs") == four.column("FLOPs")
    assert one.column("output shape") == four.column("output shape")


def test_flops_and_macs():
    net = small_net()
    total = probes.layer_table(net).rows[-1][-1]
    assert probes.flops(net) == total
    assert probes.macs(net) == total // 2
    assert probes.macs(net) == (3 * 4 * 9 * 900 + 4 * 6 * 9 * 64 + 384 * 10)


def test_layer_table_on_a_nested_model():
    torch.manual_seed(0)
    net = SmallCNN(8)
    rows = {r[0]: r for r in probes.layer_table(net).rows}
    assert rows["features.0"][4] == conv_flops(3, 8, 5, 32, 32)
    assert rows["features.3"][4] == conv_flops(8, 16, 5, 16, 16)
    assert rows["classifier"][4] == 2 * 16 * 8 * 8 * 10
    assert rows["features.5"][2] == (16, 8, 8)
    assert rows["total"][3] == sum(p.numel() for p in net.parameters())


def test_layer_table_with_chosen_modules_sums_their_insides():
    net = SmallCNN(8)
    table = probes.layer_table(net, modules=[("features", net.features),
                                             ("classifier", net.classifier)])
    rows = {r[0]: r for r in table.rows}
    assert rows["features"][2] == (16, 8, 8)
    assert rows["features"][3] == sum(p.numel() for p in net.features.parameters())
    assert rows["features"][4] == conv_flops(3, 8, 5, 32, 32) + conv_flops(8, 16, 5, 16, 16)


def test_layer_table_leaves_the_model_as_it_was():
    net = nn.Sequential(nn.Conv2d(3, 2, 3), nn.Dropout(0.5), nn.Flatten(),
                        nn.Linear(2 * 30 * 30, 3))
    net.train()
    probes.layer_table(net)
    assert net.training
    assert all(not m._forward_hooks for m in net.modules())
    net.eval()
    probes.layer_table(net)
    assert not net.training


def test_alexnet_parameters_and_multiply_adds_match_torchvision():
    net = torchvision.models.alexnet(weights=None)
    table = probes.layer_table(net, (1, 3, 224, 224))
    assert table.rows[-1][3] == 61_100_840
    meta = torchvision.models.AlexNet_Weights.IMAGENET1K_V1.meta
    assert table.rows[-1][3] == meta["num_params"]
    # torchvision's "_ops" is GFLOPS in the papers' sense: billions of multiply-adds
    assert probes.macs(net, (1, 3, 224, 224)) == pytest.approx(meta["_ops"] * 1e9, rel=5e-3)
    rows = {r[0]: r for r in table.rows}
    assert rows["features.0"][2] == (64, 55, 55)
    assert rows["features.0"][4] == conv_flops(3, 64, 11, 55, 55)


def backward_once(net, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 3, 32, 32, generator=g)
    y = torch.randint(0, 10, (4,), generator=g)
    return x, y


def test_gradient_norms_equal_the_norms_of_the_gradients():
    torch.manual_seed(0)
    net = SmallCNN(8)
    x, y = backward_once(net)
    F.cross_entropy(net(x), y).backward()
    norms = probes.gradient_norms(net)
    assert set(norms) == {"features.0", "features.3", "classifier"}
    for name, module in net.named_modules():
        if name in norms:
            expected = module.weight.grad.pow(2).sum().sqrt().item()
            assert norms[name] == pytest.approx(expected, rel=1e-6)
    only_linear = probes.gradient_norms(net, kind=nn.Linear)
    assert set(only_linear) == {"classifier"}


def test_gradient_norms_skip_layers_without_gradients():
    net = SmallCNN(8)
    assert probes.gradient_norms(net) == {}


def test_layer_gradient_norms_start_from_zeroed_gradients():
    torch.manual_seed(0)
    net = SmallCNN(8)
    reference = copy.deepcopy(net)
    x, y = backward_once(net)
    for p in net.parameters():            # stale gradients must not leak in
        p.grad = torch.full_like(p, 5.0)
    net.eval()
    norms = probes.layer_gradient_norms(net, x, y)
    assert not net.training
    weights = [reference.features[0].weight, reference.features[3].weight,
               reference.classifier.weight]
    grads = torch.autograd.grad(F.cross_entropy(reference(x), y), weights)
    for name, g in zip(["features.0", "features.3", "classifier"], grads):
        assert norms[name] == pytest.approx(g.norm().item(), rel=1e-5)
    # gradients are left in place for the caller
    torch.testing.assert_close(net.classifier.weight.grad, grads[2])


def test_layer_gradient_norms_use_the_main_output():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Linear(4, 3)
            self.aux = nn.Linear(4, 3)

        def forward(self, x):
            return self.main(x), self.aux(x)

    net = TwoHeads()
    norms = probes.layer_gradient_norms(net, torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1]))
    assert norms["main"] > 0
    assert "aux" not in norms  # the auxiliary head takes no part in the loss
