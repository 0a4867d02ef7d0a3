"""The Inception module and GoogLeNet (Szegedy et al., 2014, "Going Deeper with Convolutions").

An Inception module runs four branches side by side on the same input and concatenates
their outputs along the channels (Section 4, Figure 2):

- a 1x1 convolution (#1x1 filters);
- a 1x1 "reduction" to #3x3 reduce channels, then a 3x3 convolution (#3x3);
- a 1x1 reduction to #5x5 reduce channels, then a 5x5 convolution (#5x5);
- a 3x3 max pooling with stride 1, then a 1x1 "projection" (pool proj).

Every convolution, reductions and projections included, is followed by a ReLU. The six
numbers are the columns of the paper's Table 1. With ``naive=True`` the module is the
paper's Figure 2a instead: the 3x3 and 5x5 convolutions work on the input directly, and
the pooled input itself is concatenated (no projection), so the output has
``#1x1 + #3x3 + #5x5 + input channels`` channels.

`GoogLeNet` is the network of Table 1 and Figure 3 for 224x224 RGB inputs, with the
paper's layers in the paper's order: 7x7/2 convolution, 3x3/2 max pooling, local response
normalisation, 1x1 and 3x3 convolutions, normalisation, max pooling, nine Inception
modules with max poolings after (3b) and (4e), 7x7 average pooling, dropout (40%) and a
linear layer to the classes. Its submodules carry torchvision's names (``conv1``,
``maxpool1``, ``inception3a`` ...), and `ROWS` says which of them make each row of Table 1.

Departures from the paper, and choices it leaves open:

- The auxiliary classifiers are not part of `GoogLeNet` (they are used in training only;
  see `reading_group.auxiliary`, which attaches them after ``inception4a`` and
  ``inception4d``).
- Padding is not printed; convolutions use "same" padding (k // 2), and the stride-2 max
  poolings round up (``ceil_mode=True``, as torchvision does), which gives Table 1's
  output sizes exactly.
- The paper gives no constants for its local response normalisation; `GOOGLENET_LRN`
  holds the ones used here (window 5, alpha 1e-4, beta 0.75, k 1, in PyTorch's
  convention, which divides alpha by the window as Caffe does). LRN has no parameters.
- The paper's model returns the softmax; ours returns the logits, and the loss applies
  the softmax.
- Initialisation is PyTorch's default; the paper does not state one in the text.
- ``batchnorm=True`` (for the small CIFAR net) puts a batch normalisation between each
  convolution and its ReLU, and drops the convolution's bias: that is Inception v2
  (Ioffe & Szegedy, 2015), not this paper, and is named wherever it is used.

`SmallGoogLeNet` is not from the paper: the same modules with Table 1's widths scaled
down, for 32x32 CIFAR-10 images. `PlainCNN` is a plain stack of 3x3 convolutions to
compare it with.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .papers import GOOGLENET_TABLE1

BRANCH_NAMES = ("#1x1", "#3x3 reduce", "#3x3", "#5x5 reduce", "#5x5", "pool proj")
"""The six numbers that configure an Inception module, in Table 1's order."""

TABLE1_WIDTHS = {r.name: r.widths for r in GOOGLENET_TABLE1 if r.type == "inception"}
"""The nine modules' six numbers, ``{"3a": (64, 96, 128, 16, 32, 32), ...}``."""

GOOGLENET_LRN = dict(size=5, alpha=1e-4, beta=0.75, k=1.0)


def conv_relu(c_in: int, c_out: int, k: int, stride: int = 1, batchnorm: bool = False):
    """A k x k convolution with "same" padding and a ReLU (with a BatchNorm between them
    when `batchnorm`, the convolution then without bias)."""
    layers = [nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, bias=not batchnorm)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def conv1x1_as_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None):
    """A 1x1 convolution computed as one linear layer applied at every pixel.

    `weight` is the convolution's ``[out, in, 1, 1]`` (or a Linear layer's ``[out, in]``).
    Moving the channels last turns ``[N, C, H, W]`` into N*H*W vectors of C numbers; one
    matrix product maps each to ``out`` numbers, and the channels move back.
    """
    y = x.permute(0, 2, 3, 1) @ weight.flatten(1).T
    if bias is not None:
        y = y + bias
    return y.permute(0, 3, 1, 2)


