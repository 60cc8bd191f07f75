"""The two halves every interactive figure shares: a live view and a static scrubber.

* :class:`LiveFigure` wires ipywidgets controls to a scene's ``update(**values)``, which changes
  an existing matplotlib figure in place (``set_data``, not a new figure), and shows the figure
  as an ``ipywidgets.Image``. It lives only where a kernel runs (Jupyter, Binder). Its widget state
  is not saved: without a kernel a control cannot move its figure, so a page without one shows a
  note in its place (the cell's ``text/html`` and ``text/plain`` outputs) instead of dead sliders.
* :func:`scrubber` evaluates the same ``update`` at a grid of values of the main control and packs
  the frames into a self-contained HTML slider (no kernel, no network), for readers of the
  static page. Each frame carries a description (its ``alt`` text names the value).

Both render a :class:`Scene` (the figure, its moving artists, an update function of the control
values) through one :class:`Renderer`, which draws the static parts once and then only what moves.
Both are testable without a display: set a control's ``value`` from Python and inspect the
figure's artists or the image bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import real_number
from ..plot import COLUMN_PX, palette_png, smallest_text_px


_SELECTIONS = ("Dropdown", "SelectionSlider", "ToggleButtons", "RadioButtons")


def control(factory, value, owner: str, name: str, **kwargs):
    """Build the ipywidgets control ``factory(value=value, **kwargs)``, or say what it accepts.

    ipywidgets would clamp a number outside a slider's range without a word (``lr=100`` becomes
    the maximum) and reject an unknown choice with a bare ``TraitError``. Here a number goes
    through the package's one numeric check (:func:`nbcode._checks.real_number`, with the
    slider's range) and a choice must be one of the options: a ``TypeError`` or ``ValueError``
    that names the widget, the argument and what it allows.
    """
    where = f"{owner}: {name}"
    if factory.__name__ in _SELECTIONS:
        allowed = [option[1] if isinstance(option, tuple) else option for option in kwargs["options"]]
        if not any(value == choice and type(value) is not bool for choice in allowed):
            raise ValueError(f"{where}={value!r} is not one of the allowed values {allowed}.")
        return factory(value=value, **kwargs)
    low, high = kwargs.get("min", 0), kwargs.get("max", 100)  # ipywidgets' defaults
    if factory.__name__ == "FloatLogSlider":  # min and max are exponents; allow the ends' rounding
        base = kwargs.get("base", 10)
        low, high = base ** low * (1 - 1e-12), base ** high * (1 + 1e-12)
    number = real_number(value, where, low=low, high=high, fix="pass a value in the slider's range")
    if not factory.__name__.startswith("Int"):
        return factory(value=number, **kwargs)
    if number != int(number):
        raise TypeError(f"{where} must be a whole number, got {value!r}.")
    return factory(value=int(number), **kwargs)


def new_figure(width: float = 6.4, height: float = 4.0, dpi: int | None = 80):
    """A matplotlib ``Figure`` not managed by pyplot (so notebooks do not display it twice).

    ``dpi=None`` chooses the dpi at which the figure fills the book's text column
    (:data:`nbcode.plot.COLUMN_PX` wide), as a scrubber's frames should. Its constrained layout
    is solved once, by the :class:`Renderer`, before the first frame.
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi or column_dpi(width), layout="constrained")


