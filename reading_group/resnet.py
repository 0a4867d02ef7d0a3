"""Plain and residual nets for CIFAR-10 (He, Zhang, Ren & Sun, 2015, Section 4.2).

The paper's CIFAR nets have 6n + 2 weighted layers: a 3x3 convolution with 16 filters, then
three stages of n blocks on 32x32, 16x16 and 8x8 maps with 16, 32 and 64 filters (each
block two 3x3 convolutions, the first of a stage's first block with stride 2 where the
map shrinks), global average pooling and a 10-way fully connected layer. Every convolution
is followed by batch normalisation and ReLU. A residual block adds its input to its output
before the last ReLU; a plain block does not, and is otherwise the same, so a plain net and
a residual net of one depth have the same parameters when the shortcuts have none.

Shortcuts where the width doubles and the map halves (Section 3.3):
- option A (the paper's choice on CIFAR, the default here): take every second pixel and pad
  the new channels with zeros; no parameters. The paper does not say where the zeros go; we
  put them after the existing channels.
- option B: a 1x1 convolution with stride 2 and batch normalisation, only where the shape
  changes (identity elsewhere).

Departures: `width` scales 16/32/64 (the notebooks train narrow nets on a CPU), and the
weights start from He et al.'s normal initialisation with the fan-out of each convolution,
as torchvision's ResNets do (the paper cites He et al., 2015 without naming fan-in or
fan-out). `make_identity` and `deepen` build the paper's construction argument (Section 1)
as real weights.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

SHORTCUTS = ("A", "B")


def depth_of(n: int) -> int:
    """Weighted layers of a CIFAR net with n blocks per stage: 6n + 2."""
    return 6 * n + 2


def blocks_per_stage(depth: int) -> int:
    """n for a net of the given depth; the depth must be 6n + 2."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"CIFAR nets have 6n + 2 layers (8, 14, 20, 32, 44, 56, 110, ...), "
                         f"not {depth}")
    return (depth - 2) // 6


class ZeroPadShortcut(nn.Module):
    """Option A: keep every `stride`-th pixel and append zero channels up to `c_out`."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.extra, self.stride = c_out - c_in, stride

    def forward(self, x):  # x: c_in x H x W
        # Section 3.3, option A: "identity mapping, with extra zero entries padded for
        # increasing dimensions"; "performed with a stride of 2" across map sizes.
        x = x[:, :, ::self.stride, ::self.stride]  # c_in x H/stride x W/stride
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))  # c_out x H/stride x W/stride


def shortcut(c_in: int, c_out: int, stride: int, option: str = "A") -> nn.Module:
    """The identity where the shape stays, else option A (zero padding) or B (projection)."""
    if option not in SHORTCUTS:
        raise ValueError(f"shortcut option must be one of {SHORTCUTS}, not {option!r}")
    if stride == 1 and c_in == c_out:
        return nn.Identity()  # Eq. (1): y = F(x, {W_i}) + x
    if option == "A":
        return ZeroPadShortcut(c_in, c_out, stride)
    # Option B: Eq. (2), y = F(x, {W_i}) + W_s x, with W_s "done by 1x1 convolutions"
    # (and, as after every convolution here, batch normalisation, Section 3.4)
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False),
                         nn.BatchNorm2d(c_out))


class Block(nn.Module):
    """Two 3x3 conv-BN layers with ReLUs; residual blocks add the input before the last ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, *, residual: bool = True,
                 option: str = "A"):
        super().__init__()
        self.residual = residual
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = shortcut(c_in, c_out, stride, option) if residual else None

    def forward(self, x):  # x: c_in x H x W
        # Section 3.2: F(x, {W_i}) = W2 σ(W1 x), σ the ReLU, with batch normalisation "right
        # after each convolution and before activation" (Section 3.4).
        out = F.relu(self.bn1(self.conv1(x)))  # σ(W1 x): c_out x H/stride x W/stride
        out = self.bn2(self.conv2(out))  # F(x, {W_i}) = W2 σ(W1 x), same shape
        if self.residual:
            # Eq. (1): y = F(x, {W_i}) + x, "performed by a shortcut connection and
            # element-wise addition"; where the shape changes, Eq. (2): y = F + W_s x
            # (option B) or the zero-padded x (option A), Section 3.3.
            out = out + self.shortcut(x)
        # "We adopt the second nonlinearity after the addition (i.e., σ(y))"; a plain block
        # is the same without the addition.
        return F.relu(out)


