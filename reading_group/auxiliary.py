"""GoogLeNet's auxiliary classifiers (Szegedy et al., 2014, "Going Deeper with Convolutions",
Section 5), attachable after any stage of a net, and a plain deep conv net to try them on.

GoogLeNet is 22 layers deep. To give its lower layers a stronger gradient (and some extra
regularisation) the paper puts two small classifiers on intermediate outputs, those of
Inception (4a) and (4d). Each is:

- 5x5 average pooling with stride 3 (4x4x512 out of 4a's 14x14x512, 4x4x528 out of 4d's);
- a 1x1 convolution with 128 filters and a ReLU;
- a fully connected layer with 1024 units and a ReLU;
- dropout with 70% of the outputs dropped;
- a linear layer to the classes, trained with a softmax (cross-entropy) loss.

During training each head's loss is added to the main loss with weight 0.3 (`fit` does
this for a model that returns ``(main, aux1, aux2, ...)``: see `train.total_loss`); at
inference the heads are discarded.

`AuxiliaryHead` is that head; `WithAuxiliaryHeads` attaches heads to named submodules of
any net with forward hooks and, in eval mode, returns the main logits alone; `strip()`
hands back the bare net. `PlainConvNet` is a deep stack of 3x3 convolutions and ReLUs
without batch normalisation, deep enough for its first layers' gradients to be weak.

Departures from the paper:

- ``pool="adaptive"`` replaces the fixed 5x5/3 pooling by an adaptive average pooling to
  the paper's 4x4 grid, so the head works on feature maps of any size (CIFAR's are 16x16
  or smaller; 5x5/3 pooling gives a 4x4 grid only from 14x14 to 16x16 maps, and nothing
  at all below 5x5). The layers after the pooling, and so the parameter count, are then
  the paper's.
- Dropout is PyTorch's inverted form (survivors scaled by 1/(1-p) in training), which
  gives the same expected outputs as the paper's.
- `PlainConvNet` is not from the paper: a stand-in for "a deep net without batch
  normalisation" that trains in minutes on a CPU. Its stem, three stages of 3x3
  convolutions (16, 32 and 64 channels by default, at 16x16, 8x8 and 4x4) and global
  average pooling follow the CIFAR nets of He et al. (2015), Section 4.2, minus their
  batch normalisation and with a 2x2 max pooling after the stem to cut the cost.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .probes import count_params

PAPER_TAPS = ("4a", "4d")
"""Where GoogLeNet attaches its heads: after Inception (4a) and (4d)."""
PAPER_INPUTS = {"4a": (512, 14, 14), "4d": (528, 14, 14)}
"""The feature maps the paper's heads see (channels, height, width), Table 1."""


class AuxiliaryHead(nn.Module):
    """The paper's auxiliary classifier, for feature maps of `in_channels` channels.

    ``pool="paper"``: 5x5 average pooling with stride 3, as printed (14x14 maps give a 4x4
    grid). ``pool="adaptive"``: average pooling to a `grid` x `grid` output whatever the
    input size (a stated departure, for small inputs).
    """

    def __init__(self, in_channels: int, n_classes: int = 1000, *, pool: str = "paper",
                 grid: int = 4, width: int = 128, hidden: int = 1024, p: float = 0.7):
        super().__init__()
        if pool == "paper":
            self.pool = nn.AvgPool2d(kernel_size=5, stride=3)
        elif pool == "adaptive":
            self.pool = nn.AdaptiveAvgPool2d(grid)
        else:
            raise ValueError(f"pool must be 'paper' or 'adaptive', got {pool!r}")
        self.conv = nn.Conv2d(in_channels, width, kernel_size=1)
        self.fc = nn.Linear(width * grid * grid, hidden)
        self.dropout = nn.Dropout(p=p)
        self.classifier = nn.Linear(hidden, n_classes)
        self.relu = nn.ReLU()

    def forward(self, x):  # x: 512 x 14 x 14 after (4a), 528 x 14 x 14 after (4d)
        # Section 5, item by item. "An average pooling layer with 5x5 filter size and
        # stride 3, resulting in an 4x4x512 output for the (4a), and 4x4x528 for the (4d)
        # stage."
        x = self.pool(x)  # in_channels x 4 x 4
        # "A 1x1 convolution with 128 filters for dimension reduction and rectified linear
        # activation."
        x = self.relu(self.conv(x))  # 128 x 4 x 4
        # "A fully connected layer with 1024 units and rectified linear activation."
        x = self.relu(self.fc(x.flatten(1)))  # 1024
        # "A dropout layer with 70% ratio of dropped outputs."
        x = self.dropout(x)  # 1024
        # "A linear layer with softmax loss as the classifier (predicting the same 1000
        # classes as the main classifier, but removed at inference time)." The softmax is
        # left to the loss.
        return self.classifier(x)  # n_classes logits


def head_params(in_channels: int, n_classes: int = 1000, *, grid: int = 4, width: int = 128,
                hidden: int = 1024) -> int:
    """The head's weights and biases counted by hand: 1x1 conv, fully connected, classifier."""
    conv = in_channels * width + width
    fc = width * grid * grid * hidden + hidden
    classifier = hidden * n_classes + n_classes
    return conv + fc + classifier


class WithAuxiliaryHeads(nn.Module):
    """`model` with an auxiliary head after each named submodule.

    `heads` maps a submodule's name (as in ``model.named_modules()``, such as
    ``"stage1"`` or ``"inception4a"``) to the head fed by that submodule's output. In
    training mode the forward pass returns ``(main logits, head 1 logits, ...)`` in the
    order of `heads`, which `train.fit` turns into main loss + ``aux_weight`` x each head's
    loss; in eval mode it returns the main logits alone, and the heads are not run.

    The outputs are caught with forward hooks, which store them only during this
    wrapper's own forward pass: `model` is left unchanged, and after `strip()` it runs
    exactly as it did before the heads were attached.
    """

    def __init__(self, model: nn.Module, heads: dict[str, nn.Module]):
        super().__init__()
        self.model = model
        self.taps = list(heads)
        self.heads = nn.ModuleList(heads.values())
        self._caught: dict[str, torch.Tensor] | None = None
        self._hooks = [model.get_submodule(name).register_forward_hook(self._catcher(name))
                       for name in self.taps]

    def _catcher(self, name):
        def catch(_module, _inputs, output):
            if self._caught is not None:
                self._caught[name] = output
        return catch

    def forward(self, x):
        if not self.training:
            # Section 5: "At inference time, these auxiliary networks are discarded."
            return self.model(x)
        # The main net runs as it is; the hooks keep the outputs of the tapped submodules,
        # the paper's "intermediate layers" ((4a) and (4d) in GoogLeNet).
        self._caught = {}
        try:
            main = self.model(x)  # the main classifier's logits
            caught = self._caught
        finally:
            self._caught = None
        # "auxiliary classifiers connected to these intermediate layers": one head on each
        # tapped output. "During training, their loss gets added to the total loss of the
        # network with a discount weight" (0.3; `train.total_loss`).
        return (main, *[head(caught[name]) for name, head in zip(self.taps, self.heads)])

    def strip(self) -> nn.Module:
        """The net without its heads, for inference: removes the hooks and returns `model`
        (its weights are shared, not copied). The wrapper cannot train after this."""
        for h in self._hooks:
            h.remove()
        self._hooks = []
        return self.model

    def head_params(self) -> int:
        return sum(count_params(h) for h in self.heads)


