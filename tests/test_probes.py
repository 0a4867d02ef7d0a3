"""`probes` against hand formulas, torchvision's AlexNet and hand-written forward passes."""

import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from helpers import wrapped_net

from reading_group import probes, small_nets, train
from reading_group.probes import layer_table
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


# ---------------------------------------------------------------------------------------
# Activation probes: sparsity, dead units, peak share


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


def test_peak_share_by_hand_and_over_pixels():
    assert probes.peak_share(torch.tensor([1.0, 3.0, 0.0, 4.0]), dim=0) == pytest.approx(0.5)
    maps = torch.zeros(1, 3, 1, 2)
    maps[0, :, 0, 0] = torch.tensor([1.0, 1.0, 2.0])   # share 0.5
    maps[0, :, 0, 1] = torch.tensor([0.0, 5.0, 0.0])   # share 1.0
    assert probes.peak_share(maps) == pytest.approx(0.75)


def test_peak_share_skips_silent_pixels_and_refuses_negative_inputs():
    maps = torch.zeros(1, 4, 1, 2)
    maps[0, :, 0, 0] = 1.0                               # share 0.25; pixel 1 is silent
    assert probes.peak_share(maps) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        probes.peak_share(torch.tensor([1.0, -1.0]), dim=0)
    with pytest.raises(ValueError):
        probes.peak_share(torch.zeros(3), dim=0)


# ---------------------------------------------------------------------------------------
# Gradient probes on the notebooks' nets


def test_sigmoid_gradients_shrink_towards_the_input_and_relu_he_does_not():
    torch.manual_seed(0)
    x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))
    sig = list(probes.layer_gradient_norms(small_nets.DeepMLP(10, 64, "sigmoid"), x, y).values())
    he_relu = small_nets.DeepMLP(10, 64, "relu", "he")
    relu = list(probes.layer_gradient_norms(he_relu, x, y).values())
    assert len(sig) == len(relu) == 10
    assert sig[-1] / sig[0] > 100
    assert max(relu) / min(relu) < 10


def test_trunk_gradient_norms_leave_out_the_heads_and_keep_the_bare_names():
    net, model = wrapped_net()
    x, y = torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))
    train.total_loss(model.train()(x), y)[1].backward()
    norms = probes.trunk_gradient_norms(model)
    weighted = (nn.Conv2d, nn.Linear)
    assert list(norms) == [n for n, m in net.named_modules() if isinstance(m, weighted)]
    assert norms["stem.0"] == pytest.approx(net.stem[0].weight.grad.norm().item())
    assert probes.trunk_gradient_norms(net) == norms


# ---------------------------------------------------------------------------------------
# Cost tables


def test_layer_table_of_stacked_convs_quadruples_when_width_doubles():
    def stack(n):
        return nn.Sequential(nn.Conv2d(16, n, 3, padding=1), nn.ReLU(),
                             nn.Conv2d(n, n, 3, padding=1))
    a = layer_table(stack(8), (1, 16, 10, 10)).column("FLOPs")
    b = layer_table(stack(16), (1, 16, 10, 10)).column("FLOPs")
    assert b[0] == 2 * a[0] and b[2] == 4 * a[2]


def test_row_costs_sum_each_rows_modules_by_hand():
    rows = probes.row_costs(small_net(), {"conv, relu, pool": ["0", "1", "2"], "conv": ["3"],
                                          "head": ["4", "5"]}, input_size=32)
    assert list(rows) == ["conv, relu, pool", "conv", "head"]
    # (output shape of the row's last module, parameters, FLOPs for one image)
    assert rows["conv, relu, pool"] == ((4, 15, 15), 3 * 4 * 9 + 4, conv_flops(3, 4, 3, 30, 30))
    assert rows["conv"] == ((6, 8, 8), 4 * 6 * 9 + 6, conv_flops(4, 6, 3, 8, 8))
    assert rows["head"] == ((10,), 384 * 10 + 10, 2 * 384 * 10)


def test_row_costs_follow_the_input_size():
    rows = probes.row_costs(nn.Sequential(nn.Conv2d(3, 2, 3, padding=1)), {"c": ["0"]},
                            input_size=7)
    assert rows["c"] == ((2, 7, 7), 3 * 2 * 9 + 2, conv_flops(3, 2, 3, 7, 7))


# ---------------------------------------------------------------------------------------
# Finding modules and reading their outputs


def test_first_conv_name_is_in_registration_order():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(4, 2)
            self.body = nn.Sequential(nn.ReLU(), nn.Conv2d(3, 4, 1), nn.Conv2d(4, 4, 1))
            self.late = nn.Conv2d(4, 4, 1)

    assert probes.first_conv_name(Net()) == "body.1"
    assert probes.first_conv_name(small_net()) == "0"


def test_leaf_modules_are_the_modules_without_children_in_order():
    net = nn.Sequential(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()), nn.Flatten(), nn.Linear(4, 2))
    assert [name for name, _ in probes.leaf_modules(net)] == ["0.0", "0.1", "1", "2"]
    assert [type(m) for _, m in probes.leaf_modules(net)] == [nn.Conv2d, nn.ReLU, nn.Flatten,
                                                              nn.Linear]
    assert probes.leaf_modules(nn.Linear(2, 2)) == []  # the model itself is not listed


def test_relu_outputs_are_the_activations_of_a_hand_written_pass():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = torch.randn(6, 5)
    outs = probes.relu_outputs(net, x)
    assert list(outs) == ["1", "3"]
    h1 = torch.clamp(x @ net[0].weight.T + net[0].bias, min=0)
    h3 = torch.clamp(h1 @ net[2].weight.T + net[2].bias, min=0)
    torch.testing.assert_close(outs["1"], h1)
    torch.testing.assert_close(outs["3"], h3)
    assert not outs["1"].requires_grad
    assert all(not m._forward_hooks for m in net.modules())  # the hooks are removed
    assert list(probes.relu_outputs(net, x, kind=nn.Linear)) == ["0", "2", "4"]
