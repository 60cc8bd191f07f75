"""Figure helpers draw what they are given and return their artists."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from nbcode import plot
from nbcode.widgets import new_figure


def test_decision_regions_shades_probabilities_and_draws_the_boundary():
    ax = new_figure().add_subplot()
    image, contour = plot.decision_regions(ax, lambda P: (P[:, 0] > 0).astype(float), (-1, 1), (-1, 1), n=21)
    data = image.get_array()
    assert data.shape == (21, 21)
    assert data[:, -1].min() == 1.0 and data[:, 0].max() == 0.0
    assert len(contour.allsegs[0]) >= 1
    assert ax.get_xlim() == (-1, 1)


def test_scatter_classes_one_collection_per_class():
    ax = new_figure().add_subplot()
    X = np.array([[0, 0], [1, 1], [2, 2]])
    artists = plot.scatter_classes(ax, X, np.array([0, 1, 1]), labels={0: "fail", 1: "pass"})
    assert len(artists) == 2
    assert [a.get_label() for a in artists] == ["fail", "pass"]
    assert artists[1].get_offsets().shape == (2, 2)


def test_book_style_sets_the_text_sizes_for_the_page():
    import matplotlib.pyplot as plt

    with plt.rc_context():
        plot.book_style()
        assert all(plt.rcParams[key] == value for key, value in plot.BOOK_STYLE.items())
    # at 9 in wide, shrunk to the column, the smallest size of the style is still 9 px or more
    smallest = min(v for k, v in plot.BOOK_STYLE.items() if k != "figure.dpi")
    assert smallest / 72 * plot.COLUMN_PX / 9 >= 9


def test_hidpi_png_is_twice_the_resolution_shown_at_the_normal_size():
    import base64
    import io

    from PIL import Image

    fig = new_figure(4, 2, dpi=100)
    fig.add_subplot().plot([0, 1], [0, 1])
    data, size = plot.hidpi_png(fig)
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.width // 2 == size["width"] and image.height // 2 == size["height"], "displayed at half its pixels"
    assert 350 < size["width"] < 450, "about the figure's own 4 in at 100 dpi (tight bbox)"
    assert image.mode == "P", "reduced to a palette (256 colours) to stay light"
    assert size["smallest_text_px"] == plot.smallest_text_px(fig, size["width"]), "the stored outputs say how legible it is"
    assert plot.hidpi_png(new_figure(4, 2, dpi=100)) is None, "an empty figure shows nothing, as IPython's formatter"


def test_smallest_text_px_is_the_smallest_text_as_the_page_shows_it():
    fig = new_figure(6, 3, dpi=100)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="line")
    ax.legend(fontsize=8)
    ax.tick_params(labelsize=12)
    ax.set_title("title", fontsize=14)
    fig.canvas.draw()
    assert plot.smallest_text_px(fig, 600) == round(8 / 72 * 100, 1), "the legend's 8 pt at 100 dpi, shown at its size"
    assert plot.smallest_text_px(fig, 2 * plot.COLUMN_PX) == round(8 / 72 * 100 / 2, 1), "twice the column: shrunk by half"
    assert plot.smallest_text_px(new_figure(2, 2), 200) is None
