"""Reference numbers from the three papers, each with where it is printed.

Notebooks compare their measurements with these figures by key (``papers.get("alexnet.params")``)
instead of typing numbers into prose, so every figure shown has one source.

- AlexNet: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with Deep
  Convolutional Neural Networks", NIPS 2012.
- GoogLeNet: C. Szegedy et al., "Going Deeper with Convolutions", arXiv:1409.4842, 2014
  (CVPR 2015).
- ResNet: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition",
  arXiv:1512.03385, 2015 (CVPR 2016).
"""

from __future__ import annotations

from dataclasses import dataclass

from .tables import Table, format_cell

PAPERS = {
    "alexnet": "Krizhevsky, Sutskever & Hinton (2012), ImageNet Classification with Deep "
               "Convolutional Neural Networks",
    "googlenet": "Szegedy et al. (2014), Going Deeper with Convolutions",
    "resnet": "He, Zhang, Ren & Sun (2015), Deep Residual Learning for Image Recognition",
    "other": "datasets' own papers",
}
SHORT_NAMES = {"alexnet": "AlexNet (2012)", "googlenet": "GoogLeNet (2014)",
               "resnet": "ResNet (2015)", "other": ""}


@dataclass(frozen=True)
class Figure:
    """A number as a paper prints it."""

    value: float
    unit: str
    paper: str
    where: str
    what: str

    def __str__(self):
        return f"{format_cell(self.value)} {self.unit}".strip() + f" ({self.paper}, {self.where})"


