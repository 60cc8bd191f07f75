"""Interactive figures: pure compute functions plus thin ipywidgets views.

Shared machinery lives in :mod:`nbcode.widgets._core`; each chapter's figures live in a module
of their own (``nbcode.widgets.feedforward`` ...), whose compute functions import only NumPy.
"""

from ._core import BlitLiveFigure, BlitRenderer, LiveFigure, Scrubber, figure_png, freeze_layout, grid, new_figure, scrubber

__all__ = ["BlitLiveFigure", "BlitRenderer", "LiveFigure", "Scrubber", "figure_png", "freeze_layout", "grid", "new_figure", "scrubber"]
