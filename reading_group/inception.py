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

import math
import numbers

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
    layers = [nn.Conv2d(c_in, c_out, kernel_size=k, stride=stride, padding=k // 2,
                        bias=not batchnorm)]
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
        bn = batchnorm
        self.branch1 = conv_relu(c_in, n1x1, k=1, batchnorm=bn)
        pool = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        if naive:  # Figure 2a
            self.branch3 = conv_relu(c_in, n3x3, k=3, batchnorm=bn)
            self.branch5 = conv_relu(c_in, n5x5, k=5, batchnorm=bn)
            self.branch_pool = pool
            self.out_channels = n1x1 + n3x3 + n5x5 + c_in
        else:  # Figure 2b
            self.branch3 = nn.Sequential(conv_relu(c_in, n3x3_reduce, k=1, batchnorm=bn),
                                         conv_relu(n3x3_reduce, n3x3, k=3, batchnorm=bn))
            self.branch5 = nn.Sequential(conv_relu(c_in, n5x5_reduce, k=1, batchnorm=bn),
                                         conv_relu(n5x5_reduce, n5x5, k=5, batchnorm=bn))
            self.branch_pool = nn.Sequential(pool, conv_relu(c_in, pool_proj, k=1, batchnorm=bn))
            self.out_channels = n1x1 + n3x3 + n5x5 + pool_proj

    def forward(self, x):  # x: c_in x H x W; every branch keeps H x W ("same" padding)
        # Section 4: "filter sizes 1x1, 3x3 and 5x5" side by side, plus "an alternative
        # parallel pooling path". Figure 2b puts "1x1 convolutions ... to compute
        # reductions before the expensive 3x3 and 5x5 convolutions" and after the pooling.
        # Figure 2a (naive) has no reductions and no projection: its pooling branch gives
        # the pooled input itself, c_in x H x W.
        b1 = self.branch1(x)  # #1x1 x H x W: 1x1 convolutions
        b3 = self.branch3(x)  # #3x3 x H x W: 1x1 down to #3x3 reduce, then 3x3
        b5 = self.branch5(x)  # #5x5 x H x W: 1x1 down to #5x5 reduce, then 5x5
        bp = self.branch_pool(x)  # pool proj x H x W: 3x3 max pooling (stride 1), 1x1 projection
        # "Filter concatenation" (Figure 2): "output filter banks concatenated into a single
        # output vector forming the input of the next stage"
        return torch.cat([b1, b3, b5, bp], dim=1)  # out_channels x H x W

    def table1_widths(self) -> tuple:
        """The six numbers of Table 1 read back from this module's convolutions (None for
        the reductions and the projection that a naive module lacks)."""
        if self.naive:
            return (self.branch1[0].out_channels, None, self.branch3[0].out_channels, None,
                    self.branch5[0].out_channels, None)
        return (self.branch1[0].out_channels,
                self.branch3[0][0].out_channels, self.branch3[1][0].out_channels,
                self.branch5[0][0].out_channels, self.branch5[1][0].out_channels,
                self.branch_pool[1][0].out_channels)


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
        # Table 1, row by row (the comments give each row's output size from the table,
        # written channels x height x width). "All the convolutions, including those inside
        # the Inception modules, use rectified linear activation" (Section 5).
        self.conv1 = conv_relu(3, 64, k=7, stride=2)  # conv1 7x7/2: 64 x 112 x 112
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # 64 x 56 x 56
        self.lrn1 = nn.LocalResponseNorm(**GOOGLENET_LRN) if lrn else nn.Identity()
        self.conv2 = nn.Sequential(conv_relu(64, 64, k=1),  # conv2, "#3x3 reduce" 64
                                   conv_relu(64, 192, k=3))  # conv2 3x3/1: 192 x 56 x 56
        self.lrn2 = nn.LocalResponseNorm(**GOOGLENET_LRN) if lrn else nn.Identity()
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # 192 x 28 x 28
        # Inception(input channels, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)  # 3a: 256 x 28 x 28
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)  # 3b: 480 x 28 x 28
        self.maxpool3 = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # 480 x 14 x 14
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)  # 4a: 512 x 14 x 14
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)  # 4b: 512 x 14 x 14
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)  # 4c: 512 x 14 x 14
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)  # 4d: 528 x 14 x 14
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)  # 4e: 832 x 14 x 14
        self.maxpool4 = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # 832 x 7 x 7
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)  # 5a: 832 x 7 x 7
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)  # 5b: 1024 x 7 x 7
        self.avgpool = nn.AvgPool2d(kernel_size=7, stride=1)  # avg pool 7x7/1: 1024 x 1 x 1
        self.dropout = nn.Dropout(dropout)  # dropout (40%)
        self.fc = nn.Linear(1024, n_classes)  # linear: 1000

    def forward(self, x):  # x: 3 x 224 x 224; Figure 3, bottom to top
        x = self.conv1(x)  # 64 x 112 x 112
        x = self.maxpool1(x)  # 64 x 56 x 56
        x = self.lrn1(x)  # Figure 3's "LocalRespNorm" after the first max pooling
        x = self.conv2(x)  # 192 x 56 x 56: 1x1 then 3x3 (Table 1's depth 2)
        x = self.lrn2(x)  # and a second one before the next max pooling
        x = self.maxpool2(x)  # 192 x 28 x 28
        x = self.inception3a(x)  # 256 x 28 x 28
        x = self.inception3b(x)  # 480 x 28 x 28
        x = self.maxpool3(x)  # 480 x 14 x 14
        x = self.inception4a(x)  # 512 x 14 x 14 (the first auxiliary head's input)
        x = self.inception4b(x)  # 512 x 14 x 14
        x = self.inception4c(x)  # 512 x 14 x 14
        x = self.inception4d(x)  # 528 x 14 x 14 (the second auxiliary head's input)
        x = self.inception4e(x)  # 832 x 14 x 14
        x = self.maxpool4(x)  # 832 x 7 x 7
        x = self.inception5a(x)  # 832 x 7 x 7
        x = self.inception5b(x)  # 1024 x 7 x 7
        # Section 5: "average pooling before the classifier", and "the use of dropout
        # remained essential even after removing the fully connected layers"
        x = self.avgpool(x)  # 1024 x 1 x 1
        x = self.dropout(x.flatten(1))  # 1024
        return self.fc(x)  # n_classes logits (the paper's softmax is left to the loss)