FIGURES = {f"{f.paper}.{key}": f for key, f in {
    # AlexNet
    "imagenet_images": Figure(15e6, "images", "alexnet", "Section 2",
                              "labelled high-resolution images in ImageNet"),
    "imagenet_categories": Figure(22_000, "categories", "alexnet", "Section 2",
                                  "categories in ImageNet (roughly)"),
    "ilsvrc_train": Figure(1.2e6, "images", "alexnet", "Section 2",
                           "ILSVRC training images (roughly)"),
    "ilsvrc_val": Figure(50_000, "images", "alexnet", "Section 2", "ILSVRC validation images"),
    "ilsvrc_test": Figure(150_000, "images", "alexnet", "Section 2", "ILSVRC test images"),
    "ilsvrc_classes": Figure(1000, "classes", "alexnet", "Section 2", "ILSVRC classes"),
    "resize": Figure(256, "pixels", "alexnet", "Section 2",
                     "images rescaled so the shorter side is 256, then centre-cropped to 256x256"),
    "input_side": Figure(224, "pixels", "alexnet", "Section 3.5",
                         "side of the network's input (227 makes the arithmetic of conv1 work)"),
    "conv1_filters": Figure(96, "kernels", "alexnet", "Section 3.5",
                            "conv1 kernels, 11x11x3, stride 4"),
    "params": Figure(60e6, "parameters", "alexnet", "Section 1", "parameters of the network"),
    "neurons": Figure(650_000, "neurons", "alexnet", "Section 1", "neurons of the network"),
    "relu_speedup": Figure(6, "times", "alexnet", "Section 3.1, Figure 1",
                           "ReLU reaches 25% CIFAR-10 training error this many times faster "
                           "than tanh (four-layer CNN)"),
    "relu_target": Figure(0.25, "training error", "alexnet", "Figure 1",
                          "training-error target of the ReLU/tanh comparison"),
    "lrn_k": Figure(2, "", "alexnet", "Section 3.3", "LRN constant k"),
    "lrn_n": Figure(5, "channels", "alexnet", "Section 3.3", "LRN window n"),
    "lrn_alpha": Figure(1e-4, "", "alexnet", "Section 3.3", "LRN alpha (sum not divided by n)"),
    "lrn_beta": Figure(0.75, "", "alexnet", "Section 3.3", "LRN beta"),
    "lrn_gain_top1": Figure(1.4, "points", "alexnet", "Section 3.3", "top-1 error saved by LRN"),
    "lrn_gain_top5": Figure(1.2, "points", "alexnet", "Section 3.3", "top-5 error saved by LRN"),
    "lrn_cifar_without": Figure(0.13, "test error", "alexnet", "Section 3.3",
                                "four-layer CIFAR-10 CNN without LRN"),
    "lrn_cifar_with": Figure(0.11, "test error", "alexnet", "Section 3.3",
                             "the same CNN with LRN"),
    "overlap_gain_top1": Figure(0.4, "points", "alexnet", "Section 3.4",
                                "top-1 error saved by overlapping pooling"),
    "overlap_gain_top5": Figure(0.3, "points", "alexnet", "Section 3.4",
                                "top-5 error saved by overlapping pooling"),
    "dropout_p": Figure(0.5, "", "alexnet", "Section 4.2", "dropout probability"),
    "pca_sigma": Figure(0.1, "", "alexnet", "Section 4.1", "std of the PCA colour noise"),
    "augment_factor": Figure(2048, "times", "alexnet", "Section 4.1",
                             "growth of the training set from random 224x224 crops and their "
                             "horizontal reflections"),
    "pca_gain_top1": Figure(1, "points", "alexnet", "Section 4.1",
                            "top-1 error saved by the PCA colour noise (\"over 1%\")"),
    "dropout_slowdown": Figure(2, "times", "alexnet", "Section 4.2",
                               "dropout roughly doubles the iterations needed to converge"),
    "batch_size": Figure(128, "images", "alexnet", "Section 5", "batch size"),
    "momentum": Figure(0.9, "", "alexnet", "Section 5", "momentum"),
    "weight_decay": Figure(0.0005, "", "alexnet", "Section 5", "weight decay"),
    "init_std": Figure(0.01, "", "alexnet", "Section 5", "std of the Gaussian weight init"),
    "lr": Figure(0.01, "", "alexnet", "Section 5",
                 "initial learning rate, divided by 10 on plateaus"),
    "top1_2010": Figure(0.375, "top-1 error", "alexnet", "Section 6, Table 1", "ILSVRC-2010 test"),
    "top5_2010": Figure(0.170, "top-5 error", "alexnet", "Section 6, Table 1", "ILSVRC-2010 test"),
    "gpu_memory": Figure(3, "GB", "alexnet", "Section 3.2",
                         "memory of one GTX 580, too little for the whole net"),
    "two_gpu_gain_top1": Figure(1.7, "points", "alexnet", "Section 3.2",
                                "top-1 error saved by two towers against one with half the "
                                "kernels"),
    "two_gpu_gain_top5": Figure(1.2, "points", "alexnet", "Section 3.2",
                                "top-5 error saved by two towers against one with half the "
                                "kernels"),
    "bias_one_layers": Figure(5, "layers", "alexnet", "Section 5",
                              "layers whose biases start at 1: conv2, conv4, conv5, fc6, fc7"),
    "ten_crop_views": Figure(10, "views", "alexnet", "Section 4.1",
                             "test views averaged: four corners and centre, and their mirrors"),
    # GoogLeNet
    "depth": Figure(22, "layers", "googlenet", "Section 5", "layers with parameters"),
    "fewer_params": Figure(12, "times", "googlenet", "Section 1",
                           "fewer parameters than AlexNet"),
    "multiply_adds": Figure(1.5e9, "multiply-adds", "googlenet", "Section 1",
                            "inference budget kept in mind in the design"),
    "aux_weight": Figure(0.3, "", "googlenet", "Section 5", "weight of each auxiliary loss"),
    "top5": Figure(0.0667, "top-5 error", "googlenet", "Section 7", "ILSVRC 2014 test"),
    "input_pixels": Figure(224, "pixels", "googlenet", "Section 5",
                           "side of the network's input (RGB, mean subtracted)"),
    "final_dropout": Figure(0.4, "", "googlenet", "Table 1",
                            "dropout before the final linear layer (40% of outputs dropped)"),
    "inception_modules": Figure(9, "modules", "googlenet", "Table 1",
                                "Inception modules, (3a) to (5b)"),
    "avgpool_gain_top1": Figure(0.6, "points", "googlenet", "Section 5",
                                "top-1 accuracy gained by average pooling in place of "
                                "fully connected layers"),
    "aux_heads": Figure(2, "heads", "googlenet", "Section 5",
                        "auxiliary classifiers, on the outputs of Inception (4a) and (4d)"),
    "aux_pool": Figure(5, "pixels", "googlenet", "Section 5",
                       "side of the auxiliary head's average pooling (stride 3): 4x4 out of 14x14"),
    "aux_conv_filters": Figure(128, "filters", "googlenet", "Section 5",
                               "1x1 convolution of the auxiliary head (ReLU after)"),
    "aux_fc_units": Figure(1024, "units", "googlenet", "Section 5",
                           "fully connected layer of the auxiliary head (ReLU after)"),
    "aux_dropout": Figure(0.7, "", "googlenet", "Section 5",
                          "dropout in the auxiliary head (70% of outputs dropped)"),
    "aux_gain": Figure(0.005, "error", "googlenet", "Section 5 (CVPR 2015 version)",
                       "effect of the auxiliary heads in later control experiments: minor, "
                       "about 0.5%, and one head alone gave the same"),
    # ResNet
    "resnet20_params": Figure(0.27e6, "parameters", "resnet", "Table 6", "ResNet-20 (CIFAR)"),
    "resnet32_params": Figure(0.46e6, "parameters", "resnet", "Table 6", "ResNet-32 (CIFAR)"),
    "resnet44_params": Figure(0.66e6, "parameters", "resnet", "Table 6", "ResNet-44 (CIFAR)"),
    "resnet56_params": Figure(0.85e6, "parameters", "resnet", "Table 6", "ResNet-56 (CIFAR)"),
    "resnet110_params": Figure(1.7e6, "parameters", "resnet", "Table 6", "ResNet-110 (CIFAR)"),
    "cifar_lr": Figure(0.1, "", "resnet", "Section 4.2",
                       "CIFAR learning rate, divided by 10 at 32k and 48k iterations, 64k in all"),
    "cifar_weight_decay": Figure(1e-4, "", "resnet", "Section 4.2", "CIFAR weight decay"),
    "cifar_batch": Figure(128, "images", "resnet", "Section 4.2", "CIFAR mini-batch size"),
    "cifar_momentum": Figure(0.9, "", "resnet", "Section 4.2", "CIFAR momentum"),
    "cifar_iterations": Figure(64_000, "iterations", "resnet", "Section 4.2",
                               "CIFAR training length (learning rate divided by 10 at 32k and "
                               "48k)"),
    "cifar_padding": Figure(4, "pixels", "resnet", "Section 4.2",
                            "CIFAR augmentation: pad each side, random 32x32 crop, flip"),
    "resnet20_test_error": Figure(0.0875, "test error", "resnet", "Table 6", "ResNet-20 (CIFAR)"),
    "resnet56_test_error": Figure(0.0697, "test error", "resnet", "Table 6", "ResNet-56 (CIFAR)"),
    "resnet110_test_error": Figure(0.0643, "test error", "resnet", "Table 6",
                                   "ResNet-110 (CIFAR), best of 5 runs (mean 6.61%)"),
    "imagenet34_plain_top1": Figure(0.2854, "top-1 error", "resnet", "Table 3",
                                    "plain-34, ImageNet validation, 10-crop"),
    "imagenet34_a_top1": Figure(0.2503, "top-1 error", "resnet", "Table 3",
                                "ResNet-34 with shortcut option A (zero padding)"),
    "imagenet34_b_top1": Figure(0.2452, "top-1 error", "resnet", "Table 3",
                                "ResNet-34 with shortcut option B (projections where the "
                                "shape changes)"),
    # Other datasets, for scale
    "mnist_images": Figure(70_000, "images", "other", "LeCun et al. (1998)",
                           "MNIST, training and test"),
    "cifar10_images": Figure(60_000, "images", "other", "Krizhevsky (2009)",
                             "CIFAR-10, training and test"),
    "caltech101_images": Figure(9_146, "images", "other", "Fei-Fei et al. (2004)", "Caltech-101"),
    "caltech256_images": Figure(30_607, "images", "other", "Griffin et al. (2007)", "Caltech-256"),
}.items()}


