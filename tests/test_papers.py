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
