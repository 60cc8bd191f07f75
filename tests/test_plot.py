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
