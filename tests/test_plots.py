"""`plots` against the data they were given, read back from the matplotlib figures."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.lines import Line2D

from reading_group import plots
from reading_group.train import History


def history(label, errors, seconds):
    h = History(label)
    for i, (e, s) in enumerate(zip(errors, seconds), 1):
        h.epochs.append({"epoch": i, "train_error": e, "train_loss": 2 * e, "seconds": s})
    return h


def test_curves_draws_one_line_per_history_and_the_target():
    a = history("relu", [0.5, 0.3, 0.2], [1.0, 1.0, 1.0])
    b = history("tanh", [0.6, 0.5, 0.45], [2.0, 2.0, 2.0])
    ax = plots.curves([a, b], "train_error", target=0.25, title="ReLU vs tanh")
    lines = [line for line in ax.get_lines() if isinstance(line, Line2D)]
    assert len(lines) == 3
    np.testing.assert_allclose(lines[0].get_ydata(), [50, 30, 20])   # percent
    np.testing.assert_allclose(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(lines[2].get_ydata(), [25, 25])       # the target line
    assert ax.get_title() == "ReLU vs tanh"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "training error (%)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["relu", "tanh"] and "25" in legend[2]


def test_curves_against_cumulative_seconds():
    a = history("relu", [0.5, 0.3, 0.2], [1.0, 2.0, 3.0])
    ax = plots.curves([a], "train_loss", x="seconds")
    line, = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), [1, 3, 6])
    np.testing.assert_allclose(line.get_ydata(), [1.0, 0.6, 0.4])   # losses are not scaled
    assert ax.get_xlabel() == "training time (s)"
    assert ax.get_title() == "training loss (cross-entropy)"


def test_curves_draw_on_a_given_axis_with_styles():
    fig, ax = plt.subplots()
    out = plots.curves([history("a", [0.5], [1.0])], ax=ax, styles={"a": {"color": "red"}})
    assert out is ax
    assert ax.get_lines()[0].get_color() == "red"


def test_image_grid_with_labels_captions_each_image():
    images = torch.randint(0, 256, (5, 3, 8, 8), dtype=torch.uint8)
    labels = torch.tensor([0, 1, 2, 1, 0])
    fig = plots.image_grid(images, labels, classes=("cat", "dog", "ship"), ncols=3, title="Pets")
    assert fig._suptitle.get_text() == "Pets"
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:5] == ["cat", "dog", "ship", "dog", "cat"]
    assert len(fig.axes) == 6   # 2 rows of 3
    shown = fig.axes[1].get_images()[0].get_array()
    assert np.array_equal(np.asarray(shown), images[1].permute(1, 2, 0).numpy())


def test_image_grid_without_labels_is_one_picture_with_row_labels():
    images = torch.zeros(6, 3, 8, 8, dtype=torch.uint8)
    images[3:] = 200   # second row bright
    fig = plots.image_grid(images, ncols=3, title="Rows", row_labels=["dark", "bright"])
    ax, = fig.axes
    assert ax.get_title() == "Rows"
    picture = np.asarray(ax.get_images()[0].get_array())
    assert picture.shape[-1] == 3
    ticks = ax.get_yticks()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dark", "bright"]
    # each label sits at the middle of its row of images: the rows of pixels 3.5 either side
    # of it belong to that row's images (zeros, then 200s), not to the white padding
    middle_column = picture[:, 2 + 4]   # a column through the first image of each row
    for tick, expected in zip(ticks, (0, 200)):
        for dy in (-3.5, 3.5):
            assert middle_column[int(round(tick + dy))].tolist() == [expected] * 3
        top = int(tick - 3.5)
        bottom = int(tick + 3.5)
        assert middle_column[top - 1].tolist() == [255] * 3    # padding just above
        assert middle_column[bottom + 1].tolist() == [255] * 3  # and just below


def test_bars_draws_one_bar_per_entry():
    values = {"conv": 1234.0, "dense": 56789.0, "other": 10.0}
    ax = plots.bars(values, title="Parameters", xlabel="layer", ylabel="count", log=True)
    assert [p.get_height() for p in ax.patches] == [1234.0, 56789.0, 10.0]
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "Parameters" and ax.get_ylabel() == "count"
    assert ax.get_xlabel() == "layer"
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1,234", "56,789", "10"]


def test_bars_without_annotation_on_a_linear_scale():
    ax = plots.bars({"a": 1, "b": 2}, title="T", xlabel="x", ylabel="y", annotate=False,
                    label="ours")
    assert ax.get_yscale() == "linear" and not ax.texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ours"]


def test_filter_mosaic_scales_each_filter_to_its_own_range():
    g = torch.Generator().manual_seed(0)
    spread = torch.tensor([1, 10, 0.1, 3, 5]).view(5, 1, 1, 1)
    weight = torch.randn(5, 3, 4, 4, generator=g) * spread
    fig = plots.filter_mosaic(weight, ncols=3, title="conv1")
    ax, = fig.axes
    assert ax.get_title() == "conv1"
    picture = np.asarray(ax.get_images()[0].get_array())
    w = weight.numpy()
    for i in range(5):
        r, c = divmod(i, 3)
        y, x = 2 + r * 6, 2 + c * 6          # make_grid: 2 pixels of padding around 4x4 cells
        cell = picture[y:y + 4, x:x + 4].transpose(2, 0, 1).astype(float)
        expected = (w[i] - w[i].min()) / (w[i].max() - w[i].min()) * 255
        assert np.abs(cell - expected).max() <= 0.5 + 1e-6
        assert cell.min() == 0 and cell.max() == 255


def test_filter_mosaic_draws_small_kernels_as_large_as_big_ones():
    small = plots.filter_mosaic(torch.randn(16, 3, 5, 5), ncols=16)
    large = plots.filter_mosaic(torch.randn(16, 3, 11, 11), ncols=16)
    # Kernels are drawn about 36 screen pixels wide whatever their size in weights.
    assert small.get_size_inches()[0] > 0.8 * large.get_size_inches()[0]
    assert small.get_size_inches()[0] * small.dpi > 16 * 30


# ---------------------------------------------------------------------------------------
# plots.per_layer


def test_per_layer_draws_one_line_per_series_in_layer_order():
    series = {"a": {"l1": 1e-6, "l2": 1e-3, "l3": 1.0}, "b": {"x": 2.0, "y": 3.0}}
    ax = plots.per_layer(series, title="norms", ylabel="gradient norm")
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["a", "b"]
    assert np.array_equal(lines[0].get_xdata(), [1, 2, 3])
    assert np.allclose(lines[0].get_ydata(), [1e-6, 1e-3, 1.0])
    assert np.array_equal(lines[1].get_xdata(), [1, 2])
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "norms" and ax.get_ylabel() == "gradient norm"
    assert ax.get_xlabel() and ax.get_legend() is not None


def test_per_layer_linear_scale_and_single_series_without_legend():
    ax = plots.per_layer({"only": {"a": 1.0, "b": 2.0}}, title="t", ylabel="y", log=False)
    assert ax.get_yscale() == "linear"
    assert ax.get_legend() is None


def test_new_axis_makes_one_unless_given_one():
    ax = plots.new_axis(figsize=(3, 2))
    assert tuple(ax.figure.get_size_inches()) == (3, 2)
    fig, given = plt.subplots()
    assert plots.new_axis(given) is given
