"""The two halves every interactive figure shares: a live view and a static scrubber.

* :class:`LiveFigure` wires ipywidgets controls to an ``update(**values)`` function that changes
  an existing matplotlib figure in place (``set_data``, not a new figure) and shows the figure
  as an ``ipywidgets.Image``. The image is part of the widget's saved state, so the built HTML
  page shows the figure even without a kernel.
* :func:`scrubber` evaluates the same ``update`` at a grid of values of the main control and packs
  the frames into a self-contained HTML slider (no kernel, no network), for readers of the
  static page.

Both are testable without a display: set a control's ``value`` from Python and inspect the
figure's artists or the image bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def new_figure(width: float = 6.4, height: float = 4.0, dpi: int = 80):
    """A matplotlib ``Figure`` not managed by pyplot (so notebooks do not display it twice)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi, layout="constrained")


def freeze_layout(fig) -> None:
    """Solve the figure's layout once and keep it: later frames then render in one draw.

    A constrained-layout figure re-solves its layout (an extra draw) on every save, which
    doubles the cost of each widget update; the axes do not move between frames anyway.
    """
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        fig.set_layout_engine("none")


def figure_png(fig, dpi: int | None = None) -> bytes:
    """Render ``fig`` to PNG bytes (no timestamp metadata, so equal figures give equal bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, metadata={"Software": None})
    return buffer.getvalue()


class LiveFigure:
    """A figure driven by ipywidgets controls.

    Parameters
    ----------
    fig:
        The matplotlib figure, already drawn once; ``update`` changes its artists in place.
    controls:
        ``{name: ipywidgets control}``; ``update`` receives ``{name: control.value}``.
    update:
        ``update(**values) -> None``; must not raise for any value a control allows.
    """

    def __init__(self, fig, controls: Mapping[str, Any], update: Callable[..., None], columns: int = 2) -> None:
        import ipywidgets as widgets

        self.fig = fig
        self.controls = dict(controls)
        self._update = update
        width_px = int(round(fig.get_figwidth() * fig.dpi))
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width_px}px", max_width="100%", height="auto"))
        rows = [
            widgets.HBox(list(self.controls.values())[i : i + columns])
            for i in range(0, len(self.controls), columns)
        ]
        self.widget = widgets.VBox([*rows, self.image])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._update(**self.values)
        freeze_layout(fig)
        self.refresh()

    @property
    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Recompute from the current control values and redraw the image."""
        self._update(**self.values)
        self.image.value = figure_png(self.fig)

    def _on_change(self, _change) -> None:
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        # The widget's own text/plain repr embeds the PNG bytes; show a stable summary instead.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        names = ", ".join(self.controls)
        return f"LiveFigure(controls: {names})"


class BlitRenderer:
    """PNG frames of a figure whose static parts never change: draw those once, then only the movers.

    Rendering a whole figure re-lays out every text (ticks, labels, legend), which is most of
    the cost of a frame. Here the figure is drawn once without the moving artists and that
    background is kept; each frame restores it and draws only ``moving()`` (images, lines,
    points, contours, the title), in z-order, then encodes the pixels. The result equals a full
    render up to a few anti-aliased pixels, about four times faster. The layout must be fixed
    (no constrained layout), and nothing outside ``moving()`` may change after the first frame.
    """

    def __init__(self, fig, moving: Callable[[], list]) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.moving = moving
        self._background = None

    def png(self) -> bytes:
        """The current state of the figure as PNG bytes (deterministic: no metadata)."""
        import io

        from PIL import Image

        artists = sorted(self.moving(), key=lambda artist: artist.get_zorder())
        for artist in artists:  # animated artists are left out of a full draw
            artist.set_animated(True)
        try:
            if self._background is None:
                self.canvas.draw()
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            else:
                self.canvas.restore_region(self._background)
            for artist in artists:
                (artist.axes or self.fig).draw_artist(artist)
        finally:  # leave the figure normal for anyone who draws it whole (savefig)
            for artist in artists:
                artist.set_animated(False)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png")
        return buffer.getvalue()


class BlitLiveFigure(LiveFigure):
    """A :class:`~nbcode.widgets.LiveFigure` that redraws only the moving artists (see :class:`BlitRenderer`)."""

    def __init__(self, fig, controls, update, moving: Callable[[], list], columns: int = 2) -> None:
        self.renderer = BlitRenderer(fig, moving)
        super().__init__(fig, controls, update, columns=columns)

    def refresh(self) -> None:
        self._update(**self.values)
        self.image.value = self.renderer.png()


