"""The small nets the experiments train on a CPU: stand-ins for the papers' big models, and
the plain baselines the papers' ideas are compared with.

None of these is a paper's full model (those live in `alexnet`, `inception` and `resnet`):

- `Figure1CNN`: the four-layer CIFAR-10 CNN of AlexNet's Figure 1 (notebooks 01, 02);
- `DeepMLP` and `initialise`: deep fully connected nets for gradient probes (01);
- `ConvFCNet`: a small conv part under an AlexNet-like fully connected head (03);
- `SmallCNN`: a tiny reference net for smoke runs, tests and benchmarks (00);
- `PlainCNN`: a plain stack of 3x3 convolutions, the baseline for a small GoogLeNet (05);
- `PlainConvNet`: a deep plain net without batch normalisation, where auxiliary heads are
  tried (06).
"""

from __future__ import annotations

import torch.nn as nn

from .inception import conv_relu
from .layers import Dropout, LocalResponseNorm, activation


class SmallCNN(nn.Module):
    """Two conv-ReLU-max-pool stages and a linear classifier, for 32x32 RGB inputs.

    Not from any of the papers: a small, fast reference net for smoke runs and tests.
    """

    def __init__(self, width: int = 16, n_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(2 * width * 8 * 8, n_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


NORMS = (None, "lrn", "batchnorm")


class Figure1CNN(nn.Module):
    """The four-layer CIFAR-10 CNN of AlexNet's Figure 1 and Section 3.3 (three convolutions
    and a fully connected layer), with a choice of activation and normalisation.

    The paper gives no more than "a four-layer convolutional neural network"; the widths
    (32, 32, 64), 5x5 kernels and 3x3 stride-2 pooling follow the CIFAR-10 configuration
    that shipped with the authors' cuda-convnet. As in AlexNet, a normalisation layer
    (`norm="lrn"` with the paper's constants, or "batchnorm") follows the activation of the
    first two convolutions, before pooling. Input: 32x32 RGB.
    """

    def __init__(self, act: str = "relu", norm: str | None = None, widths=(32, 32, 64),
                 n_classes: int = 10):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        layers, c_in = [], 3
        for i, width in enumerate(widths):
            layers += [nn.Conv2d(c_in, width, 5, padding=2), activation(act)]
            if i < 2 and norm == "lrn":
                layers.append(LocalResponseNorm())
            elif i < 2 and norm == "batchnorm":
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.MaxPool2d(3, stride=2, padding=1))
            c_in = width
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(widths[-1] * 4 * 4, n_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class ConvFCNet(nn.Module):
    """Two convolutional stages and a fully connected head like AlexNet's, for 32x32 RGB inputs.

    AlexNet keeps about 96% of its 60 million parameters in its three fully connected layers
    and puts dropout (probability `p`, 0.5 in the paper) on the inputs of the first two
    (Section 4.2); this net has that head at CIFAR scale: two hidden layers of `hidden`
    units, each preceded by dropout, then the classifier. The convolutional part is small
    (a 5x5 stride-2 convolution of `width` kernels, as AlexNet's conv1 strides by 4, and a
    3x3 one of 2 x `width`), so nearly every parameter sits in the head, where overfitting
    happens. Not from the paper: a stand-in small enough to train in a minute on a CPU.
    `inverted=False` uses the paper's form of dropout (outputs scaled at test time).
    """

    def __init__(self, width: int = 32, hidden: int = 1024, p: float = 0.0,
                 inverted: bool = True, n_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 5, stride=2, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            Dropout(p, inverted), nn.Linear(2 * width * 4 * 4, hidden), nn.ReLU(),
            Dropout(p, inverted), nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


INITS = ("default", "he", "xavier")


class DeepMLP(nn.Module):
    """`depth` fully connected layers of `width` units with one activation throughout.

    `init` sets the weights: "default" (PyTorch's, uniform with bound 1/sqrt(fan_in)),
    "he" (He et al., 2015: normal with std sqrt(2/fan_in), made for ReLU), "xavier"
    (Glorot & Bengio, 2010: normal with std sqrt(2/(fan_in+fan_out))), or a number, the std
    of a zero-mean normal (AlexNet used 0.01). Biases start at zero except with "default".
    """

    def __init__(self, depth: int = 10, width: int = 256, act: str = "relu",
                 init="default", in_features: int = 3 * 32 * 32, n_classes: int = 10):
        super().__init__()
        sizes = [in_features] + [width] * (depth - 1) + [n_classes]
        layers = [nn.Flatten()]
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < depth - 1:
                layers.append(activation(act))
        self.net = nn.Sequential(*layers)
        initialise(self, init)

    def forward(self, x):
        return self.net(x)


def initialise(model: nn.Module, init="default") -> nn.Module:
    """Re-initialise every conv and linear layer: "default", "he", "xavier" or a normal's std."""
    if init == "default":
        return model
    if not isinstance(init, (int, float)) and init not in INITS:
        raise ValueError(f"init must be one of {INITS} or a number, got {init!r}")
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            if init == "he":
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            elif init == "xavier":
                nn.init.xavier_normal_(m.weight)
            else:
                nn.init.normal_(m.weight, std=float(init))
            nn.init.zeros_(m.bias)
    return model


class PlainCNN(nn.Module):
    """A plain stack of 3x3 convolutions for 32x32 inputs, to compare with `SmallGoogLeNet`.

    Not from the paper. `widths` gives one convolution each (ReLU after, BatchNorm between
    when `batchnorm`); a 2x2 max pooling follows each but the last, then global average
    pooling, dropout and a linear layer, as in the small GoogLeNet.
    """

    def __init__(self, widths=(32, 64, 128, 256), n_classes: int = 10, *,
                 dropout: float = 0.4, batchnorm: bool = False):
        super().__init__()
        layers, c = [], 3
        for i, w in enumerate(widths):
            layers.append(conv_relu(c, w, 3, batchnorm=batchnorm))
            if i < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
            c = w
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x):
        return self.fc(self.dropout(self.pool(self.features(x)).flatten(1)))


class PlainConvNet(nn.Module):
    """A deep plain net for 32x32 RGB images: 3x3 convolutions and ReLUs, no normalisation.

    A 3x3 stem convolution at 32x32 and a 2x2 max pooling, then three stages of `n` 3x3
    convolutions each, ``widths`` channels at 16x16, 8x8 and 4x4 (the first convolution of
    stages 2 and 3 has stride 2), then global average pooling and a linear classifier:
    ``3n + 2`` layers with weights. Stages are submodules named ``stage1`` ... ``stage3``,
    where `WithAuxiliaryHeads` can attach heads. PyTorch's default initialisation is kept.
    """

    def __init__(self, n: int = 6, widths=(16, 32, 64), n_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, padding=1), nn.ReLU(),
                                  nn.MaxPool2d(2))
        c_in = widths[0]
        for i, width in enumerate(widths, start=1):
            layers = []
            for j in range(n):
                stride = 2 if (i > 1 and j == 0) else 1
                layers += [nn.Conv2d(c_in, width, 3, stride=stride, padding=1), nn.ReLU()]
                c_in = width
            self.add_module(f"stage{i}", nn.Sequential(*layers))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_in, n_classes)
        self.widths = tuple(widths)

    def forward(self, x):
        x = self.stage3(self.stage2(self.stage1(self.stem(x))))
        return self.classifier(self.pool(x).flatten(1))
