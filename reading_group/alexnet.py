"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012): the paper model and a CIFAR-scale version.

The paper's net (Section 3.5, Figure 2) has five convolutional and three fully connected
layers, trained as two "towers", one per GPU. The towers meet only at conv3 and at the
fully connected layers; conv2, conv4 and conv5 see only the maps of their own tower. Here
the towers are one model: the convolutions that stay inside a tower are grouped
convolutions (``groups=2``), whose first half of output channels sees only the first half
of input channels, and so on. Conv1 is an ordinary convolution whose first half of kernels
is tower 1's. `TowerSplit` runs the same weights as two towers on two devices.

`AlexNet` takes its sizes as arguments; `paper()` gives the paper's net for 227x227 inputs
and `cifar()` a small one with the same design for 32x32 CIFAR-10 images.

Where this code departs from the paper (and why):

- Input side 227, not the 224 the paper prints: with an 11x11 kernel at stride 4 and no
  padding, only 227 gives the 55x55 maps the paper reports ((227 - 11) / 4 + 1 = 55).
- LRN follows the paper's formula and constants (those of `layers.LocalResponseNorm`, sum
  not divided by n; `TowerLRN` computes it about five times faster on a CPU) and is applied
  to each tower's channels on their own, as on two GPUs: a single LRN over all 96 channels
  would let the two towers' border channels damp each other.
- Dropout is PyTorch's inverted dropout (survivors scaled by 2 in training) instead of the
  paper's halving of outputs at test time; the expected outputs are the same.
- `init_paper` sets the paper's initialisation (Section 5): weights from N(0, 0.01), biases
  1 in conv2, conv4, conv5 and the fully connected hidden layers, 0 elsewhere. `std="he"`
  swaps the weights for He et al.'s (2015) N(0, 2/fan_in), a later fix for deep ReLU nets
  that train slowly or not at all from a fixed small std; ``bias_one=()`` starts every
  bias at 0. The CIFAR-scale net trains with both changes: from the paper's
  initialisation it stays at chance for its first epochs, and with He weights the biases
  of 1 add a constant that grows from layer to layer.
- `cifar()` is sized for 32x32 images, not taken from the paper: 5x5 kernels in conv1
  (stride 2) and conv2, pooling padded by one pixel so that 3x3 stride-2 (overlapping)
  and 2x2 stride-2 (non-overlapping) pooling give the same map sizes (16, 8, 4, 2), and
  narrower layers.
