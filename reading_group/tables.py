"""A small table that prints as text in a terminal and as HTML in a notebook.

Written here rather than taken from pandas: the series needs only display, and pandas
would be one more large dependency for readers to install.
"""

from __future__ import annotations

import html
import numbers


def format_cell(value) -> str:
    """Numbers with thousands separators, floats to four significant figures."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        if value == 0:
            return "0"
        if abs(value) >= 1e6 or abs(value) < 1e-3:
            return f"{value:.3g}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    if isinstance(value, (tuple, list)):
        return "×".join(str(v) for v in value)
    return str(value)


class Table:
    """Columns, rows of values and an optional title."""

    def __init__(self, columns, rows, title: str | None = None):
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        self.title = title
        for r in self.rows:
            if len(r) != len(self.columns):
                raise ValueError(f"Row {r!r} has {len(r)} cells for {len(self.columns)} columns.")

    def column(self, name: str) -> list:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, r)) for r in self.rows]

    def __len__(self):
        return len(self.rows)

    def __repr__(self):
        cells = [self.columns] + [[format_cell(v) for v in r] for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.title:
            lines.insert(0, self.title)
        return "\n".join(lines)

    def markdown(self) -> str:
        """The rows as a GitHub-flavoured Markdown table (no title; '|' escaped, one line a row)."""
        def cell(value):
            return " ".join(format_cell(value).split()).replace("|", "\\|")

        lines = ["| " + " | ".join(cell(c) for c in self.columns) + " |",
                 "|" + "|".join(" --- " for _ in self.columns) + "|"]
        lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(format_cell(v))}</td>" for v in r) + "</tr>"
            for r in self.rows
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
