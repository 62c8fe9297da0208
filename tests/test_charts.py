"""Tests for mlkit.charts: offline rendering and the charts' content."""

from __future__ import annotations

import subprocess
import sys

import altair as alt
import numpy as np
import pandas as pd
import pytest

from mlkit import charts
from mlkit._exceptions import MlkitValueError
from mlkit.design import stages_frame


@pytest.fixture
def fresh_renderer():
    """Restore altair's renderer and mlkit's offline flag after the test."""
    before = alt.renderers.active
    offline = charts._state["offline"]
    yield
    alt.renderers.enable(before)
    charts._state["offline"] = offline


def small_chart():
    return alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")


def test_importing_mlkit_changes_no_renderer():
    code = (
        "import altair as alt; before = alt.renderers.active; import mlkit; "
        "import mlkit.charts; print(before == alt.renderers.active, alt.renderers.active)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[0] == "True"


def test_html_carries_the_library_until_offline_mode_is_on(fresh_renderer):
    charts._state["offline"] = False
    standalone = charts.to_html(small_chart())
    assert len(standalone) > 500_000  # the Vega bundle is inside
    assert "window.vegaEmbed=" in standalone
    assert "cdn.jsdelivr" not in standalone
    charts.enable_offline()
    assert alt.renderers.active == "mlkit-offline"
    assert charts.is_offline()
    small = charts.to_html(small_chart())
    assert len(small) < 5_000
    assert "window.vegaEmbed(el, spec" in small
    assert "cdn.jsdelivr" not in small
    assert "src=" not in small  # nothing is fetched: the library is already in the page
    bundle = charts._renderer(small_chart().to_dict())
    assert set(bundle) == {"text/html", "text/plain"}


def test_the_chart_library_is_bundled_once_and_kept(tmp_path, monkeypatch):
    import vl_convert

    monkeypatch.setenv("MLKIT_CACHE_DIR", str(tmp_path / "cache"))
    charts._bundle.cache_clear()
    try:
        first = charts._bundle()
        (kept,) = (tmp_path / "cache").glob("vega-bundle-*.js")
        assert kept.read_text(encoding="utf-8") == first
        assert "vegaEmbed" in first
        assert "</script" not in first

        # The next process reads the kept copy: no bundling at all.
        def refuse(**_):
            raise AssertionError("bundled again")

        monkeypatch.setattr(vl_convert, "javascript_bundle", refuse)
        charts._bundle.cache_clear()
        assert charts._bundle() == first
        assert not list((tmp_path / "cache").glob("*.tmp"))
    finally:
        charts._bundle.cache_clear()


def test_the_chart_library_is_bundled_when_the_cache_cannot_be_written(
    tmp_path, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLKIT_CACHE_DIR", str(blocker / "cache"))
    charts._bundle.cache_clear()
    try:
        assert "vegaEmbed" in charts._bundle()
    finally:
        charts._bundle.cache_clear()


def test_html_escapes_script_endings_in_data():
    chart = (
        alt.Chart(pd.DataFrame({"t": ["</script><b>"]})).mark_text().encode(text="t:N")
    )
    html = charts._chart_html(chart.to_dict())
    assert "</script><b>" not in html
    assert html.count("</script>") == 1


def test_to_html_refuses_other_things():
    with pytest.raises(MlkitValueError, match="'chart' must be an altair chart"):
        charts.to_html(42)


def test_process_map_shows_status_and_loop():
    frame = stages_frame(applies=["start", "scoping", "data"], decisions={"scoping": 2})
    spec = charts.process_map(frame).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks[:4] == ["rule", "point", "circle", "text"]
    nodes = next(
        rows for rows in spec["datasets"].values() if rows and "status" in rows[0]
    )
    status = {row["slug"]: row["status"] for row in nodes}
    assert status["scoping"] == "decided"
    assert status["data"] == "to do"
    assert status["fairness"] == "does not apply"
    edges = next(
        rows for rows in spec["datasets"].values() if rows and "kind" in rows[0]
    )
    assert len(edges) == 13  # 0 -> 1, then around the loop of 12, back to 1
    assert sum(row["kind"] == "iterate" for row in edges) == 1


def test_process_map_needs_its_columns():
    with pytest.raises(MlkitValueError, match=r"'stages' lacks the column\(s\)"):
        charts.process_map(pd.DataFrame({"number": [0]}))


def chart_rows(chart):
    spec = chart.to_dict()
    return pd.DataFrame(next(iter(spec["datasets"].values()))), spec


@pytest.mark.parametrize("as_type", [list, np.asarray, pd.Series])
def test_distribution_of_categories(as_type):
    values = ["b"] * 5 + ["a"] * 3 + [None] * 2
    rows, spec = chart_rows(charts.distribution(as_type(values)))
    assert spec["mark"]["type"] == "bar"
    assert rows.set_index("value")["count"].to_dict() == {"a": 3, "b": 5}
    assert rows["share"].sum() == pytest.approx(1)
    assert "8 values, 2 missing" in spec["title"]["subtitle"]


def test_distribution_groups_rare_categories():
    values = pd.Series([f"c{i}" for i in range(30)] + ["c0"] * 5, name="kind")
    rows, spec = chart_rows(charts.distribution(values, max_categories=10))
    assert len(rows) == 11
    assert rows.set_index("kind").loc["(other)", "count"] == 20
    assert "20 rarer values as (other)" in spec["title"]["subtitle"]


def test_distribution_of_numbers_is_binned_and_stacked():
    rng = np.random.default_rng(0)
    values = pd.Series(rng.normal(size=5000), name="x")
    groups = pd.Series(rng.choice(["u", "v"], size=5000), name="g")
    rows, spec = chart_rows(charts.distribution(values, by=groups, bins=20))
    assert len(rows) <= 40
    assert rows["count"].sum() == 5000
    assert (rows["y1"] - rows["y0"] == rows["count"]).all()
    assert spec["encoding"]["color"]["field"] == "g"


def test_whole_numbers_get_whole_bins():
    values = pd.Series(np.arange(17, 92).repeat(3), name="age")  # 75 ages
    rows, _ = chart_rows(charts.distribution(values, bins=30))
    widths = (rows["end"] - rows["start"]).unique()
    assert len(widths) == 1
    assert widths[0] == 3
    assert rows["count"].nunique() == 1  # no comb: every bin holds the same ages


def test_distribution_of_dates_by_month():
    dates = pd.Series(pd.date_range("2023-01-01", "2023-12-31", freq="D"), name="day")
    rows, spec = chart_rows(charts.distribution(dates))
    assert len(rows) == 12
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert "by month" in spec["encoding"]["x"]["title"]


@pytest.mark.parametrize(
    ("by", "message"),
    [([1, 2], "'by' has 2 values but 'values' has 3"), (list("abcdefghi")[:3], None)],
)
def test_distribution_checks_by(by, message):
    if message:
        with pytest.raises(MlkitValueError, match=message):
            charts.distribution([1, 2, 3], by=by)
    else:
        charts.distribution([1, 2, 3], by=by)


def test_distribution_refuses_too_many_groups():
    with pytest.raises(MlkitValueError, match="at most 8 can be told apart"):
        charts.distribution(range(20), by=[str(i) for i in range(20)])


def test_message_chart():
    spec = charts.message_chart("nothing here", title="T").to_dict()
    assert spec["mark"]["type"] == "text"
    assert spec["title"]["text"] == "T"