"""

from __future__ import annotations

import numbers
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

CONV_NAMES = ("conv1", "conv2", "conv3", "conv4", "conv5")
FC_NAMES = ("fc6", "fc7", "fc8")
# Layers each tower keeps to itself (grouped); conv3 and the fully connected layers see both.
TOWER_LOCAL = ("conv2", "conv4", "conv5")
# Layers whose biases the paper sets to 1 (Section 5); the others start at 0.
BIAS_ONE = ("conv2", "conv4", "conv5", "fc6", "fc7")


class TowerLRN(nn.Module):
    """The paper's LRN (Section 3.3) applied to each tower's channels on their own.

    The same formula and constants as `layers.LocalResponseNorm` (sum over n channels not
    divided by n), computed in one pass for all towers: the window sum adds n shifted slices
    of the squares, padded with zeros inside each tower. On a CPU this is about five times
    faster than `torch.nn.LocalResponseNorm`'s pooling (tests check the two agree).
    """

    def __init__(self, towers: int = 2, n: int = 5, k: float = 2.0, alpha: float = 1e-4,
                 beta: float = 0.75):
        super().__init__()
        self.towers, self.n, self.k, self.alpha, self.beta = towers, n, k, alpha, beta

    def forward(self, x):
        b, c, h, w = x.shape
        a = x.reshape(b, self.towers, c // self.towers, h, w)
        squares = F.pad(a * a, (0, 0, 0, 0, self.n // 2, (self.n - 1) // 2))
        size = a.shape[2]
        total = squares[:, :, :size]
        for j in range(1, self.n):
            total = total + squares[:, :, j:j + size]
        return (a * (self.k + self.alpha * total).pow(-self.beta)).reshape(b, c, h, w)

    def extra_repr(self):
        return (f"towers={self.towers}, n={self.n}, k={self.k}, alpha={self.alpha} "
                f"(paper's), beta={self.beta}")


class AlexNet(nn.Module):
    """Five convolutions and three fully connected layers, in two towers.

    Arguments:
        widths: output channels of conv1 to conv5 (both towers together).
        hidden: units of fc6 and fc7.
        kernels, strides, paddings: of conv1 to conv5.
        pool: (kernel, stride, padding) of the max pooling after conv1, conv2 and conv5;
            the paper's (3, 2, 0) overlaps, (2, 2, 0) does not.
        pooled_side: side of the maps after the last pooling (6 for the paper's net).
        towers: 2 as in the paper (grouped conv2, conv4, conv5); 1 for one tower.
        lrn: LRN after the first two ReLUs, per tower.
        p: dropout probability before fc6 and fc7.

    The comments give each layer's output (channels x height x width, both towers
    together) in the paper's net, `paper()`, for a 227 x 227 x 3 input.
    """

    def __init__(self, *, widths=(96, 256, 384, 384, 256), hidden: int = 4096,
                 n_classes: int = 1000, kernels=(11, 5, 3, 3, 3), strides=(4, 1, 1, 1, 1),
                 paddings=(0, 2, 1, 1, 1), pool=(3, 2, 0), pooled_side: int = 6,
                 towers: int = 2, lrn: bool = True, p: float = 0.5):
        super().__init__()
        self.towers = towers
        c1, c2, c3, c4, c5 = widths
        k1, k2, k3, k4, k5 = kernels
        s1, s2, s3, s4, s5 = strides
        p1, p2, p3, p4, p5 = paddings
        pool_k, pool_s, pool_pad = pool

        def max_pool():  # Section 3.4; the paper's 3x3 windows, 2 pixels apart, overlap
            return nn.MaxPool2d(kernel_size=pool_k, stride=pool_s, padding=pool_pad)

        # Section 3.5 and Figure 2. "The ReLU non-linearity is applied to the output of
        # every convolutional and fully-connected layer." groups=towers: "The kernels of
        # the second, fourth, and fifth convolutional layers are connected only to those
        # kernel maps in the previous layer which reside on the same GPU".
        features = [
            # "filters the 224x224x3 input image [227 here] with 96 kernels of size 11x11x3
            # with a stride of 4 pixels"
            ("conv1", nn.Conv2d(3, c1, kernel_size=k1, stride=s1, padding=p1)),  # 96 x 55 x 55
            ("relu1", nn.ReLU(inplace=True)),
            ("norm1", TowerLRN(towers)),  # Section 3.3, each tower's 48 channels on their own
            ("pool1", max_pool()),  # 96 x 27 x 27
            # "256 kernels of size 5x5x48": each tower's 128 see its own 48 maps
            ("conv2", nn.Conv2d(c1, c2, kernel_size=k2, stride=s2, padding=p2,
                                groups=towers)),  # 256 x 27 x 27
            ("relu2", nn.ReLU(inplace=True)),
            ("norm2", TowerLRN(towers)),
            ("pool2", max_pool()),  # 256 x 13 x 13
            # "384 kernels of size 3x3x256", "connected to all kernel maps in the second
            # layer": both towers' maps
            ("conv3", nn.Conv2d(c2, c3, kernel_size=k3, stride=s3, padding=p3)),  # 384 x 13 x 13
            ("relu3", nn.ReLU(inplace=True)),
            # "384 kernels of size 3x3x192"; conv3 to conv5 follow one another "without
            # any intervening pooling or normalization layers"
            ("conv4", nn.Conv2d(c3, c4, kernel_size=k4, stride=s4, padding=p4,
                                groups=towers)),  # 384 x 13 x 13
            ("relu4", nn.ReLU(inplace=True)),
            # "256 kernels of size 3x3x192"
            ("conv5", nn.Conv2d(c4, c5, kernel_size=k5, stride=s5, padding=p5,
                                groups=towers)),  # 256 x 13 x 13
            ("relu5", nn.ReLU(inplace=True)),
            ("pool5", max_pool()),  # 256 x 6 x 6
        ]
        if not lrn:  # the same net without norm1 and norm2
            features = [(name, layer) for name, layer in features
                        if not name.startswith("norm")]
        self.features = nn.Sequential(OrderedDict(features))
        # "The fully-connected layers have 4096 neurons each"; dropout (Section 4.2) "in
        # the first two fully-connected layers"; fc8 feeds the 1000-way softmax.
        self.classifier = nn.Sequential(OrderedDict([
            ("drop6", nn.Dropout(p)),
            ("fc6", nn.Linear(c5 * pooled_side * pooled_side, hidden)),  # 4096 (from 256*6*6)
            ("relu6", nn.ReLU(inplace=True)),
            ("drop7", nn.Dropout(p)),
            ("fc7", nn.Linear(hidden, hidden)),  # 4096
            ("relu7", nn.ReLU(inplace=True)),
            ("fc8", nn.Linear(hidden, n_classes)),  # 1000
        ]))

    def forward(self, x):  # x: 3 x 227 x 227
        x = self.features(x)  # 256 x 6 x 6
        return self.classifier(x.flatten(1))  # 9216 in, 1000 out

    def layer(self, name: str) -> nn.Module:
        """A layer by its paper name: conv1 ... conv5, pool5, fc6, fc7, fc8."""
        part = self.classifier if name.startswith("fc") else self.features
        return getattr(part, name)

    def table_modules(self):
        """(name, module) pairs for `probes.layer_table`: the paper's rows, conv1 to fc8."""
        names = list(CONV_NAMES) + ["pool5"] + list(FC_NAMES)
        return [(("classifier." if n.startswith("fc") else "features.") + n, self.layer(n))
                for n in names]


