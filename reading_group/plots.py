"""Figures in one style: every plot gets a title, labelled axes with units and a legend.

The functions draw on a Matplotlib axis (a new figure when none is given) and return it,
so a notebook can add a line or a note before showing it. Figures use a modest resolution
so committed notebooks stay small.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator
from torchvision.utils import make_grid

plt.rcParams.update({
    "figure.dpi": 80,
    "figure.figsize": (7, 4),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
})

METRIC_LABELS = {
    "train_error": "training error (%)",
    "test_error": "test error (%)",
    "train_loss": "training loss (cross-entropy)",
    "test_loss": "test loss (cross-entropy)",
    "clean_train_error": "training error, eval mode (%)",
    "clean_train_loss": "training loss, eval mode (cross-entropy)",
}


def new_axis(ax=None, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def curves(histories, metric: str = "train_error", *, x: str = "epoch", ax=None,
           title: str | None = None, target: float | None = None, styles=None):
    """One line per History: `metric` against epochs or cumulative training seconds.

    Errors are drawn in percent. `target` draws a horizontal line (same units as the
    metric, 0-1 for errors). `styles` maps a history's label to plot keyword arguments.
    """
    ax = new_axis(ax)
    percent = metric.endswith("error")
    scale = 100 if percent else 1
    for h in histories:
        ys = np.array(h[metric], dtype=float) * scale
        xs = np.cumsum(h["seconds"]) if x == "seconds" else np.array(h["epoch"])
        ax.plot(xs, ys, marker="o", ms=3, label=h.label, **(styles or {}).get(h.label, {}))
    if target is not None:
        ax.axhline(target * scale, color="grey", ls=":", label=f"target {target * scale:g}%"
                   if percent else f"target {target:g}")
    if x == "epoch":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("training time (s)" if x == "seconds" else "epoch")
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    ax.set_title(title or METRIC_LABELS.get(metric, metric))
    ax.legend()
    return ax


def image_grid(images: torch.Tensor, labels=None, classes=None, *, ncols: int = 10,
               title: str = "Images", size: float = 1.0, row_labels=None, scale: float = 1.5):
    """uint8 images ``[N, 3, H, W]`` in a grid.

    With `labels`, each image gets its own small axis captioned with its class name. Without,
    the grid is one picture drawn pixel for pixel (`scale` screen pixels per image pixel),
    which stores in a fraction of the space; `row_labels` then names the rows.
    """
    if labels is None:
        return _mosaic(images, ncols, title, row_labels, scale)
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].permute(1, 2, 0).cpu().numpy(), interpolation="nearest")
            name = classes[int(labels[i])] if classes is not None else str(int(labels[i]))
            ax.set_title(name, fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _mosaic(images, ncols, title, row_labels, scale):
    pad = 2
    grid = make_grid(images.cpu(), nrow=ncols, padding=pad, pad_value=255)
    height, width = grid.shape[1:]
    dpi = plt.rcParams["figure.dpi"]
    fig, ax = plt.subplots(figsize=(width * scale / dpi + 1.5, height * scale / dpi + 0.6))
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.grid(False)
    ax.set_xticks([])
    if row_labels is not None:
        side = images.shape[-2]
        # make_grid puts row i at pixels pad + i*(side+pad) onwards; imshow centres pixel k at k
        ax.set_yticks([pad + (side + pad) * i + (side - 1) / 2 for i in range(len(row_labels))],
                      row_labels)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
    else:
        ax.axis("off")
    ax.set_title(title)
    return fig


def bars(values: dict, *, title: str, xlabel: str, ylabel: str, ax=None, log: bool = False,
         colors=None, annotate: bool = True, fmt: str = "{:,.0f}", label: str | None = None):
    """A bar per entry of `values` (name -> number), optionally on a log scale.

    `xlabel` names what the bars are (they are labelled one by one on the axis too)."""
    ax = new_axis(ax)
    names = list(values)
    heights = [float(values[k]) for k in names]
    rects = ax.bar(names, heights, color=colors, label=label)
    if log:
        ax.set_yscale("log")
    if annotate:
        ax.bar_label(rects, labels=[fmt.format(h) for h in heights], fontsize=8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label:
        ax.legend()
    ax.tick_params(axis="x", labelrotation=20)
    return ax


def filter_mosaic(weight: torch.Tensor, *, ncols: int = 16, title: str = "Filters",
                  kernel_pixels: int = 36):
    """First-layer kernels ``[out, 3, k, k]`` as small RGB images, each scaled to its own range.

    Each kernel is drawn about `kernel_pixels` screen pixels wide, so 5x5 kernels are as
    readable as 11x11 ones."""
    w = weight.detach().cpu().float()
    lo = w.amin(dim=(1, 2, 3), keepdim=True)
    hi = w.amax(dim=(1, 2, 3), keepdim=True)
    w = (w - lo) / (hi - lo).clamp_min(1e-8)
    images = (w * 255).round().to(torch.uint8)
    return image_grid(images, ncols=ncols, title=title,
                      scale=max(1.5, kernel_pixels / weight.shape[-1]))


def per_layer(series: dict, *, title: str, ylabel: str, ax=None, log: bool = True,
              xlabel: str = "layer (1 = nearest the input)", styles=None):
    """One line per entry of `series` (label -> {layer name: value}), layers in their order.

    For per-layer measurements such as gradient norms (`probes.layer_gradient_norms`):
    layers are numbered from 1 at the input end, and the y-axis is logarithmic by default,
    so a factor of ten is the same step anywhere on it. `styles` maps a label to plot
    keyword arguments.
    """
    ax = new_axis(ax)
    for label, values in series.items():
        ys = np.array([float(v) for v in values.values()])
        ax.plot(np.arange(1, len(ys) + 1), ys, marker="o", ms=3, label=label,
                **(styles or {}).get(label, {}))
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    return ax