def googlenet_widths(model: GoogLeNet) -> dict[str, tuple]:
    """The six numbers of each Inception module of `model`, read back from its
    convolutions, ``{"3a": (64, 96, 128, 16, 32, 32), ...}``: equal to `TABLE1_WIDTHS`
    for the paper's net (tested), so the literal rows above are Table 1's."""
    return {name: model.get_submodule(f"inception{name}").table1_widths()
            for name in TABLE1_WIDTHS}


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


MAX_SMALL_PARAMS = 100_000_000
"""The most parameters `SmallGoogLeNet` builds (width about 4; width 1 has about 6 million):
beyond it a typo (width=25 for 0.25) would fill the memory before any error."""


def small_googlenet_params(width: float, n_classes: int = 10) -> int:
    """Parameters of ``SmallGoogLeNet(width, n_classes)`` without batch normalisation, by
    hand (`inception_cost`), so a width can be refused before any weight is allocated."""
    c = max(1, round(192 * width))
    total = 3 * 3 * 3 * c + c  # the stem
    for name in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
        widths = scaled(TABLE1_WIDTHS[name], width)
        total += sum(params for params, _ in inception_cost(c, widths, 1).values())
        c = inception_out_channels(c, widths)
    return total + c * n_classes + n_classes


class SmallGoogLeNet(nn.Module):
    """GoogLeNet's nine Inception modules with Table 1's widths times `width`, for 32x32 inputs.

    `width` multiplies every number of Table 1 (each rounded, at least 1): 1 gives the
    paper's widths (about 6 million parameters), 0.25 (the default) a quarter of each,
    about 16 times fewer parameters. It must be a number > 0, and small enough that the
    net keeps to `MAX_SMALL_PARAMS` (width up to about 4); anything else is a ValueError
    naming width.

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
        if isinstance(width, bool) or not isinstance(width, numbers.Real) or not width > 0:
            raise ValueError(f"width must be a number > 0 (it multiplies Table 1's widths: 1 "
                             f"is the paper's, 0.25 a quarter of each), got {width!r}. Fix: "
                             f"pass width=0.25, say.")
        if not math.isfinite(width) or small_googlenet_params(width, n_classes) > MAX_SMALL_PARAMS:
            raise ValueError(f"width={width!r} multiplies Table 1's widths into a net of more "
                             f"than {MAX_SMALL_PARAMS:,} parameters (width 1, the paper's "
                             f"widths, has about 6 million). Fix: pass a width of at most "
                             f"about 4; the notebooks use 0.25 to 1.")
        c = max(1, round(192 * width))
        self.stem = conv_relu(3, c, k=3, batchnorm=batchnorm)
        stages = []  # each: a 3x3/2 max pooling, then its Inception modules
        for names in (("3a", "3b"), ("4a", "4b", "4c", "4d", "4e"), ("5a", "5b")):
            layers = [nn.MaxPool2d(kernel_size=3, stride=2, padding=1)]
            for name in names:
                module = Inception(c, *scaled(TABLE1_WIDTHS[name], width), batchnorm=batchnorm)
                layers.append(module)
                c = module.out_channels
            stages.append(nn.Sequential(*layers))
        self.stage3, self.stage4, self.stage5 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x):  # x: 3 x 32 x 32; channels are for width=0.25
        x = self.stem(x)  # 48 x 32 x 32: one 3x3 convolution for Table 1's conv1 to conv2
        x = self.stage3(x)  # 120 x 16 x 16: max pooling (maxpool2), (3a), (3b)
        x = self.stage4(x)  # 208 x 8 x 8: max pooling (maxpool3), (4a) to (4e)
        x = self.stage5(x)  # 256 x 4 x 4: max pooling (maxpool4), (5a), (5b)
        x = self.pool(x).flatten(1)  # 256: Section 5's average pooling, over the whole map
        return self.fc(self.dropout(x))  # Table 1's dropout (40%) and linear layer


