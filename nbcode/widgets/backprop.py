"""Interactive figure of the backpropagation chapter: the shopping bill of "Deep Learning from
Scratch" as a computational graph whose every edge shows its forward value and its gradient.

Compute (NumPy-free arithmetic on floats, tested):

* :func:`shopping_bill` ``(apple_price, apples, mandarin_price, mandarins, tax)``: the forward
  pass through three multiply nodes and one add node (``nbcode.layers.MulNode`` / ``AddNode``)::

      apple_total = apple_price * apples,  mandarin_total = mandarin_price * mandarins,
      subtotal = apple_total + mandarin_total,  total = subtotal * tax,

  and the backward pass from d total / d total = 1, returning every node's value and the
  gradient of ``total`` with respect to it. A multiply node hands each input the upstream
  gradient times the OTHER input; an add node hands the upstream gradient to both inputs.

View (thin): :func:`draw_bill_graph` draws the graph on a matplotlib ``Axes`` (nodes as circles,
forward values in blue above each edge, gradients in red below it) and returns the text artists;
:func:`draw` puts it on a figure and returns the :class:`~nbcode.widgets.Scene`, whose update
changes only those texts (``set_text``). :func:`bill_explorer` is the live figure (five sliders),
:func:`bill_scrubber` the static one: the same scene over one input.
"""

from __future__ import annotations

import math

from ..layers import AddNode, MulNode

__all__ = [
    "BILL_INPUTS",
    "BILL_NODES",
    "shopping_bill",
    "format_number",
    "draw_bill_graph",
    "update_bill_graph",
    "draw",
    "bill_explorer",
    "bill_scrubber",
]

#: The five inputs of the bill, in the order of :func:`shopping_bill`'s arguments.
BILL_INPUTS = ("apple_price", "apples", "mandarin_price", "mandarins", "tax")
#: Every quantity on the graph in order (the inputs, then the intermediate nodes, then the output).
BILL_NODES = BILL_INPUTS + ("apple_total", "mandarin_total", "subtotal", "total")

#: Colours of the two passes (matplotlib's tab:blue and tab:red).
FORWARD_COLOR, BACKWARD_COLOR = "#1f77b4", "#d62728"


def shopping_bill(
    apple_price: float = 100.0,
    apples: float = 2.0,
    mandarin_price: float = 150.0,
    mandarins: float = 3.0,
    tax: float = 1.1,
) -> dict[str, dict[str, float]]:
    """Forward and backward pass of the bill; returns ``{"value": {node: v}, "grad": {node: d total/d node}}``.

    With the defaults of DLFS (2 apples at 100, 3 mandarins at 150, tax 1.1): total = 715 and the
    gradients are 2.2 (apple price), 110 (apples), 3.3 (mandarin price), 165 (mandarins), 650 (tax).
    """
    inputs = dict(zip(BILL_INPUTS, (apple_price, apples, mandarin_price, mandarins, tax)))
    for name, v in inputs.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
            raise ValueError(f"shopping_bill: {name} must be a number, got {v!r}.")
    mul_apple, mul_mandarin, add_fruit, mul_tax = MulNode(), MulNode(), AddNode(), MulNode()

    # forward: left to right
    apple_total = mul_apple.forward(float(apple_price), float(apples))
    mandarin_total = mul_mandarin.forward(float(mandarin_price), float(mandarins))
    subtotal = add_fruit.forward(apple_total, mandarin_total)
    total = mul_tax.forward(subtotal, float(tax))

    # backward: right to left, each node multiplies the upstream gradient by its local derivative
    d_total = 1.0
    d_subtotal, d_tax = mul_tax.backward(d_total)
    d_apple_total, d_mandarin_total = add_fruit.backward(d_subtotal)
    d_apple_price, d_apples = mul_apple.backward(d_apple_total)
    d_mandarin_price, d_mandarins = mul_mandarin.backward(d_mandarin_total)

    value = {
        **{name: float(v) for name, v in inputs.items()},
        "apple_total": apple_total,
        "mandarin_total": mandarin_total,
        "subtotal": subtotal,
        "total": total,
    }
    grad = {
        "apple_price": d_apple_price,
        "apples": d_apples,
        "mandarin_price": d_mandarin_price,
        "mandarins": d_mandarins,
        "tax": d_tax,
        "apple_total": d_apple_total,
        "mandarin_total": d_mandarin_total,
        "subtotal": d_subtotal,
        "total": d_total,
    }
    return {"value": value, "grad": {name: float(g) for name, g in grad.items()}}


