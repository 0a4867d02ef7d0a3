import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from reading_group import layers


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
