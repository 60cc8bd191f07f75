"""The backpropagation chapter's interactive figure: the shopping-bill computational graph."""

from __future__ import annotations

import math
import warnings

import pytest

from nbcode.widgets import backprop as bp

ipywidgets = pytest.importorskip("ipywidgets")


# ---------------------------------------------------------------------------- compute
def test_shopping_bill_matches_the_worked_example_of_dlfs():
    # 2 apples at 100, 3 mandarins at 150, tax 1.1 (Saito 2016, section 5.4)
    r = bp.shopping_bill()
    v, g = r["value"], r["grad"]
    assert v["apple_total"] == 200 and v["mandarin_total"] == 450 and v["subtotal"] == 650
    assert v["total"] == pytest.approx(715)
    expected = {"apple_price": 2.2, "apples": 110, "mandarin_price": 3.3, "mandarins": 165, "tax": 650,
                "apple_total": 1.1, "mandarin_total": 1.1, "subtotal": 1.1, "total": 1.0}
    for name, want in expected.items():
        assert g[name] == pytest.approx(want, rel=1e-12), name
    assert set(v) == set(g) == set(bp.BILL_NODES)


def test_gradients_follow_the_multiply_and_add_rules():
    # a multiply node gives each input upstream x the OTHER input; an add node passes it through
    p_a, n_a, p_m, n_m, tax = 120.0, 4, 90.0, 7, 1.25
    r = bp.shopping_bill(p_a, n_a, p_m, n_m, tax)
    g = r["grad"]
    assert g["apple_price"] == pytest.approx(n_a * tax)
    assert g["apples"] == pytest.approx(p_a * tax)
    assert g["mandarin_price"] == pytest.approx(n_m * tax)
    assert g["mandarins"] == pytest.approx(p_m * tax)
    assert g["tax"] == pytest.approx(p_a * n_a + p_m * n_m)
    assert g["subtotal"] == g["apple_total"] == g["mandarin_total"] == pytest.approx(tax)
    assert r["value"]["total"] == pytest.approx((p_a * n_a + p_m * n_m) * tax)


@pytest.mark.parametrize("name", bp.BILL_INPUTS)
def test_gradients_equal_central_differences(name):
    point = dict(apple_price=130.0, apples=3.0, mandarin_price=170.0, mandarins=5.0, tax=1.08)
    h = 1e-4
    up = bp.shopping_bill(**{**point, name: point[name] + h})["value"]["total"]
    down = bp.shopping_bill(**{**point, name: point[name] - h})["value"]["total"]
    # total is linear in each input, so the central difference is exact up to rounding
    assert bp.shopping_bill(**point)["grad"][name] == pytest.approx((up - down) / (2 * h), rel=1e-8)


def test_shopping_bill_rejects_non_numbers():
    with pytest.raises(ValueError, match="apples must be a number"):
        bp.shopping_bill(apples="two")
    with pytest.raises(ValueError, match="tax must be a number"):
        bp.shopping_bill(tax=math.nan)
    with pytest.raises(ValueError, match="apple_price"):
        bp.shopping_bill(apple_price=True)


def test_format_number_hides_float_noise():
    assert bp.format_number(715.0000000000001) == "715"
    assert bp.format_number(3.3000000000000003) == "3.3"
    assert bp.format_number(-0.0) == "0"
    assert bp.format_number(1.25e9) == "1.25e+09"


# ---------------------------------------------------------------------------- view
def labels(view):
    """``({node: value text}, {node: gradient text})`` as the figure shows them."""
    texts = [t.get_text() for t in view.scene.moving()]
    n = len(bp.BILL_NODES)
    return dict(zip(bp.BILL_NODES, texts[:n])), dict(zip(bp.BILL_NODES, texts[n:2 * n]))


def test_explorer_shows_the_worked_example_then_updates_in_place():
    view = bp.bill_explorer()
    values, grads = labels(view)
    assert values["total"] == "715" and grads["tax"] == "650" and grads["apples"] == "110"
    assert grads["apple_price"] == "2.2" and grads["mandarin_price"] == "3.3" and grads["mandarins"] == "165"
    assert view.scene.moving()[-1].get_text() == "total = 715;  d total / d tax = 650"
    assert view.scene.result == bp.shopping_bill()
    texts_before = [id(t) for t in view.scene.moving()]
    image_before = bytes(view.image.value)

    view.controls["apples"].value = 5
    values, grads = labels(view)
    assert values["apples"] == "5" and values["apple_total"] == "500" and values["total"] == "1045"
    assert grads["apple_price"] == "5.5" and grads["tax"] == "950" and grads["apples"] == "110"
    assert view.scene.result["value"]["total"] == pytest.approx(1045)
    assert bytes(view.image.value) != image_before
    assert [id(t) for t in view.scene.moving()] == texts_before, "texts must change in place"

    view.controls["tax"].value = 1.3
    values, grads = labels(view)
    assert grads["apples"] == "130" and grads["subtotal"] == "1.3" and values["total"] == "1235"


def test_explorer_extreme_values_do_not_raise_or_warn():
    view = bp.bill_explorer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, control in view.controls.items():
            control.value = control.max
        values, grads = labels(view)
        assert values["total"] == "7800" and grads["tax"] == "6000"  # 10 x 300 twice, x 1.3
        for name, control in view.controls.items():
            control.value = control.min
    values, grads = labels(view)
    assert values["total"] == "0"  # prices and counts 0
    assert grads["tax"] == "0" and grads["apples"] == "0" and grads["subtotal"] == "1"


def test_draw_bill_graph_on_a_pyplot_free_axes_uses_defaults():
    from nbcode.widgets import new_figure

    fig = new_figure(8, 3)
    artists = bp.draw_bill_graph(fig.add_subplot())
    assert artists["value"]["total"].get_text() == "715"
    assert len(artists["value"]) == len(artists["grad"]) == len(bp.BILL_NODES)
    assert artists["value"]["tax"].get_color() == bp.FORWARD_COLOR
    assert artists["grad"]["tax"].get_color() == bp.BACKWARD_COLOR
    bp.update_bill_graph(artists, bp.shopping_bill(apples=5))
    assert artists["value"]["apple_total"].get_text() == "500" and artists["grad"]["apple_price"].get_text() == "5.5"


def test_scrubber_over_apples_has_eleven_light_frames_and_opens_on_the_given_value():
    scrub = bp.bill_scrubber()
    assert len(scrub.frames) == 11 and len(set(scrub.frames)) == 11
    assert scrub.labels == [str(k) for k in range(11)]
    assert scrub.initial == 2
    assert scrub.nbytes < 1_500_000
    assert bp.bill_scrubber("apples", apples=7).initial == 7


def test_scrubber_over_tax_and_bad_control():
    scrub = bp.bill_scrubber("tax", values=[1.0, 1.1, 1.3], dpi=40)
    assert len(scrub.frames) == 3 and scrub.labels == ["1.00", "1.10", "1.30"]
    assert scrub.initial == 1
    assert bp._SCRUB_VALUES["tax"][0] == 1.0 and bp._SCRUB_VALUES["tax"][-1] == 1.3
    assert all(len(v) >= 10 for v in bp._SCRUB_VALUES.values())
    with pytest.raises(ValueError, match="control must be one of"):
        bp.bill_scrubber("bananas")
    with pytest.raises(ValueError, match="unknown inputs"):
        bp.bill_scrubber("tax", bananas=3)