class CifarNet(nn.Module):
    """The paper's 6n + 2 layer CIFAR-10 net, plain or residual (Section 4.2, Table 6).

    ``CifarNet(56, residual=False)`` is plain-56 of Figure 6; ``CifarNet(56)`` is ResNet-56.
    """

    def __init__(self, depth: int = 20, *, residual: bool = True, option: str = "A",
                 width: int = 16, n_classes: int = 10):
        super().__init__()
        n = blocks_per_stage(depth)
        self.depth, self.residual, self.option, self.width = depth, residual, option, width
        # Section 4.2: "The first layer is 3x3 convolutions."
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(width), nn.ReLU())

        def stage(c_in, c_out, stride):
            """n blocks, 2n layers; "The subsampling is performed by convolutions with a
            stride of 2", in the first block."""
            return nn.Sequential(
                Block(c_in, c_out, stride, residual=residual, option=option),
                *[Block(c_out, c_out, 1, residual=residual, option=option)
                  for _ in range(n - 1)])

        # "a stack of 6n layers with 3x3 convolutions on the feature maps of sizes
        # {32, 16, 8} respectively, with 2n layers for each feature map size. The numbers
        # of filters are {16, 32, 64} respectively."
        self.stages = nn.Sequential(
            stage(width, width, stride=1),  # 16 x 32 x 32
            stage(width, 2 * width, stride=2),  # 32 x 16 x 16
            stage(2 * width, 4 * width, stride=2),  # 64 x 8 x 8
        )
        # "The network ends with a global average pooling, a 10-way fully-connected layer,
        # and softmax." (the softmax is left to the loss)
        self.fc = nn.Linear(4 * width, n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    @property
    def name(self) -> str:
        return f"{'ResNet' if self.residual else 'plain'}-{self.depth}"

    def forward(self, x):  # x: 3 x 32 x 32; channels for width=16 (Section 4.2)
        x = self.stem(x)  # 16 x 32 x 32: the first layer, 3x3 convolutions
        x = self.stages[0](x)  # 16 x 32 x 32: n blocks, 2n layers
        x = self.stages[1](x)  # 32 x 16 x 16: the first convolution has stride 2
        x = self.stages[2](x)  # 64 x 8 x 8: likewise
        x = x.mean((2, 3))  # 64: global average pooling
        return self.fc(x)  # 10: the 10-way fully connected layer (logits)


@torch.no_grad()
def make_identity(block: Block) -> Block:
    """Set a block's weights so that, in eval mode, it passes its (non-negative) input through.

    A residual block needs only its last batch norm's scale and shift at zero: then F(x) = 0
    and the block gives ReLU(x) = x. A plain block has to copy its input through both
    convolutions: a kernel that is 1 at its centre for its own channel and 0 elsewhere, and
    batch norms that change nothing (mean 0, variance 1, eps 0, scale 1, shift 0). Either
    way the input must be non-negative, which it is after a ReLU, and the block's width
    must stay the same.
    """
    if block.conv1.stride != (1, 1) or block.conv1.in_channels != block.conv1.out_channels:
        raise ValueError("only a block that keeps the shape can be the identity")
    if block.residual:
        block.bn2.weight.zero_()
        block.bn2.bias.zero_()
        return block
    for conv, bn in ((block.conv1, block.bn1), (block.conv2, block.bn2)):
        conv.weight.zero_()
        centre = conv.kernel_size[0] // 2
        for c in range(conv.out_channels):
            conv.weight[c, c, centre, centre] = 1.0
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0)
        bn.eps = 0.0
        bn.weight.fill_(1.0)
        bn.bias.zero_()
    return block


def deepen(net: CifarNet, depth: int) -> CifarNet:
    """A deeper copy of `net`: its own blocks first in each stage, then identity blocks.

    The construction of the paper's introduction: the deeper net computes exactly what the
    shallower one does, so its training error can be no higher.
    """
    n_old, n_new = blocks_per_stage(net.depth), blocks_per_stage(depth)
    if n_new < n_old:
        raise ValueError(f"cannot deepen a {net.depth}-layer net to {depth} layers")
    deep = CifarNet(depth, residual=net.residual, option=net.option, width=net.width,
                    n_classes=net.fc.out_features)
    deep.stem = copy.deepcopy(net.stem)
    deep.fc = copy.deepcopy(net.fc)
    for old_stage, new_stage in zip(net.stages, deep.stages):
        for j in range(n_new):
            if j < n_old:
                new_stage[j] = copy.deepcopy(old_stage[j])
            else:
                make_identity(new_stage[j])
    return deep.to(next(net.parameters()).device)


def block_stack(n_layers: int, width: int, *, residual: bool = True) -> nn.Sequential:
    """`n_layers` 3x3 convolutions of one width, in blocks of two, with or without shortcuts.

    The stack keeps its input's shape, so it can be asked to learn the identity: the task
    the paper's introduction suspects solvers find hard for plain layers.
    """
    if n_layers < 2 or n_layers % 2:
        raise ValueError(f"a stack of blocks has an even number of layers, not {n_layers}")
    return nn.Sequential(*[Block(width, width, residual=residual) for _ in range(n_layers // 2)])
