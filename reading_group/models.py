"""Models shared by the notebooks, written so their layers read like the papers' tables.

This module grows with the notebooks.
"""

from __future__ import annotations

import torch.nn as nn

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
