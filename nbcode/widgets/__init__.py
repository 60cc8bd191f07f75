"""Interactive figures: pure compute functions plus thin ipywidgets views.

Shared machinery lives in ``nbcode.widgets._core``: a :class:`Scene` (figure, moving artists,
update function), the one :class:`Renderer` that draws it, and its two views, :class:`LiveFigure`
(live controls) and :func:`scrubber` (static frames). Each chapter's figures live in a module of
their own (``nbcode.widgets.feedforward`` ...): compute functions that import only NumPy, a
``draw`` function that returns a :class:`Scene`, and two short builders.
"""

from ._core import LiveFigure, Renderer, Scene, Scrubber, figure_png, new_figure, scrubber

__all__ = ["LiveFigure", "Renderer", "Scene", "Scrubber", "figure_png", "new_figure", "scrubber"]