def get(key: str) -> Figure:
    """The figure with this key, such as ``"alexnet.params"``."""
    try:
        return FIGURES[key]
    except KeyError:
        near = ", ".join(k for k in FIGURES if k.split(".")[0] == key.split(".")[0])
        raise KeyError(f"No figure {key!r}. Figures of that paper: {near or 'none'}") from None


def value(key: str) -> float:
    return get(key).value


def table(*keys: str) -> Table:
    """The named figures (all of them when none are named) as a table."""
    rows = [[k, FIGURES[k].what, FIGURES[k].value, FIGURES[k].unit,
             ", ".join(filter(None, [SHORT_NAMES[FIGURES[k].paper], FIGURES[k].where]))]
            for k in (keys or FIGURES)]
    return Table(["key", "what", "value", "unit", "source"], rows)


# ---------------------------------------------------------------------------------------
# GoogLeNet's Table 1, row by row, as printed


@dataclass(frozen=True)
class Table1Row:
    """One row of GoogLeNet's Table 1 (Szegedy et al., 2014), with the columns as printed.

    `output` is (height, width, channels). `widths` holds the six numbers #1x1,
    #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj where the row prints them (Inception
    modules; the second convolution prints only #3x3 reduce and #3x3, kept as
    ``(None, 64, 192, None, None, None)``). `params` is the printed figure in thousands
    ("K"), `ops` the printed figure in millions ("M"; multiply-adds); None where the
    row prints nothing.
    """

    name: str
    type: str
    patch: str
    output: tuple[int, int, int]
    depth: int
    widths: tuple | None
    params: float | None
    ops: float | None

    @property
    def params_text(self) -> str:
        return "" if self.params is None else f"{self.params:g}K"

    @property
    def ops_text(self) -> str:
        return "" if self.ops is None else f"{self.ops:g}M"


