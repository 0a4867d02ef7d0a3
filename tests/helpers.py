"""Helpers shared by several test modules (kept out of conftest.py, which only sets up fixtures)."""

import torch

from reading_group import auxiliary, small_nets


def wrapped_net(n=1, seed=0):
    torch.manual_seed(seed)
    net = small_nets.PlainConvNet(n=n, widths=(4, 8, 8))
    heads = {"stage1": auxiliary.AuxiliaryHead(4, 10, pool="adaptive", hidden=16),
             "stage2": auxiliary.AuxiliaryHead(8, 10, pool="adaptive", hidden=16)}
    return net, auxiliary.WithAuxiliaryHeads(net, heads)