def format_number(x: float) -> str:
    """Up to 6 significant digits, no float noise: 220.00000000000003 -> "220", 2.2 -> "2.2"."""
    text = f"{x:.6g}"
    return "0" if text == "-0" else text


# ---------------------------------------------------------------------------- the drawing
# Layout in data coordinates: inputs on the left, nodes as circles, the output on the right.
_INPUT_AT = {"apples": (0.0, 4.0), "apple_price": (0.0, 3.0), "mandarins": (0.0, 2.0), "mandarin_price": (0.0, 1.0), "tax": (6.3, 0.7)}
_INPUT_LABEL = {"apples": "apples", "apple_price": "apple price", "mandarins": "mandarins", "mandarin_price": "mandarin price", "tax": "tax"}
_NODE_AT = {"mul_apple": (3.2, 3.5), "mul_mandarin": (3.2, 1.5), "add": (5.4, 2.5), "mul_tax": (7.4, 2.5)}
_NODE_SYMBOL = {"mul_apple": "\u00d7", "mul_mandarin": "\u00d7", "add": "+", "mul_tax": "\u00d7"}
_OUTPUT_AT = (9.4, 2.5)
_RADIUS = 0.32
#: Each edge: the quantity it carries, where it starts, where it ends (in BILL_NODES order).
_EDGES = {
    "apple_price": ("input", "mul_apple"),
    "apples": ("input", "mul_apple"),
    "mandarin_price": ("input", "mul_mandarin"),
    "mandarins": ("input", "mul_mandarin"),
    "tax": ("input", "mul_tax"),
    "apple_total": ("mul_apple", "add"),
    "mandarin_total": ("mul_mandarin", "add"),
    "subtotal": ("add", "mul_tax"),
    "total": ("mul_tax", "output"),
}


def _title(result: dict) -> str:
    v, g = result["value"], result["grad"]
    return f"total = {format_number(v['total'])};  d total / d tax = {format_number(g['tax'])}"


def _draw_nodes(ax, fontsize: float) -> None:
    """The static part of the graph: node circles and symbols, the input and output names."""
    from matplotlib.patches import Circle

    for name, (x, y) in _NODE_AT.items():
        ax.add_patch(Circle((x, y), _RADIUS, facecolor="#f2f2f2", edgecolor="0.2", linewidth=1.4, zorder=3))
        ax.text(x, y, _NODE_SYMBOL[name], ha="center", va="center", fontsize=fontsize + 6, zorder=4)
    for name, (x, y) in _INPUT_AT.items():
        ax.text(x - 0.1, y, _INPUT_LABEL[name], ha="right", va="center", fontsize=fontsize)
    ax.text(_OUTPUT_AT[0] + 0.1, _OUTPUT_AT[1], "total", ha="left", va="center", fontsize=fontsize)


