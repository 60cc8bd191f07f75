"""The optimizer race (nbcode.widgets.optimizers): compute against closed forms, view, scrubber."""

from __future__ import annotations

import numpy as np
import pytest

from nbcode import landscapes
from nbcode.widgets import optimizers as W

pytestmark = pytest.mark.filterwarnings("error")  # extreme settings must not warn either


# ------------------------------------------------------------------------------------ compute


def test_sgd_on_the_bowl_follows_the_closed_form():
    # f = (x^2 + 10 y^2) / 2: each coordinate shrinks by (1 - lr * curvature) per step
    lr, steps = 0.05, 40
    result = W.race("bowl", ["sgd"], lr=lr, steps=steps)
    k = np.arange(steps + 1)
    expected = np.column_stack([-4.0 * (1 - lr * 1.0) ** k, 2.0 * (1 - lr * 10.0) ** k])
    np.testing.assert_allclose(result.paths["sgd"], expected, rtol=1e-12, atol=1e-15)
    gap = (expected[:, 0] ** 2 + 10 * expected[:, 1] ** 2) / 2
    np.testing.assert_allclose(result.gaps["sgd"], gap, rtol=1e-12)
    assert result.gaps["sgd"][0] == 28.0
    assert result.diverged_at == {"sgd": None}
    assert result.steps == steps and result.lr == lr and result.momentum == 0.9


def test_momentum_slider_reaches_only_the_momentum_family():
    result = W.race("quadratic_bowl", ["momentum", "nesterov", "adam"], lr=0.02, momentum=0.5, steps=30)
    np.testing.assert_array_equal(
        result.paths["momentum"], landscapes.run_optimizer("quadratic_bowl", "sgd", 0.02, 30, momentum=0.5))
    np.testing.assert_array_equal(
        result.paths["nesterov"], landscapes.run_optimizer("quadratic_bowl", "sgd", 0.02, 30, momentum=0.5, nesterov=True))
    np.testing.assert_array_equal(result.paths["adam"], landscapes.run_optimizer("quadratic_bowl", "adam", 0.02, 30))


def test_zero_momentum_gives_plain_sgd_for_momentum_and_nesterov():
    result = W.race("Rosenbrock", ["sgd", "momentum", "nesterov"], lr=1e-3, momentum=0.0, steps=25)
    np.testing.assert_array_equal(result.paths["momentum"], result.paths["sgd"])
    np.testing.assert_array_equal(result.paths["nesterov"], result.paths["sgd"])


def test_names_are_deduplicated_and_put_in_chapter_order():
    result = W.race("saddle", ["adam", "sgd", "adam"], lr=0.01, steps=5)
    assert result.names == ("sgd", "adam")
    assert list(result.paths) == ["sgd", "adam"]
    assert W.race("saddle", "adam", lr=0.01, steps=5).names == ("adam",)
    assert W.race("saddle", [], lr=0.01, steps=5).names == ()


def test_extreme_lr_diverges_the_sgd_family_only_and_says_when():
    result = W.race("bowl", W.OPTIMIZER_NAMES, lr=10.0, steps=150)
    for name in ("sgd", "momentum", "nesterov"):
        k = result.diverged_at[name]
        assert k is not None and 1 <= k <= 10
        assert result.label(name) == f"{W.LABELS[name]}: diverged at step {k}"
        assert np.isnan(result.gaps[name][k:]).all()
        assert np.isfinite(result.final_loss(name))  # f just before divergence
    for name in ("adagrad", "rmsprop", "adam", "adamw"):
        assert result.diverged_at[name] is None
        assert np.isfinite(result.paths[name]).all()


def test_labels_give_the_final_loss():
    result = W.race("saddle", ["adam"], lr=0.05, steps=300)
    assert result.final_loss("adam") == pytest.approx(-0.25, abs=1e-6)
    assert result.label("adam") == "Adam: f = -0.25"
    assert (result.gaps["adam"] >= 0).all()