GOOGLENET_TABLE1 = (
    Table1Row("conv1", "convolution", "7x7/2", (112, 112, 64), 1, None, 2.7, 34),
    Table1Row("maxpool1", "max pool", "3x3/2", (56, 56, 64), 0, None, None, None),
    Table1Row("conv2", "convolution", "3x3/1", (56, 56, 192), 2,
              (None, 64, 192, None, None, None), 112, 360),
    Table1Row("maxpool2", "max pool", "3x3/2", (28, 28, 192), 0, None, None, None),
    Table1Row("3a", "inception", "", (28, 28, 256), 2, (64, 96, 128, 16, 32, 32), 159, 128),
    Table1Row("3b", "inception", "", (28, 28, 480), 2, (128, 128, 192, 32, 96, 64), 380, 304),
    Table1Row("maxpool3", "max pool", "3x3/2", (14, 14, 480), 0, None, None, None),
    Table1Row("4a", "inception", "", (14, 14, 512), 2, (192, 96, 208, 16, 48, 64), 364, 73),
    Table1Row("4b", "inception", "", (14, 14, 512), 2, (160, 112, 224, 24, 64, 64), 437, 88),
    Table1Row("4c", "inception", "", (14, 14, 512), 2, (128, 128, 256, 24, 64, 64), 463, 100),
    Table1Row("4d", "inception", "", (14, 14, 528), 2, (112, 144, 288, 32, 64, 64), 580, 119),
    Table1Row("4e", "inception", "", (14, 14, 832), 2, (256, 160, 320, 32, 128, 128), 840, 170),
    Table1Row("maxpool4", "max pool", "3x3/2", (7, 7, 832), 0, None, None, None),
    Table1Row("5a", "inception", "", (7, 7, 832), 2, (256, 160, 320, 32, 128, 128), 1072, 54),
    Table1Row("5b", "inception", "", (7, 7, 1024), 2, (384, 192, 384, 48, 128, 128), 1388, 71),
    Table1Row("avgpool", "avg pool", "7x7/1", (1, 1, 1024), 0, None, None, None),
    Table1Row("dropout", "dropout (40%)", "", (1, 1, 1024), 0, None, None, None),
    Table1Row("linear", "linear", "", (1, 1, 1000), 1, None, 1000, 1),
    Table1Row("softmax", "softmax", "", (1, 1, 1000), 0, None, None, None),
)
"""GoogLeNet's Table 1 (Szegedy et al., 2014, Section 5), one entry per printed row."""


def googlenet_table1() -> Table:
    """GoogLeNet's Table 1 as printed (output size written height x width x channels)."""
    names = ["#1x1", "#3x3 reduce", "#3x3", "#5x5 reduce", "#5x5", "pool proj"]
    rows = [[r.name, r.type, r.patch, r.output, r.depth or None]
            + [None if r.widths is None else r.widths[i] for i in range(6)]
            + [r.params_text, r.ops_text] for r in GOOGLENET_TABLE1]
    return Table(["row", "type", "patch/stride", "output size", "depth", *names, "params", "ops"],
                 rows, title="GoogLeNet, Table 1 of the paper (params in K, ops in M, as printed)")
