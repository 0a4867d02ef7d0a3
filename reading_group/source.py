"""Showing the package's code in a notebook, so teaching code is read where it runs."""

from __future__ import annotations

import inspect


def show(obj):
    """Display the source of a function or class from the package, highlighted."""
    from IPython.display import Code, display

    display(Code(inspect.getsource(obj), language="python"))