class Scrubber:
    """A self-contained HTML slider over precomputed PNG frames (needs no kernel, no network)."""

    def __init__(self, frames: Sequence[bytes], labels: Sequence[str], control: str, title: str = "", initial: int = 0) -> None:
        if len(frames) == 0:
            raise ValueError("a scrubber needs at least one frame; pass a non-empty list of values.")
        if len(frames) != len(labels):
            raise ValueError(f"got {len(frames)} frames but {len(labels)} labels; give one label per frame.")
        if not 0 <= initial < len(frames):
            raise ValueError(f"initial frame {initial} is outside 0..{len(frames) - 1}.")
        self.frames = list(frames)
        self.labels = [str(label) for label in labels]
        self.control = control
        self.title = title
        self.initial = initial
        # The id depends on what the figure shows, not on pixels or memory: stable across machines.
        digest = hashlib.sha1(json.dumps([control, title, self.labels]).encode()).hexdigest()[:10]
        self.element_id = f"nbcode-scrubber-{digest}"

    @property
    def nbytes(self) -> int:
        return len(self._repr_html_().encode())

    def _repr_html_(self) -> str:
        uris = [f"data:image/png;base64,{base64.b64encode(frame).decode()}" for frame in self.frames]
        sid = self.element_id
        title = f'<div class="nbcode-scrubber-title">{html.escape(self.title)}</div>' if self.title else ""
        return (
            f'<div class="nbcode-scrubber" id="{sid}" data-frames="{len(uris)}">{title}'
            f'<img class="nbcode-scrubber-frame" src="{uris[self.initial]}" alt="{html.escape(self.title or self.control)}" '
            'style="max-width:100%;height:auto;display:block">'
            '<div class="nbcode-scrubber-controls" style="display:flex;gap:0.75em;align-items:center">'
            f'<label for="{sid}-input">{html.escape(self.control)}</label>'
            f'<input id="{sid}-input" type="range" min="0" max="{len(uris) - 1}" step="1" value="{self.initial}" '
            'style="flex:1;max-width:24em">'
            f'<output for="{sid}-input">{html.escape(self.labels[self.initial])}</output></div>'
            "<script>(function(){"
            f'var root=document.getElementById("{sid}");if(!root){{return;}}'
            f"var frames={json.dumps(uris)};var labels={json.dumps(self.labels)};"
            'var img=root.querySelector("img"),input=root.querySelector("input"),out=root.querySelector("output");'
            'input.addEventListener("input",function(){var i=+input.value;img.src=frames[i];out.textContent=labels[i];});'
            "})();</script></div>"
        )

    def __repr__(self) -> str:
        return f"Scrubber({len(self.frames)} frames over {self.control!r})"


def scrubber(
    fig,
    update: Callable[..., None],
    control: str,
    values: Sequence[Any],
    *,
    fixed: Mapping[str, Any] | None = None,
    fmt: Callable[[Any], str] | str = "{:.3g}",
    title: str = "",
    initial: int | None = None,
    dpi: int | None = None,
) -> Scrubber:
    """Evaluate ``update(control=value, **fixed)`` for each value and pack the frames in a :class:`Scrubber`."""
    values = list(values)
    if not values:
        raise ValueError("a scrubber needs at least one value of its control; pass a non-empty list.")
    fixed = dict(fixed or {})
    update(**{**fixed, control: values[0]})
    freeze_layout(fig)
    frames: list[bytes] = []
    for value in values:
        update(**{**fixed, control: value})
        frames.append(figure_png(fig, dpi=dpi))
    formatter = fmt.format if isinstance(fmt, str) else fmt
    labels = [formatter(value) for value in values]
    if initial is None:
        initial = len(values) // 2
    # Leave the figure showing the initial frame, as the page does.
    update(**{**fixed, control: values[initial]})
    return Scrubber(frames, labels, control=control, title=title, initial=initial)


def grid(xlim: tuple[float, float], ylim: tuple[float, float], n: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """A square ``(n, n)`` mesh over ``xlim`` x ``ylim`` for surfaces and decision regions."""
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    return np.meshgrid(xs, ys)