def _draw_edge(ax, name: str, fontsize: float):
    """The arrow that carries ``name`` and its two (empty) labels: ``(value Text, gradient Text)``."""
    from matplotlib.patches import FancyArrowPatch

    start, end = _EDGES[name]
    x0, y0 = _INPUT_AT[name] if start == "input" else _NODE_AT[start]
    x1, y1 = _OUTPUT_AT if end == "output" else _NODE_AT[end]
    # start and end on the circles' rims (in data units, so any figure size works)
    length = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    a = 0.0 if start == "input" else _RADIUS
    b = 0.0 if end == "output" else _RADIUS
    ax.add_patch(FancyArrowPatch(
        (x0 + a * ux, y0 + a * uy), (x1 - b * ux, y1 - b * uy), arrowstyle="-|>", mutation_scale=12,
        color="0.35", linewidth=1.2, shrinkA=0, shrinkB=0, zorder=2,
    ))
    # labels part-way along the edge (near the start where input edges converge):
    # blue value above, red gradient below
    f = 0.22 if start == "input" and name != "tax" else 0.45
    xm, ym = x0 + f * (x1 - x0), y0 + f * (y1 - y0)
    style = dict(fontsize=fontsize, fontweight="bold", zorder=5)
    if abs(uy) > 0.7:  # a steep edge: value on its left, gradient on its right
        return (ax.text(xm - 0.12, ym, "", color=FORWARD_COLOR, ha="right", va="center", **style),
                ax.text(xm + 0.12, ym, "", color=BACKWARD_COLOR, ha="left", va="center", **style))
    return (ax.text(xm, ym + 0.13, "", color=FORWARD_COLOR, ha="center", va="bottom", **style),
            ax.text(xm, ym - 0.13, "", color=BACKWARD_COLOR, ha="center", va="top", **style))


def draw_bill_graph(ax, result: dict | None = None, *, fontsize: float = 10.0) -> dict:
    """Draw the bill's computational graph on ``ax`` and label it with ``result`` (from
    :func:`shopping_bill`; its defaults if None). Returns ``{"value": {node: Text},
    "grad": {node: Text}, "title": Text}`` (nodes in :data:`BILL_NODES` order), the artists
    :func:`update_bill_graph` changes."""
    from matplotlib.lines import Line2D

    ax.set_xlim(-1.9, 10.3)
    ax.set_ylim(0.2, 4.45)
    ax.set_aspect("equal")
    ax.axis("off")
    _draw_nodes(ax, fontsize)
    labels = {name: _draw_edge(ax, name, fontsize) for name in BILL_NODES}
    handles = [
        Line2D([], [], color=FORWARD_COLOR, marker="s", linestyle="", label="forward value"),
        Line2D([], [], color=BACKWARD_COLOR, marker="s", linestyle="", label="gradient d total / d (edge)"),
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=fontsize - 1, frameon=False)
    artists = {
        "value": {name: value for name, (value, _) in labels.items()},
        "grad": {name: grad for name, (_, grad) in labels.items()},
        # pad 12 pt, not 6: the one constrained-layout pass of the Renderer places an equal-aspect
        # axes as if its title had no padding, and the title would touch the figure's top edge
        "title": ax.set_title("", fontsize=fontsize + 1, pad=12),
    }
    update_bill_graph(artists, shopping_bill() if result is None else result)
    return artists


def update_bill_graph(artists: dict, result: dict) -> None:
    """Write ``result``'s values and gradients into the text artists of :func:`draw_bill_graph`."""
    for name, text in artists["value"].items():
        text.set_text(format_number(result["value"][name]))
    for name, text in artists["grad"].items():
        text.set_text(format_number(result["grad"][name]))
    artists["title"].set_text(_title(result))


def draw(fig, *, fontsize: float = 10.0):
    """Draw the graph on ``fig`` and return its Scene; the controls are the five bill inputs.

    Only the edge labels and the title move (``update`` rewrites them and returns the
    :func:`shopping_bill` result). ``moving()`` lists the value texts, then the gradient texts,
    each in :data:`BILL_NODES` order, then the title.
    """
    from ._core import Scene

    artists = draw_bill_graph(fig.add_subplot(), fontsize=fontsize)

    def update(apple_price=100.0, apples=2, mandarin_price=150.0, mandarins=3, tax=1.1) -> dict:
        result = shopping_bill(apple_price, apples, mandarin_price, mandarins, tax)
        update_bill_graph(artists, result)
        return result

    def moving() -> list:
        return [*artists["value"].values(), *artists["grad"].values(), artists["title"]]

    return Scene(fig, update, moving)


