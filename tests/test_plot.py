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


def test_loss_curves_plots_each_history():
    ax = new_figure().add_subplot()
    lines = plot.loss_curves(ax, {"a": {"loss": [3, 2, 1]}, "b": {"loss": [1, 0.5, 0.25]}}, log=True)
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"


def test_surface_contours_with_log_and_explicit_levels():
    ax = new_figure().add_subplot()
    c = plot.surface_contours(ax, lambda x, y: x**2 + 10 * y**2, (-1, 1), (-1, 1), n=30, levels=8)
    assert len(c.levels) == 8 and np.all(np.diff(c.levels) > 0)
    c2 = plot.surface_contours(ax, lambda x, y: x**2 + y**2, (-1, 1), (-1, 1), n=30, levels=[0.1, 0.5], log=False)
    np.testing.assert_allclose(c2.levels, [0.1, 0.5])


def test_layer_histograms_one_per_axes():
    fig = new_figure()
    axes = fig.subplots(1, 3)
    rng = np.random.default_rng(0)
    bars = plot.layer_histograms(axes, [rng.normal(size=100) for _ in range(3)], bins=10, range=(-3, 3))
    assert len(bars) == 3 and len(bars[0]) == 10
    assert axes[2].get_title() == "layer 3"