def paper(**changes) -> AlexNet:
    """The paper's net: 227x227x3 in, 1000 classes out, about 61 million parameters."""
    return AlexNet(**changes)


def cifar(width: int = 32, hidden: int = 256, *, overlap: bool = True, **changes) -> AlexNet:
    """AlexNet's design sized for 32x32 images: conv widths width x (1, 2, 3, 3, 2)
    (the paper's 96, 256, 384, 384, 256 are roughly 96 x (1, 2.7, 4, 4, 2.7)).

    Conv1 has 5x5 kernels at stride 2 (the paper's 11x11 at stride 4 on 227 pixels), conv2
    5x5, conv3 to conv5 3x3. The maps go from 32 pixels to 16 (conv1), 8 (pool1), 4 (pool2)
    and 2 (pool5). `overlap=True` pools 3x3 with stride 2, padded by one pixel; `False`
    pools 2x2 with stride 2; both give those sizes.

    `width` is conv1's number of filters, both towers together: with two towers (the
    default) it must be even and >= 2, each tower taking half; with ``towers=1``, >= 1.
    Anything else (0 made layers of no channels; an odd width failed deep inside the
    grouped convolutions) is a ValueError naming width and the towers.
    """
    towers = changes.get("towers", 2)
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
        raise ValueError(f"width must be a whole number of conv1 filters >= 1 (>= 2 and even "
                         f"for two towers), got {width!r}. Fix: pass width=32, say.")
    if width % towers:
        raise ValueError(f"width={width} does not split into {towers} towers: each tower takes "
                         f"width / {towers} of every layer's filters, so {towers} towers need "
                         f"a width that is a multiple of {towers} (an even width >= 2 for two). "
                         f"Fix: pass width={width + towers - width % towers}, or towers=1.")
    w = width
    config = dict(widths=(w, 2 * w, 3 * w, 3 * w, 2 * w), hidden=hidden, n_classes=10,
                  kernels=(5, 5, 3, 3, 3), strides=(2, 1, 1, 1, 1), paddings=(2, 2, 1, 1, 1),
                  pool=(3, 2, 1) if overlap else (2, 2, 0), pooled_side=2)
    config.update(changes)
    return AlexNet(**config)


def init_paper(model: AlexNet, std=0.01, bias_one=BIAS_ONE) -> AlexNet:
    """The paper's initialisation (Section 5): weights N(0, std), biases 1 in `bias_one`, else 0.

    `std="he"` draws each layer's weights from N(0, 2 / fan_in) instead (He et al., 2015),
    keeping the paper's biases.
    """
    for name in CONV_NAMES + FC_NAMES:
        m = model.layer(name)
        if std == "he":
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        else:
            nn.init.normal_(m.weight, std=float(std))
        nn.init.constant_(m.bias, 1.0 if name in bias_one else 0.0)
    return model


def paper_param_counts() -> dict[str, int]:
    """Parameters per layer of the paper's net, counted by hand from Section 3.5.

    A grouped layer holds two towers' kernels, each seeing only its own tower's half of the
    input channels: conv2 is 2 x (128 kernels of 5x5x48 + 128 biases).
    """
    return {
        "conv1": 96 * (11 * 11 * 3) + 96,
        "conv2": 2 * (128 * 5 * 5 * 48 + 128),
        "conv3": 384 * 3 * 3 * 256 + 384,
        "conv4": 2 * (192 * 3 * 3 * 192 + 192),
        "conv5": 2 * (128 * 3 * 3 * 192 + 128),
        "fc6": 6 * 6 * 256 * 4096 + 4096,
        "fc7": 4096 * 4096 + 4096,
        "fc8": 4096 * 1000 + 1000,
    }


# ---------------------------------------------------------------------------------------
# The two towers on two devices


