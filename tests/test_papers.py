"""`papers`: the quoted figures and GoogLeNet's Table 1 against the papers' printed values."""

import pytest

from reading_group import papers


def test_get_a_known_figure():
    f = papers.get("alexnet.params")
    assert f.value == 60e6
    assert f.paper == "alexnet"
    assert f.where == "Section 1"
    text = str(f)
    assert float(text.split()[0].replace(",", "")) == 60e6
    assert "parameters" in text and "alexnet" in text and "Section 1" in text
    assert float(str(papers.get("alexnet.neurons")).split()[0].replace(",", "")) == 650_000


@pytest.mark.parametrize("key,value", [
    ("alexnet.params", 60e6), ("resnet.resnet56_params", 0.85e6), ("alexnet.lrn_k", 2),
    ("alexnet.lrn_n", 5), ("alexnet.lrn_alpha", 1e-4), ("alexnet.lrn_beta", 0.75),
    ("alexnet.dropout_p", 0.5), ("alexnet.batch_size", 128), ("alexnet.conv1_filters", 96),
    ("googlenet.aux_weight", 0.3), ("googlenet.depth", 22), ("resnet.cifar_lr", 0.1),
    ("other.cifar10_images", 60_000),
])
def test_spot_values(key, value):
    assert papers.value(key) == value


def test_unknown_key_names_the_close_keys():
    with pytest.raises(KeyError) as info:
        papers.get("alexnet.parameters")
    message = info.value.args[0]
    assert "alexnet.parameters" in message
    assert "alexnet.params" in message and "alexnet.lrn_k" in message
    assert "resnet." not in message


def test_unknown_paper_says_none():
    with pytest.raises(KeyError) as info:
        papers.get("vgg.params")
    assert "none" in info.value.args[0]


def test_every_figure_is_sourced():
    assert len(papers.FIGURES) > 40
    for key, f in papers.FIGURES.items():
        assert f.paper in papers.PAPERS, key
        assert key == f"{f.paper}.{key.split('.', 1)[1]}"
        assert f.where.strip(), key
        assert f.what.strip(), key
        assert isinstance(f.value, (int, float)) and f.value > 0, key


def test_table_of_all_and_of_some():
    everything = papers.table()
    assert len(everything) == len(papers.FIGURES)
    assert everything.columns == ["key", "what", "value", "unit", "source"]
    some = papers.table("alexnet.params", "resnet.resnet56_params")
    assert some.column("key") == ["alexnet.params", "resnet.resnet56_params"]
    assert some.column("value") == [60e6, 0.85e6]
    assert "Section 1" in some.rows[0][4] and "AlexNet" in some.rows[0][4]
    assert "Table 6" in some.rows[1][4]


def test_no_figure_key_is_written_twice():
    # A dict literal keeps the last of two equal keys without a word, so a second paper's
    # "dropout_p" would silently replace AlexNet's. Read the keys from the source instead.
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(papers))
    literals = [node for node in ast.walk(tree) if isinstance(node, ast.Dict)
                and any(isinstance(v, ast.Call) and getattr(v.func, "id", "") == "Figure"
                        for v in node.values)]
    assert literals, "found no dict of Figure(...) entries in papers.py"
    for literal in literals:
        keys = [k.value for k in literal.keys if isinstance(k, ast.Constant)]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        assert not repeated, f"figure keys written twice: {repeated}"


def test_papers_figures_of_notebook_03():
    from reading_group import papers
    # 32 x 32 crop offsets of a 256x256 image at 224x224, times two for the mirror images
    assert papers.value("alexnet.augment_factor") == (256 - 224) ** 2 * 2
    assert papers.value("alexnet.dropout_slowdown") == 2
    assert papers.get("alexnet.dropout_slowdown").where == "Section 4.2"
    assert papers.get("alexnet.pca_gain_top1").where == "Section 4.1"


def test_table1_is_consistent_with_itself():
    rows = papers.GOOGLENET_TABLE1
    assert sum(r.depth for r in rows) == papers.value("googlenet.depth") == 22
    assert sum(r.type == "inception" for r in rows) == 9
    for r in rows:
        if r.type == "inception":
            n1, _, n3, _, n5, pp = r.widths
            assert n1 + n3 + n5 + pp == r.output[2], r.name


def test_googlenet_table1_prints_the_papers_rows():
    table = papers.googlenet_table1()
    assert table.columns == ["row", "type", "patch/stride", "output size", "depth", "#1x1",
                             "#3x3 reduce", "#3x3", "#5x5 reduce", "#5x5", "pool proj", "params",
                             "ops"]
    rows = {r[0]: r for r in table.rows}
    assert len(table.rows) == 19  # conv1 ... softmax, as printed in the paper
    # Szegedy et al. (2014), Table 1, row "inception (3a)": 28x28x256, depth 2, then the six
    # widths, 159K parameters, 128M ops
    assert rows["3a"] == ["3a", "inception", "", (28, 28, 256), 2, 64, 96, 128, 16, 32, 32,
                          "159K", "128M"]
    # "convolution 3x3/1, 56x56x192, depth 2, #3x3 reduce 64, #3x3 192, 112K, 360M"
    assert rows["conv2"][3:] == [(56, 56, 192), 2, None, 64, 192, None, None, None, "112K", "360M"]
    # a pooling row prints no depth, widths, params or ops
    assert rows["maxpool1"][4:] == [None] * 7 + ["", ""]
    assert rows["linear"][-2:] == ["1000K", "1M"]