def column_dpi(width: float) -> int:
    """The dpi at which a figure ``width`` inches wide fills the book's text column
    (:data:`nbcode.plot.COLUMN_PX`) at its own size: text keeps its point size on the page."""
    return int(COLUMN_PX // width)


def figure_png(fig, dpi: int | None = None) -> bytes:
    """Render all of ``fig`` to PNG bytes (no timestamp metadata, so equal figures give equal bytes).

    The reference a :class:`Renderer` frame must equal; widgets themselves render through the renderer.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, metadata={"Software": None})
    return buffer.getvalue()


@dataclass(eq=False)
class Scene:
    """One interactive figure, as the :class:`Renderer` sees it.

    Attributes
    ----------
    fig:
        The matplotlib figure, with every artist already created.
    update:
        ``update(**values)`` changes the artists in place (``set_data``, ``set_text``) and returns
        what it computed (kept in :attr:`result`, for tests and curious readers), or None. It must
        not raise for any value a control allows: extreme settings are shown, not refused.
    moving:
        ``moving() -> artists``: the artists ``update`` may change, asked for after each update
        (so an update may replace an artist, e.g. a contour), in any order (they are drawn in
        z-order). Nothing else may change between two frames with the same background key.
    background:
        Optional ``background(values) -> key`` for controls that change the static part (another
        surface, other axis limits): a new key redraws the background once.
    result:
        What the last ``update`` returned (None before the first).
    """

    fig: Any
    update: Callable[..., Any]
    moving: Callable[[], Iterable[Any]]
    background: Callable[[Mapping[str, Any]], Hashable] | None = None
    result: Any = field(default=None, init=False)


class Renderer:
    """PNG frames of a :class:`Scene`: the static parts drawn once, then only what moves.

    Drawing a whole figure re-lays out every text (ticks, labels, legends), which is most of the
    cost of a frame. So the layout is solved once, the figure is drawn once without the moving
    artists and that background kept (one per background key, so going back to an earlier
    surface costs nothing); each frame restores it, draws the movers and encodes the pixels.
    The result equals a full render (:func:`figure_png`) up to a few anti-aliased pixels.
    ``full_draws`` counts background draws.
    """

    def __init__(self, scene: Scene) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.scene = scene
        self.canvas = FigureCanvasAgg(scene.fig)
        self.full_draws = 0
        self._backgrounds: dict[Hashable, Any] = {}

    def render(self, values: Mapping[str, Any], *, palette: bool = False) -> bytes:
        """Update the scene to ``values`` and return the frame as PNG bytes (deterministic).

        ``palette`` reduces the frame to 256 colours: a third of the bytes, for frames that travel
        in a page (the scrubber's); the live view keeps full colour, which encodes faster."""
        scene, fig = self.scene, self.scene.fig
        scene.result = scene.update(**values)
        if fig.get_layout_engine() is not None:
            # solve the layout for the first frame, then keep it; constrained layout needs a second
            # pass to settle equal-aspect axes (their titles otherwise touch the edge)
            fig.draw_without_rendering()
            fig.draw_without_rendering()
            fig.set_layout_engine(None)  # None, not "none" (a placeholder would lay out each save)
        key = scene.background(values) if scene.background is not None else None
        movers = sorted(scene.moving(), key=lambda artist: artist.get_zorder())
        for artist in movers:  # animated artists are left out of a full draw
            artist.set_animated(True)
        try:
            if key in self._backgrounds:
                self.canvas.restore_region(self._backgrounds[key])
            else:
                self.canvas.draw()
                self._backgrounds[key] = self.canvas.copy_from_bbox(fig.bbox)
                self.full_draws += 1
            for artist in movers:
                if artist.get_visible():
                    fig.draw_artist(artist)
        finally:  # leave the figure whole for anyone who saves it (figure_png)
            for artist in movers:
                artist.set_animated(False)
        return _png(self.canvas.buffer_rgba(), palette=palette)


def _png(rgba: memoryview, *, palette: bool = False) -> bytes:
    """PNG bytes of the canvas's RGBA buffer, without its alpha (the figure is opaque)."""
    from PIL import Image

    height, width = rgba.shape[:2]
    # read in place and dropped by PIL, not copied out of a strided NumPy view (3-5 ms a frame)
    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")
    if palette:
        return palette_png(image)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=3)  # zlib 3: a third faster than 6, frames 5% larger
    return buffer.getvalue()


class LiveFigure:
    """A :class:`Scene` driven by ipywidgets controls, shown as an ``ipywidgets.Image``.

    It needs a kernel. Without one (the built book, a notebook not yet run) the cell shows a note
    naming its controls instead (``text/html`` and ``text/plain``), never controls that cannot move
    the figure. ``controls`` is ``{name: ipywidgets control}``; moving one calls
    ``scene.update(**values)`` with every control's value and renders the new frame.

    ``warm`` lists settings to draw before the reader moves anything, each as the controls it
    changes (``[{"surface": "rosenbrock"}]``): a control that changes the background costs a full
    draw the first time (a few hundred ms), paid here, when the cell runs, not on the reader's
    first move. Their frames are kept like any other (see :meth:`refresh`).
    """

    #: How many recent frames a live figure keeps (about 50 KB each).
    FRAMES_KEPT = 64

    def __init__(self, scene: Scene, controls: Mapping[str, Any], columns: int = 2,
                 warm: Iterable[Mapping[str, Any]] = ()) -> None:
        import ipywidgets as widgets

        self.scene = scene
        self._frames: dict[tuple, bytes] = {}
        self.renderer = Renderer(scene)
        self.controls = dict(controls)
        width_px = int(round(scene.fig.get_figwidth() * scene.fig.dpi))
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width_px}px", max_width="100%", height="auto"))
        rows = [
            widgets.HBox(list(self.controls.values())[i : i + columns])
            for i in range(0, len(self.controls), columns)
        ]
        self.widget = widgets.VBox([*rows, self.image])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        for changed in warm:  # each a setting away from the start, e.g. another surface
            values = {**self.values, **changed}
            self._remember(values, self.renderer.render(values))
        self.refresh()

    @property
    def fig(self):
        return self.scene.fig

    @property
    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Recompute from the current control values and redraw the image.

        A reader drags a slider back and forth: the frames of the last :attr:`FRAMES_KEPT`
        settings are kept, so a setting seen before is only recomputed (``scene.update``, which
        leaves the figure's artists and :attr:`Scene.result` as a full render does) and its
        frame reused, not drawn and encoded again. A frame depends on the values alone
        (the renderer is deterministic), so a kept frame equals a new one.
        """
        values = self.values
        frame = self._frames.get(tuple(values.items()))
        if frame is None:
            frame = self.renderer.render(values)
        else:
            self.scene.result = self.scene.update(**values)
        self.image.value = self._remember(values, frame)

    def _remember(self, values: Mapping[str, Any], frame: bytes) -> bytes:
        """Keep `frame` as the newest of the kept frames, the oldest dropped past :attr:`FRAMES_KEPT`."""
        self._frames.pop(key := tuple(values.items()), None)
        self._frames[key] = frame
        if len(self._frames) > self.FRAMES_KEPT:
            del self._frames[next(iter(self._frames))]
        return frame

    def _on_change(self, _change) -> None:
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        # With a kernel, the widget view; without one (the built book, an unrun notebook), the note.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self._note_html()
        return bundle

    def _control_names(self) -> list[str]:
        return [getattr(control, "description", "") or name for name, control in self.controls.items()]

    def _note_html(self) -> str:
        names = html.escape(", ".join(self._control_names()))
        return (
            '<div class="nbcode-live-note" role="note"><strong>Live figure: it needs a running Python.</strong> '
            f"In Jupyter or Binder this cell shows the figure with its controls ({names}). "
            "This page has no Python behind it, so its controls could not move the figure: "
            "the slider under the next code cell moves a precomputed version instead."
            ' <a class="nbcode-launch" hidden>Open this chapter live in Binder.</a></div>'
        )

    def __repr__(self) -> str:
        names = ", ".join(self._control_names())
        return f"LiveFigure(controls: {names}): run the cells above (Run > Run All Cells) to bring its controls to life."


class Scrubber:
    """A self-contained HTML slider over precomputed PNG frames (needs no kernel, no network).

    ``alt`` describes what the figure shows, true for every frame; each frame's alt text adds the
    slider's range and the value it is drawn at, and the range input announces that value
    (``aria-valuetext``), so a screen reader hears "c = -30", not "5".
    """

    def __init__(
        self, frames: Sequence[bytes], labels: Sequence[str], control: str, title: str = "", initial: int = 0, alt: str = "",
        smallest_text_px: float | None = None,
    ) -> None:
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
        self.alt = " ".join(alt.split())
        self.smallest_text_px = smallest_text_px  # as the page shows it (nbcode.plot.smallest_text_px)
        # The id depends on what the figure shows, not on pixels or memory: stable across machines.
        digest = hashlib.sha1(json.dumps([control, title, self.labels]).encode()).hexdigest()[:10]
        self.element_id = f"nbcode-scrubber-{digest}"

    def value_text(self, i: int) -> str:
        """What frame ``i`` is drawn at, as a reader hears it: ``"c = -30"``."""
        return f"{self.control} = {self.labels[i]}"

    def frame_alt(self, i: int) -> str:
        """The alt text of frame ``i``: the figure's description, the slider's range and the value
        the frame is drawn at."""
        described = self.alt or self.title or f"Precomputed figure over {self.control}."
        if len(self.labels) > 1:
            first, last = self.labels[0], self.labels[-1]
            described += f" The slider steps {self.control} through {len(self.labels)} values from {first} to {last}."
        return f"{described} Shown at {self.value_text(i)}."

    @property
    def nbytes(self) -> int:
        return len(self._repr_html_().encode())

    def _repr_html_(self) -> str:
        uris = [f"data:image/png;base64,{base64.b64encode(frame).decode()}" for frame in self.frames]
        alts = [self.frame_alt(i) for i in range(len(uris))]
        values = [self.value_text(i) for i in range(len(uris))]
        sid, i = self.element_id, self.initial
        title = f'<div class="nbcode-scrubber-title">{html.escape(self.title)}</div>' if self.title else ""
        return (
            f'<div class="nbcode-scrubber" id="{sid}" data-frames="{len(uris)}" data-smallest-text-px="{self.smallest_text_px}">{title}'
            f'<img class="nbcode-scrubber-frame" src="{uris[i]}" alt="{html.escape(alts[i])}" '
            'style="max-width:100%;height:auto;display:block">'
            '<div class="nbcode-scrubber-controls" style="display:flex;gap:0.75em;align-items:center">'
            f'<label for="{sid}-input">{html.escape(self.control)}</label>'
            f'<input id="{sid}-input" type="range" min="0" max="{len(uris) - 1}" step="1" value="{i}" '
            f'aria-valuetext="{html.escape(values[i])}" style="flex:1;min-width:6em;max-width:24em">'
            f'<output for="{sid}-input">{html.escape(self.labels[i])}</output></div>'
            "<script>(function(){"
            f'var root=document.getElementById("{sid}");if(!root){{return;}}'
            f"var frames={json.dumps(uris)},labels={json.dumps(self.labels)},alts={json.dumps(alts)},values={json.dumps(values)};"
            'var img=root.querySelector("img"),input=root.querySelector("input"),out=root.querySelector("output");'
            'input.addEventListener("input",function(){var i=+input.value;img.src=frames[i];img.alt=alts[i];'
            'out.textContent=labels[i];input.setAttribute("aria-valuetext",values[i]);});'
            # The range's own keys stay the range's: in JupyterLab they would move the cell selection.
            'input.addEventListener("keydown",function(e){if(/^(Arrow|Page|Home|End)/.test(e.key)){e.stopPropagation();}});'
            "})();</script></div>"
        )

    def __repr__(self) -> str:
        return f"Scrubber({len(self.frames)} frames over {self.control!r})"


def scrubber(
    scene: Scene,
    control: str,
    values: Sequence[Any],
    *,
    fixed: Mapping[str, Any] | None = None,
    fmt: Callable[[Any], str] | str = "{:.3g}",
    title: str = "",
    initial: int | None = None,
    alt: str = "",
) -> Scrubber:
    """Render ``scene`` at ``{control: value, **fixed}`` for each value into a :class:`Scrubber`.

    The frames go through the same :class:`Renderer` as the live view, in 256 colours (they
    travel in the page). The figure is left showing
    the initial frame (the middle one unless ``initial`` says otherwise), as the page does.
    ``alt`` describes the figure for a reader who cannot see it (see :class:`Scrubber`).
    """
    values = list(values)
    if not values:
        raise ValueError("a scrubber needs at least one value of its control; pass a non-empty list.")
    fixed = dict(fixed or {})
    renderer = Renderer(scene)
    frames = [renderer.render({**fixed, control: value}, palette=True) for value in values]
    formatter = fmt.format if isinstance(fmt, str) else fmt
    if initial is None:
        initial = len(values) // 2
    labels = [formatter(value) for value in values]
    legible = smallest_text_px(scene.fig, scene.fig.bbox.width)
    scrub = Scrubber(frames, labels, control=control, title=title, initial=initial, alt=alt, smallest_text_px=legible)
    scene.result = scene.update(**{**fixed, control: values[scrub.initial]})
    return scrub