# ---------------------------------------------------------------------------- the views
def bill_explorer(
    apple_price: float = 100.0,
    apples: int = 2,
    mandarin_price: float = 150.0,
    mandarins: int = 3,
    tax: float = 1.1,
    *,
    dpi: int = 80,
):
    """Five sliders (prices, counts, tax) driving the bill's graph; returns the LiveFigure.

    Each move reruns :func:`shopping_bill` (forward and backward) and rewrites the edge labels;
    ``view.scene.result`` is the last result.
    """
    import ipywidgets as widgets

    from ._core import LiveFigure, control, new_figure

    style = dict(continuous_update=True, style={"description_width": "initial"})
    controls = {
        "apple_price": control(widgets.IntSlider, apple_price, "bill_explorer", "apple_price", min=0, max=300, step=10, description="apple price", **style),
        "apples": control(widgets.IntSlider, apples, "bill_explorer", "apples", min=0, max=10, description="apples", **style),
        "mandarin_price": control(widgets.IntSlider, mandarin_price, "bill_explorer", "mandarin_price", min=0, max=300, step=10, description="mandarin price", **style),
        "mandarins": control(widgets.IntSlider, mandarins, "bill_explorer", "mandarins", min=0, max=10, description="mandarins", **style),
        "tax": control(widgets.FloatSlider, tax, "bill_explorer", "tax", min=1.0, max=1.3, step=0.01, readout_format=".2f", description="tax", **style),
    }
    return LiveFigure(draw(new_figure(8.0, 3.0, dpi)), controls, columns=3)


#: The inputs the explorer opens on (DLFS's worked example); the scrubber fixes the others there.
_EXPLORER_DEFAULTS = dict(apple_price=100, apples=2, mandarin_price=150, mandarins=3, tax=1.1)
#: Default frames of the static scrubber for each input.
_SCRUB_VALUES = {
    "apple_price": list(range(0, 301, 20)),
    "apples": list(range(0, 11)),
    "mandarin_price": list(range(0, 301, 20)),
    "mandarins": list(range(0, 11)),
    "tax": [round(1.0 + 0.02 * k, 2) for k in range(16)],
}


def bill_scrubber(control: str = "apples", values=None, *, dpi: int | None = None, **inputs):
    """A static scrubber over one input of the bill (default: apples 0..10); the other inputs are
    the explorer's defaults unless given as keywords (``bill_scrubber("tax", apples=5)``). It
    opens on the frame nearest ``control``'s own default or given value."""
    from ._core import new_figure, scrubber

    if control not in BILL_INPUTS:
        raise ValueError(f"bill_scrubber: control must be one of {', '.join(BILL_INPUTS)}, got {control!r}.")
    unknown = set(inputs) - set(BILL_INPUTS)
    if unknown:
        raise ValueError(f"bill_scrubber: unknown inputs {sorted(unknown)}; the bill's inputs are {', '.join(BILL_INPUTS)}.")
    fixed = {**_EXPLORER_DEFAULTS, **inputs}
    current = fixed.pop(control)
    values = list(_SCRUB_VALUES[control] if values is None else values)
    initial = min(range(len(values)), key=lambda i: abs(values[i] - current)) if values else None
    return scrubber(
        draw(new_figure(8.0, 3.0, dpi)), control, values, fixed=fixed, fmt="{:.2f}" if control == "tax" else "{:g}",
        initial=initial, title=f"Forward values (blue) and gradients (red) as {_INPUT_LABEL[control]} changes",
        alt=f"The shopping-bill graph (apples and mandarins times their prices, added, times the tax) with the "
        f"forward value in blue above each edge and the gradient of the total in red below it, as "
        f"{_INPUT_LABEL[control]} changes. A multiply node hands each input the other input's value times the "
        "gradient from above, so a count's gradient is its price times the tax and a price's gradient is its count "
        "times the tax; the tax's gradient is the subtotal.",
    )
