"""Interactive explorers built on ipywidgets, each with a static figure for readers without
a kernel.

`explorer(draw, title=..., **controls)` first draws a static figure at the controls'
starting values: that is what GitHub, a PDF or a notebook opened without a kernel shows.
Under it come the controls; moving one redraws the figure below them. The redraw is lazy
(nothing is drawn until a control moves), so an executed notebook stores each figure once.
"""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display


def slider(value, lo, hi, step=None, description="", log: bool = False):
    """A slider that redraws on release; integers give an IntSlider, `log` a log-scale one."""
    common = dict(value=value, description=description, continuous_update=False,
                  style={"description_width": "initial"})
    if log:
        import math

        return W.FloatLogSlider(base=10, min=math.log10(lo), max=math.log10(hi),
                                step=step or 0.1, **common)
    if all(isinstance(v, int) for v in (value, lo, hi)):
        return W.IntSlider(min=lo, max=hi, step=step or 1, **common)
    return W.FloatSlider(min=lo, max=hi, step=step or (hi - lo) / 100, **common)


def dropdown(options, value=None, description=""):
    return W.Dropdown(options=options, value=value if value is not None else list(options)[0],
                      description=description, style={"description_width": "initial"})


def explorer(draw, *, title: str, **controls):
    """Show `draw(**values)` at the controls' values now, then the controls to change them.

    `draw` makes a Matplotlib figure from keyword arguments named like the controls.
    Returns the box of controls (for tests: set a control's ``value`` to redraw).
    """
    start = {name: c.value for name, c in controls.items()}
    draw(**start)
    plt.show()
    out = W.Output()

    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            draw(**{name: c.value for name, c in controls.items()})
            plt.show()

    for c in controls.values():
        c.observe(redraw, names="value")
    box = W.VBox([
        W.HTML(f"<b>{title}</b>: the figure above is drawn at these starting values; "
               f"move a control to redraw it below (needs a live kernel)."),
        W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")),
        out,
    ])
    display(box)
    return box