class Inception(nn.Module):
    """Four branches on one input, concatenated along the channels.

    ``Inception(c_in, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj)`` takes the
    numbers in Table 1's order. ``naive=True`` builds Figure 2a: no reductions and no
    projection (`n3x3_reduce`, `n5x5_reduce` and `pool_proj` are then unused), the pooled
    input passes through unchanged. `out_channels` is the width of the output.
    """

    def __init__(self, c_in: int, n1x1: int, n3x3_reduce: int, n3x3: int, n5x5_reduce: int,
                 n5x5: int, pool_proj: int, *, naive: bool = False, batchnorm: bool = False):
        super().__init__()
        self.naive = naive
        self.branch1 = conv_relu(c_in, n1x1, 1, batchnorm=batchnorm)
        pool = nn.MaxPool2d(3, stride=1, padding=1)
        if naive:
            self.branch3 = conv_relu(c_in, n3x3, 3, batchnorm=batchnorm)
            self.branch5 = conv_relu(c_in, n5x5, 5, batchnorm=batchnorm)
            self.branch_pool = pool
            self.out_channels = n1x1 + n3x3 + n5x5 + c_in
        else:
            self.branch3 = nn.Sequential(conv_relu(c_in, n3x3_reduce, 1, batchnorm=batchnorm),
                                         conv_relu(n3x3_reduce, n3x3, 3, batchnorm=batchnorm))
            self.branch5 = nn.Sequential(conv_relu(c_in, n5x5_reduce, 1, batchnorm=batchnorm),
                                         conv_relu(n5x5_reduce, n5x5, 5, batchnorm=batchnorm))
            self.branch_pool = nn.Sequential(pool, conv_relu(c_in, pool_proj, 1,
                                                             batchnorm=batchnorm))
            self.out_channels = n1x1 + n3x3 + n5x5 + pool_proj

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x),
                          self.branch_pool(x)], dim=1)


def inception_cost(c_in: int, widths, side: int, *, naive: bool = False,
                   bias: bool = True) -> dict[str, tuple[int, int]]:
    """Parameters and multiply-adds of each convolution of an Inception module, by hand.

    `widths` are the six numbers of Table 1; `side` is the height (= width) of the input,
    which the module keeps. A k x k convolution from a to b channels has ``k*k*a*b``
    weights (plus b biases) and does ``k*k*a*b`` multiply-adds at each of the ``side**2``
    output positions. Returns ``{convolution: (params, multiply-adds)}``; pooling has
    neither.
    """
    n1, r3, n3, r5, n5, pp = widths
    convs = {"1x1": (c_in, n1, 1)}
    if naive:
        convs.update({"3x3": (c_in, n3, 3), "5x5": (c_in, n5, 5)})
    else:
        convs.update({"3x3 reduce": (c_in, r3, 1), "3x3": (r3, n3, 3),
                      "5x5 reduce": (c_in, r5, 1), "5x5": (r5, n5, 5), "pool proj": (c_in, pp, 1)})
    return {name: (k * k * a * b + (b if bias else 0), k * k * a * b * side * side)
            for name, (a, b, k) in convs.items()}


def inception_out_channels(c_in: int, widths, *, naive: bool = False) -> int:
    n1, _, n3, _, n5, pp = widths
    return n1 + n3 + n5 + (c_in if naive else pp)


def table1_weights() -> dict[str, tuple[int, int]]:
    """Weights (biases left out) and multiply-adds of each Table 1 row that has parameters,
    worked out from the table's other columns alone: patch size, output size, the six
    widths, and the channels of the row above as input.

    ``{row: (weights, multiply-adds)}``; multiply-adds are weights times the output's
    height times width (one use of every weight at every output position).
    """
    out, c_in = {}, 3
    for r in GOOGLENET_TABLE1:
        h, w, c = r.output
        if r.type == "convolution" and r.widths is None:
            k = int(r.patch.split("x")[0])
            weights = k * k * c_in * c
        elif r.type == "convolution":
            reduce, n = r.widths[1], r.widths[2]
            weights = c_in * reduce + 9 * reduce * n
        elif r.type == "inception":
            weights = sum(p for p, _ in inception_cost(c_in, r.widths, 1, bias=False).values())
        elif r.type == "linear":
            weights = c_in * c
        else:
            c_in = c
            continue
        out[r.name] = (weights, weights * h * w)
        c_in = c
    return out


def printed_params_follow(printed_k: float, weights: int) -> bool:
    """Whether a printed "K" figure is the weight count, with K = 1024 and the printed
    figure off by at most one unit of its last digit (rounding either way)."""
    return abs(printed_k - weights / 1024) <= 1


