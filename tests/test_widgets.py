"""The explorer base: checked controls, updates, the widget and the static fallback."""

from __future__ import annotations

import numpy as np
import pytest

import mlkit as mk
from mlkit._exceptions import MlkitError, MlkitTypeError, MlkitValueError
from mlkit.widgets import Control, Explorer


class ReliabilityExplorer(Explorer):
    """A minimal explorer over mlkit.calibration.reliability, as a subclass would be."""

    title = "Reliability"

    def __init__(self, y, p, **values):
        self.y, self.p = y, p
        controls = {
            "n_bins": Control("IntSlider", "Bins", low=5, high=50, step=1),
            "strategy": Control(
                "ToggleButtons", "Bins by", options=("uniform", "quantile")
            ),
        }
        super().__init__(controls, {"n_bins": 10, "strategy": "uniform", **values})

    def _compute(self, n_bins, strategy):
        return mk.calibration.reliability(
            self.y, self.p, n_bins=n_bins, strategy=strategy
        )


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=2_000)
    y = (rng.uniform(size=2_000) < p**1.5).astype(int)
    return y, p


def test_update_recomputes_with_the_pure_function(data):
    y, p = data
    explorer = ReliabilityExplorer(y, p)
    assert explorer.values == {"n_bins": 10, "strategy": "uniform"}
    result = explorer.update(n_bins=20, strategy="quantile")
    expected = mk.calibration.reliability(y, p, n_bins=20, strategy="quantile")
    assert result is explorer.result
    assert result.ece == pytest.approx(expected.ece, abs=0)
    assert explorer.values == {"n_bins": 20, "strategy": "quantile"}


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        (
            {"n_bins": 100},
            MlkitValueError,
            "'n_bins' must be between 5 and 50; got 100",
        ),
        ({"n_bins": "ten"}, MlkitTypeError, "'n_bins' must be a number"),
        ({"n_bins": True}, MlkitTypeError, "'n_bins' must be a number"),
        ({"n_bins": 12.5}, MlkitTypeError, "'n_bins' must be a number"),
        ({"strategy": "kmeans"}, MlkitValueError, "'strategy' must be one of"),
        ({"bins": 10}, MlkitValueError, "has no control named ['bins']"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(data, values, error, message):
    explorer = ReliabilityExplorer(*data)
    before = explorer.result
    with pytest.raises(error, match="Hint:") as raised:
        explorer.update(**values)
    assert message in str(raised.value)
    assert explorer.result is before
    assert explorer.values == {"n_bins": 10, "strategy": "uniform"}


def test_numpy_numbers_are_accepted(data):
    explorer = ReliabilityExplorer(*data)
    explorer.update(n_bins=np.int64(12))
    assert explorer.values["n_bins"] == 12
    assert type(explorer.values["n_bins"]) is int


def test_other_control_kinds_check_their_values():
    several = Control("SelectMultiple", "Columns", options=("a", "b", "c"))
    assert several.check("columns", ["a", "c"]) == ("a", "c")
    assert several.check("columns", "b") == ("b",)
    with pytest.raises(MlkitValueError, match="non-empty selection"):
        several.check("columns", [])
    with pytest.raises(MlkitValueError, match=r"\['d'\] are not among them"):
        several.check("columns", ["a", "d"])
    text = Control("Text", "Rule")
    assert text.check("rule", "http") == "http"
    with pytest.raises(MlkitTypeError, match="'rule' must be a string"):
        text.check("rule", 3)
    slider = Control("FloatSlider", "Threshold", low=0.0, high=1.0, step=0.01)
    assert slider.check("threshold", np.float32(0.25)) == pytest.approx(0.25)
    with pytest.raises(MlkitValueError, match=r"between 0\.0 and 1\.0"):
        slider.check("threshold", float("nan"))


def test_the_widget_follows_its_controls_and_code(data):
    explorer = ReliabilityExplorer(*data)
    box = explorer.widget()
    assert explorer.widget() is box  # built once
    # What moving the slider does:
    explorer._inputs["n_bins"].value = 30
    assert explorer.values["n_bins"] == 30
    assert explorer.result.to_frame()["count"].gt(0).sum() <= 30
    assert "Expected calibration error" in explorer._status_html.value
    # Code moves the controls too, without a second update.
    explorer.update(strategy="quantile")
    assert explorer._inputs["strategy"].value == "quantile"


def test_a_refused_widget_value_is_explained_in_the_status_line():
    class Refusing(Explorer):
        title = "Refusing"

        def __init__(self):
            super().__init__({"rule": Control("Text", "Rule")}, {"rule": "ok"})

        def _compute(self, rule):
            if rule == "bad":
                raise MlkitValueError("'rule' is bad.\nHint: type a good one.")
            return mk.calibration.reliability(
                [0, 1, 1, 0], [0.1, 0.8, 0.7, 0.4], n_bins=5
            )

    explorer = Refusing()
    explorer.widget()
    kept = explorer.result
    explorer._inputs["rule"].value = "bad"  # no exception reaches the front end
    assert "rule" in explorer._status_html.value
    assert "Hint:" in explorer._status_html.value
    assert explorer.result is kept
    assert explorer.values == {"rule": "ok"}


def test_static_fallback_has_table_and_chart(data):
    explorer = ReliabilityExplorer(*data)
    bundle = explorer._repr_mimebundle_()
    html = bundle["text/html"]
    assert "<table" in html
    assert "mlkit-chart" in html
    assert "n_bins = 10" in html
    assert "Reliability" in html
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "<table" in explorer._repr_html_()  # same content; ids differ per render
    assert repr(explorer).startswith(
        "<ReliabilityExplorer (n_bins=10, strategy='uniform'): "
    )


def test_without_ipywidgets_the_fallback_is_static(data, monkeypatch):
    import mlkit.widgets._base as base

    monkeypatch.setattr(base, "widgets_available", lambda: False)
    bundle = ReliabilityExplorer(*data)._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}


def test_errors_are_mlkit_errors():
    assert issubclass(MlkitValueError, MlkitError)


def test_a_static_kernel_shows_table_and_chart_only(data, monkeypatch):
    from mlkit.widgets import STATIC_ENV

    monkeypatch.setenv(STATIC_ENV, "static")
    bundle = ReliabilityExplorer(*data)._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert "mlkit-chart" in bundle["text/html"]