def test_saddle_stalls_sgd_while_adam_escapes():
    result = W.race("saddle", ["sgd", "adam"], lr=0.01, steps=300)
    assert np.linalg.norm(result.paths["sgd"][-1]) < 0.1
    assert np.linalg.norm(result.paths["adam"][-1] - (0.0, 1.0)) < 0.01


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(surface="himalaya"), "unknown race surface"),
        (dict(names=["sgd", "lbfgs"]), "unknown optimizer"),
        (dict(momentum=1.0), "momentum must lie in"),
        (dict(momentum=-0.1), "momentum must lie in"),
        (dict(lr=0.0), "learning rate"),
    ],
)
def test_bad_settings_raise_a_helpful_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        W.race(**kwargs)


# --------------------------------------------------------------------------------------- view

ipywidgets = pytest.importorskip("ipywidgets")


def test_view_moves_lines_and_image_when_the_lr_changes():
    view = W.race_view(names=("sgd", "adam"), lr=0.01, surface="bowl")
    first_image = bytes(view.image.value)
    first_sgd = view.scene.result.paths["sgd"].copy()  # the last RaceResult
    view.controls["lr"].value = 0.1
    result = view.scene.result
    assert result.lr == pytest.approx(0.1)
    assert not np.allclose(result.paths["sgd"], first_sgd)
    assert bytes(view.image.value) != first_image
    ax_path = view.fig.axes[0]
    drawn = {line.get_label(): line for line in ax_path.get_lines()}
    np.testing.assert_array_equal(drawn["SGD"].get_xdata(), result.paths["sgd"][:, 0])
    assert len(drawn["RMSprop"].get_xdata()) == 0  # not selected: nothing drawn


def test_view_switches_surface_and_shows_divergence_in_the_legend():
    view = W.race_view(names=("sgd", "adam"), lr=0.05, surface="quadratic_bowl")
    assert view.controls["surface"].value == "bowl"
    ax_path, _, ax_legend = view.fig.axes
    view.controls["surface"].value = "Rosenbrock"
    assert ax_path.get_xlim() == landscapes.rosenbrock().xlim
    visible = [c for c in ax_path.collections if c.get_visible()]
    assert len(visible) == 1  # only the Rosenbrock contours
    view.controls["lr"].value = 10.0
    texts = [t.get_text() for t in ax_legend.texts]
    assert texts[0] == "after 150 steps"
    assert texts[1].startswith("SGD: diverged at step")
    assert texts[2].startswith("Adam: f = ")
    assert texts[3:] == [""] * 5
    handles = ax_legend.get_lines()
    assert handles[0].get_color() == W.COLORS["sgd"] and handles[1].get_color() == W.COLORS["adam"]
    assert not any(h.get_visible() for h in handles[2:])
    view.controls["names"].value = ()
    assert [t.get_text() for t in ax_legend.texts[1:]] == [""] * 7
    for line in ax_path.get_lines()[4:]:  # 3 minima markers + start, then the optimizer artists
        assert len(line.get_xdata()) == 0


def test_view_momentum_control_changes_the_momentum_path_only():
    view = W.race_view(names=("momentum", "adam"), lr=0.02, momentum=0.9, surface="saddle")
    before = {k: v.copy() for k, v in view.scene.result.paths.items()}
    view.controls["momentum"].value = 0.5
    after = view.scene.result.paths
    assert not np.allclose(after["momentum"], before["momentum"])
    np.testing.assert_array_equal(after["adam"], before["adam"])


def test_scrubber_frames_and_size():
    scrub = W.race_scrubber()
    assert len(scrub.frames) == 17
    assert scrub.labels[0] == "0.001" and scrub.labels[-1] == "10"
    assert len(set(scrub.frames)) == 17
    assert all(frame.startswith(b"\x89PNG") for frame in scrub.frames)
    assert scrub.nbytes < 1.5e6
    small = W.race_scrubber([0.01, 10.0], surface="saddle", names=("sgd",), dpi=40)
    assert len(small.frames) == 2 and "saddle" in small.title


def test_scrubber_rejects_bad_learning_rates():
    with pytest.raises(ValueError, match="positive learning rates"):
        W.race_scrubber([0.1, -1.0])
    with pytest.raises(ValueError, match="positive learning rates"):
        W.race_scrubber([])