class GoogLeNet(nn.Module):
    """GoogLeNet as in Table 1 and Figure 3 of the paper, for 224x224 RGB inputs.

    ``GoogLeNet(n_classes=1000)`` is the paper's model (without its training-time
    auxiliary classifiers). ``lrn=False`` leaves out the two local response
    normalisations; `dropout` is the share of outputs dropped before the classifier.
    """

    ROWS = {
        "conv1": ["conv1"], "maxpool1": ["maxpool1", "lrn1"], "conv2": ["conv2", "lrn2"],
        "maxpool2": ["maxpool2"],
        "3a": ["inception3a"], "3b": ["inception3b"], "maxpool3": ["maxpool3"],
        "4a": ["inception4a"], "4b": ["inception4b"], "4c": ["inception4c"],
        "4d": ["inception4d"], "4e": ["inception4e"], "maxpool4": ["maxpool4"],
        "5a": ["inception5a"], "5b": ["inception5b"], "avgpool": ["avgpool"],
        "dropout": ["dropout"], "linear": ["fc"],
    }
    """Which submodules make each row of Table 1 (the softmax is left to the loss)."""

    def __init__(self, n_classes: int = 1000, *, dropout: float = 0.4, lrn: bool = True):
        super().__init__()
        w = TABLE1_WIDTHS
        self.conv1 = conv_relu(3, 64, 7, stride=2)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.lrn1 = nn.LocalResponseNorm(**GOOGLENET_LRN) if lrn else nn.Identity()
        self.conv2 = nn.Sequential(conv_relu(64, 64, 1), conv_relu(64, 192, 3))
        self.lrn2 = nn.LocalResponseNorm(**GOOGLENET_LRN) if lrn else nn.Identity()
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(192, *w["3a"])
        self.inception3b = Inception(256, *w["3b"])
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(480, *w["4a"])
        self.inception4b = Inception(512, *w["4b"])
        self.inception4c = Inception(512, *w["4c"])
        self.inception4d = Inception(512, *w["4d"])
        self.inception4e = Inception(528, *w["4e"])
        self.maxpool4 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception5a = Inception(832, *w["5a"])
        self.inception5b = Inception(832, *w["5b"])
        self.avgpool = nn.AvgPool2d(7, stride=1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(1024, n_classes)

    def forward(self, x):
        x = self.lrn1(self.maxpool1(self.conv1(x)))
        x = self.maxpool2(self.lrn2(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        for name in ("4a", "4b", "4c", "4d", "4e"):
            x = getattr(self, f"inception{name}")(x)
        x = self.inception5b(self.inception5a(self.maxpool4(x)))
        x = self.dropout(self.avgpool(x).flatten(1))
        return self.fc(x)


TORCHVISION_ROWS = {
    "conv1": ["conv1"], "maxpool1": ["maxpool1"], "conv2": ["conv2", "conv3"],
    "maxpool2": ["maxpool2"], "3a": ["inception3a"], "3b": ["inception3b"],
    "maxpool3": ["maxpool3"], "4a": ["inception4a"], "4b": ["inception4b"],
    "4c": ["inception4c"], "4d": ["inception4d"], "4e": ["inception4e"],
    "maxpool4": ["maxpool4"], "5a": ["inception5a"], "5b": ["inception5b"],
    "avgpool": ["avgpool"], "dropout": ["dropout"], "linear": ["fc"],
}
"""Which submodules of `torchvision.models.googlenet` make each row of Table 1."""


def scaled(widths, factor: float) -> tuple[int, ...]:
    """Table 1's six numbers multiplied by `factor`, rounded, at least 1 each."""
    return tuple(max(1, round(w * factor)) for w in widths)


class SmallGoogLeNet(nn.Module):
    """GoogLeNet's nine Inception modules with Table 1's widths times `width`, for 32x32 inputs.

    Not from the paper. The stem is one 3x3 convolution with ``192 * width`` filters at
    32x32 (the paper's stem cuts 224x224 down to 28x28, which a 32x32 image cannot afford),
    then the paper's layout: 3x3/2 max pooling, (3a) and (3b) at 16x16, max pooling, (4a)
    to (4e) at 8x8, max pooling, (5a) and (5b) at 4x4, global average pooling, dropout
    and a linear layer. No LRN. ``batchnorm=True`` adds batch normalisation after every
    convolution (Inception v2's addition, not this paper's).
    """

    def __init__(self, width: float = 0.25, n_classes: int = 10, *, dropout: float = 0.4,
                 batchnorm: bool = False):
        super().__init__()
        c = max(1, round(192 * width))
        self.stem = conv_relu(3, c, 3, batchnorm=batchnorm)
        stages = []
        for names in (("3a", "3b"), ("4a", "4b", "4c", "4d", "4e"), ("5a", "5b")):
            layers = [nn.MaxPool2d(3, stride=2, padding=1)]
            for name in names:
                module = Inception(c, *scaled(TABLE1_WIDTHS[name], width), batchnorm=batchnorm)
                layers.append(module)
                c = module.out_channels
            stages.append(nn.Sequential(*layers))
        self.stage3, self.stage4, self.stage5 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x):
        x = self.stage5(self.stage4(self.stage3(self.stem(x))))
        return self.fc(self.dropout(self.pool(x).flatten(1)))


