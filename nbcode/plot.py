"""Figure helpers for the chapters' static figures: the book's figure style, decision regions and
labelled scatter plots.

:func:`book_style` is the first thing every chapter calls: one set of text sizes for the page
and sharp figures on high-density screens. Each drawing helper draws onto a matplotlib ``Axes``
it is given and returns the artists it made. (The interactive figures draw through
:mod:`nbcode.widgets`, not through these.)
"""

from __future__ import annotations

import io
from binascii import b2a_base64
from collections.abc import Callable, Mapping, Sequence

import numpy as np

__all__ = ["BOOK_STYLE", "CLASS_COLORS", "COLUMN_PX", "book_style", "decision_regions", "hidpi_png",
           "scatter_classes", "smallest_text_px"]

#: The width of the book's text column in CSS px on a desktop screen. A figure up to 7.5 in wide
#: at 100 dpi is shown at its own size, and a wider one is shrunk to the column, its text with it.
COLUMN_PX = 757
#: The book's text sizes in points, for figures up to about 9 in wide (at 9 in, 8 pt is still
#: 9.3 px on the page).
BOOK_STYLE = {
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 12,
}


def book_style(*, hidpi: bool = True) -> None:
    """Use the book's figure style (:data:`BOOK_STYLE`); in Jupyter, show figures sharp on
    high-density screens.

    With ``hidpi`` each inline figure is a PNG at twice its resolution, displayed at its normal
    size (the width and height travel as the image's metadata) and reduced to 256 colours, so it
    stays about as light as a plain PNG. Outside IPython only the style applies.
    """
    import matplotlib.pyplot as plt

    plt.rcParams.update(BOOK_STYLE)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if hidpi and shell is not None:
        import matplotlib
        from matplotlib.figure import Figure

        if "inline" in matplotlib.get_backend():
            # matplotlib-inline sets IPython's figure formatters once, when it is first imported
            # (on the first figure): import it now, so that ours comes after it and stays.
            import matplotlib_inline.backend_inline  # noqa: F401
        shell.display_formatter.formatters["image/png"].for_type(Figure, hidpi_png)


def hidpi_png(fig) -> tuple[str, dict] | None:
    """The IPython PNG formatter :func:`book_style` installs: ``(base64 PNG, metadata)`` at twice
    the figure's resolution, in 256 colours; ``None`` for an empty figure (as IPython).

    The metadata holds the size to show it at (``width``, ``height``) and the size of its
    smallest text on the book's page (``smallest_text_px``, see :func:`smallest_text_px`), which
    the tests read from the stored outputs."""
    from PIL import Image  # matplotlib's own dependency

    if not fig.axes and not fig.lines:
        return None
    buffer = io.BytesIO()
    fig.canvas.print_figure(buffer, format="png", dpi=2 * fig.dpi, bbox_inches="tight",
                            facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor())
    image = Image.open(buffer).convert("RGB")
    width, height = image.width // 2, image.height // 2
    metadata = {"width": width, "height": height, "smallest_text_px": smallest_text_px(fig, width)}
    return b2a_base64(palette_png(image), newline=False).decode("ascii"), metadata


def palette_png(image) -> bytes:
    """A PIL RGB ``image`` as a PNG in 256 colours (no dithering): about a third of the bytes of a
    full-colour PNG of a plot, for images that travel in a page (figures, scrubber frames)."""
    from PIL import Image

    out = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(out, format="png", optimize=True)
    return out.getvalue()


def smallest_text_px(fig, width_px: float) -> float | None:
    """The height in CSS px, on a desktop page, of the smallest text in a drawn ``fig``.

    The figure is shown as an image ``width_px`` wide (at the figure's own dpi): at that size, or
    shrunk to the :data:`COLUMN_PX` column if wider, its text with it. The book asks for 9 px at
    least. ``None`` if the figure has no text.
    """
    from matplotlib.text import Text

    sizes = [text.get_fontsize() for text in fig.findobj(Text) if text.get_visible() and text.get_text().strip()]
    if not sizes:
        return None
    return round(min(sizes) / 72 * fig.dpi * min(1.0, COLUMN_PX / width_px), 1)


#: The colour of each integer class label (tab10's ten colours, red second); class k gets ``CLASS_COLORS[k % 10]``.
CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def decision_regions(
    ax,
    predict: Callable[[np.ndarray], np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    n: int = 200,
    cmap: str = "RdBu_r",
    levels: Sequence[float] = (0.5,),
):
    """Shade ``predict`` (probabilities in [0, 1], one per point) over a grid and draw its 0.5 contour.

    Returns ``(image, contour)``; update the image with ``image.set_data(...)``.
    """
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    xx, yy = np.meshgrid(xs, ys)
    z = np.asarray(predict(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(n, n)
    image = ax.imshow(z, origin="lower", extent=(*xlim, *ylim), cmap=cmap, vmin=0.0, vmax=1.0, alpha=0.55, aspect="auto")
    contour = ax.contour(xx, yy, z, levels=list(levels), colors="k", linewidths=1.5)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return image, contour


def scatter_classes(ax, X: np.ndarray, y: np.ndarray, *, labels: Mapping[int, str] | None = None, **kwargs):
    """Scatter 2-D points coloured by integer class; returns the list of PathCollections."""
    artists = []
    for k in np.unique(y):
        mask = y == k
        label = (labels or {}).get(int(k), f"class {int(k)}")
        artists.append(
            ax.scatter(X[mask, 0], X[mask, 1], s=kwargs.get("s", 30), c=CLASS_COLORS[int(k) % len(CLASS_COLORS)],
                       edgecolors="k", linewidths=0.5, label=label)
        )
    return artists
