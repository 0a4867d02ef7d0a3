"""`tables` against cell texts and renderings written out by hand."""

import numpy as np
import pytest

from reading_group.tables import Table, format_cell


@pytest.mark.parametrize("value,text", [
    (0, "0"), (7, "7"), (1234567, "1,234,567"), (-2500, "-2,500"),
    (np.int64(61_100_840), "61,100,840"),
    (0.0, "0"), (0.5, "0.5"), (3.14159, "3.142"), (1234.5, "1,234"), (1e6, "1e+06"),
    (2.5e7, "2.5e+07"), (1e-4, "0.0001"), (0.0123456, "0.01235"), (np.float32(0.25), "0.25"),
    ((3, 32, 32), "3×32×32"), ([64, 55, 55], "64×55×55"), (None, ""), (True, "True"),
    (False, "False"), ("conv1", "conv1"),
])
def test_format_cell(value, text):
    assert format_cell(value) == text


def table():
    return Table(["layer", "shape", "params"], [["conv1", (96, 55, 55), 34_944],
                                                ["fc<8>", None, 4_097_000]], title="AlexNet & co")


def test_repr_lines_up_the_cells():
    lines = repr(table()).splitlines()
    assert lines[0] == "AlexNet & co"
    assert lines[1].split() == ["layer", "shape", "params"]
    assert set(lines[2].replace(" ", "")) == {"-"}
    assert lines[3].split() == ["conv1", "96×55×55", "34,944"]
    assert lines[4].split() == ["fc<8>", "4,097,000"]
    # columns start at the same place on every line
    start = lines[1].index("params")
    assert lines[3].index("34,944") == start and lines[4].index("4,097,000") == start


def test_html_has_every_cell_escaped():
    html = table()._repr_html_()
    assert html.startswith("<table>") and html.endswith("</table>")
    assert "<caption>AlexNet &amp; co</caption>" in html
    assert html.count("<th>") == 3 and html.count("<tr>") == 3
    for cell in ("conv1", "96×55×55", "34,944", "fc&lt;8&gt;", "4,097,000"):
        assert f"<td>{cell}</td>" in html
    assert "<td></td>" in html   # None


def test_no_title_no_caption():
    t = Table(["a"], [[1]])
    assert "<caption>" not in t._repr_html_()
    assert repr(t).splitlines()[0].strip() == "a"


def test_column_records_and_len():
    t = table()
    assert len(t) == 2
    assert t.column("params") == [34_944, 4_097_000]
    assert t.records()[0] == {"layer": "conv1", "shape": (96, 55, 55), "params": 34_944}


@pytest.mark.parametrize("row", [["only one"], ["a", "b", "c", "d"]])
def test_mismatched_row_length_raises(row):
    with pytest.raises(ValueError) as info:
        Table(["x", "y", "z"], [["1", "2", "3"], row])
    assert "3 columns" in str(info.value)