def _split_conv(conv: nn.Conv2d, tower: int, towers: int, grouped: bool) -> nn.Conv2d:
    """Tower `tower`'s share of a convolution: its output channels and, when grouped, only
    its own input channels."""
    c_out = conv.out_channels // towers
    c_in = conv.in_channels // towers if grouped else conv.in_channels
    part = nn.Conv2d(c_in, c_out, conv.kernel_size, stride=conv.stride, padding=conv.padding)
    rows = slice(tower * c_out, (tower + 1) * c_out)
    with torch.no_grad():
        part.weight.copy_(conv.weight[rows])
        part.bias.copy_(conv.bias[rows])
    return part


def _split_linear(fc: nn.Linear, tower: int, towers: int) -> nn.Linear:
    n_out = fc.out_features // towers
    part = nn.Linear(fc.in_features, n_out)
    rows = slice(tower * n_out, (tower + 1) * n_out)
    with torch.no_grad():
        part.weight.copy_(fc.weight[rows])
        part.bias.copy_(fc.bias[rows])
    return part


class TowerSplit(nn.Module):
    """A two-tower `AlexNet`'s weights run as two towers on two devices, as in the paper.

    Each device holds half the kernels of every layer and half the units of fc6 and fc7.
    The towers exchange activations only where the paper's do (Figure 2): the input of
    conv3, of fc6, of fc7 and of fc8 is gathered from both. fc8 runs on the first device.
    With both devices set to the CPU it computes what the grouped model computes (tested).
    """

    def __init__(self, model: AlexNet, devices=("cuda:0", "cuda:1")):
        super().__init__()
        if model.towers != 2 or len(devices) != 2:
            raise ValueError("TowerSplit needs a two-tower AlexNet and two devices")
        self.devices = [torch.device(d) for d in devices]
        f, c = model.features, model.classifier
        self.has_lrn = hasattr(f, "norm1")
        self.towers = nn.ModuleList()
        for t, dev in enumerate(self.devices):
            tower = nn.ModuleDict({
                name: _split_conv(getattr(f, name), t, 2, name in TOWER_LOCAL)
                for name in CONV_NAMES})
            tower["fc6"] = _split_linear(c.fc6, t, 2)
            tower["fc7"] = _split_linear(c.fc7, t, 2)
            self.towers.append(tower.to(dev))
        self.pool = f.pool1
        norm = f.norm1 if self.has_lrn else None
        self.lrn = TowerLRN(1, norm.n, norm.k, norm.alpha, norm.beta) if norm else nn.Identity()
        self.drop6, self.drop7 = c.drop6, c.drop7
        self.fc8 = nn.Linear(c.fc8.in_features, c.fc8.out_features).to(self.devices[0])
        self.fc8.load_state_dict(c.fc8.state_dict())

    def each(self, parts, step):
        """`step(tower, maps)` on each tower, on the tower's own device."""
        return [step(tower, part.to(dev))
                for tower, part, dev in zip(self.towers, parts, self.devices)]

    def both(self, parts):
        """Both towers' maps, gathered onto each tower's device."""
        return [self.gather(parts, dev) for dev in self.devices]

    def gather(self, parts, dev):
        return torch.cat([p.to(dev) for p in parts], dim=1)

    def forward(self, x):
        # t: one tower's layers, a: that tower's input, both on the tower's device.
        # Shapes are one tower's, in the paper's net for a 227 x 227 x 3 input.
        # conv1 and conv2: each tower works on its own maps (Figure 2).
        pool, lrn = self.pool, self.lrn
        h = self.each([x, x], lambda t, a: pool(lrn(F.relu(t.conv1(a)))))  # 48 x 27 x 27
        h = self.each(h, lambda t, a: pool(lrn(F.relu(t.conv2(a)))))  # 128 x 13 x 13
        # "The kernels of the third convolutional layer are connected to all kernel maps
        # in the second layer": the towers swap maps.
        h = self.each(self.both(h), lambda t, a: F.relu(t.conv3(a)))  # 192 x 13 x 13
        # conv4 and conv5 again see only their own tower's maps.
        h = self.each(h, lambda t, a: F.relu(t.conv4(a)))  # 192 x 13 x 13
        h = self.each(h, lambda t, a: pool(F.relu(t.conv5(a))).flatten(1))  # 128*6*6
        # "The neurons in the fully-connected layers are connected to all neurons in the
        # previous layer": each fully connected layer sees both towers.
        h = self.each(self.both(h), lambda t, a: F.relu(t.fc6(self.drop6(a))))  # 2048
        h = self.each(self.both(h), lambda t, a: F.relu(t.fc7(self.drop7(a))))  # 2048
        return self.fc8(self.gather(h, self.devices[0]))  # 1000, on the first device


# ---------------------------------------------------------------------------------------
# Testing on several views (Section 4.1)


