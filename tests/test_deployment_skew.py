"""Tests of mlkit.deployment.skew_report: each skew planted in one column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.deployment import SKEW_COLUMNS, SkewReport, skew_report


def _offline(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user": np.arange(n),
            "weight_kg": rng.uniform(1, 9, n).round(3),
            "visits": rng.poisson(4, n).astype(float),
            "signup": pd.date_range("2024-03-01", periods=n, freq="37min"),
            "hour": rng.integers(0, 24, n),
            "plan": rng.choice(["free", "pro", "team"], n),
            "country": rng.choice(["fr", "de", "it", "es"], n),
        }
    )


def _plant(online: pd.DataFrame, column: str, skew: str, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    online = online.copy()
    some = rng.random(len(online)) < 0.2
    if skew == "unit":
        online[column] = online[column] * 1000
    elif skew == "timezone":
        online[column] = online[column] + pd.Timedelta(hours=1)
    elif skew == "hour":
        online[column] = (online[column] + 1) % 24
    elif skew == "default":
        online.loc[some, column] = -1
    elif skew == "nan":
        online.loc[some, column] = np.nan
    elif skew == "rename":
        online[column] = online[column].replace({"pro": "Pro"})
    elif skew == "category default":
        online.loc[some, column] = "unknown"
    elif skew == "shift":
        online[column] = online[column] + 2.5
    elif skew == "noise":
        online[column] = online[column] + rng.normal(size=len(online))
    return online


@pytest.mark.parametrize(
    ("column", "skew", "pattern"),
    [
        ("weight_kg", "unit", "scaled by 1000 (a unit change?)"),
        ("signup", "timezone", "shifted by +1 h (a time zone?)"),
        ("hour", "hour", "shifted by +1 h (a time zone?)"),
        (
            "visits",
            "default",
            "default -1 online where the batch value is set (a missing default?)",
        ),
        (
            "visits",
            "nan",
            "NaN online where the batch value is set (a missing default?)",
        ),
        ("plan", "rename", "categories differ: 'pro' → 'Pro'"),
        (
            "country",
            "category default",
            "default 'unknown' online where the batch value is set (a missing default?)",
        ),
        ("weight_kg", "shift", "shifted by +2.5"),
        ("weight_kg", "noise", "differs without a simple pattern"),
    ],
)
def test_a_planted_skew_is_found_in_its_column_only(column, skew, pattern):
    offline = _offline()
    # The online frame logs the same users in another order.
    online = _plant(offline, column, skew).sample(frac=1, random_state=3)
    before = (offline.copy(), online.copy())
    report = skew_report(offline, online, key="user")
    assert isinstance(report, SkewReport)
    assert report.skewed == [column]
    row = report.table.set_index("column").loc[column]
    assert row["pattern"] == pattern
    a = offline.set_index("user")[column]
    b = online.set_index("user")[column].reindex(a.index)
    changed = (a != b) & ~(a.isna() & b.isna())
    assert row["share_mismatched"] == pytest.approx(changed.mean())
    clean = report.table[report.table["column"] != column]
    assert (clean["share_mismatched"] == 0).all()
    assert (clean["pattern"] == "").all()
    pd.testing.assert_frame_equal(offline, before[0])
    pd.testing.assert_frame_equal(online, before[1])


def test_a_default_and_missing_values_together_are_one_missing_default():
    offline = _offline()
    online = offline.copy()
    online.loc[:30, "visits"] = -1
    online.loc[31:60, "visits"] = np.nan
    online["signup"] = online["signup"] - pd.Timedelta(days=2)
    table = skew_report(offline, online, key="user").table.set_index("column")
    assert table.loc["visits", "pattern"] == (
        "default -1 / NaN online where the batch value is set (a missing default?)"
    )
    assert table.loc["signup", "pattern"] == "shifted by -48 h"
    assert table.loc["signup", "max_abs_difference"] == 48


def test_identical_frames_have_no_skew():
    offline = _offline()
    online = pd.concat([offline, _offline(10, seed=5).assign(user=range(1000, 1010))])
    report = skew_report(offline, online.sample(frac=1, random_state=0), key="user")
    table = report.to_frame()
    assert tuple(table.columns) == SKEW_COLUMNS
    assert table["column"].tolist() == list(offline.columns[1:])
    assert table["kind"].tolist() == [
        "numeric",
        "numeric",
        "datetime",
        "numeric",
        "categorical",
        "categorical",
    ]
    assert report.skewed == []
    assert (table["n_compared"] == len(offline)).all()
    assert table.loc[table["kind"] == "numeric", "max_abs_difference"].eq(0).all()
    assert table.loc[table["kind"] == "categorical", "max_abs_difference"].isna().all()
    assert (report.n_compared, report.only_offline, report.only_online) == (400, 0, 10)
    assert "All 6 columns agree" in report.explain()
    assert "10 only online" in report.explain()


def test_numbers_within_the_tolerance_match():
    offline = _offline()
    online = offline.assign(weight_kg=offline["weight_kg"] * (1 + 1e-9))
    assert skew_report(offline, online, key="user").skewed == []
    report = skew_report(offline, online, key="user", rtol=0, atol=0)
    assert report.skewed == ["weight_kg"]
    assert report.table.loc[0, "max_abs_difference"] == pytest.approx(
        (offline["weight_kg"] * 1e-9).max(), rel=1e-3
    )


def test_max_abs_difference_is_in_the_columns_unit_and_hours_for_times():
    offline = _offline()
    online = _plant(_plant(offline, "signup", "timezone"), "visits", "shift")
    table = skew_report(offline, online, key="user").table.set_index("column")
    assert table.loc["signup", "max_abs_difference"] == 1.0
    assert table.loc["visits", "max_abs_difference"] == pytest.approx(2.5)


def test_a_type_that_differs_is_skew_even_when_values_agree():
    offline = _offline()
    online = offline.assign(visits=offline["visits"].astype(int).astype(str))
    report = skew_report(offline, online, key="user")
    assert report.skewed == ["visits"]
    row = report.table.set_index("column").loc["visits"]
    assert row["kind"] == "numeric / categorical"
    assert row["share_mismatched"] == 0
    assert (
        row["pattern"] == "types differ (float64 offline, str online); the values agree"
    )


def test_a_composite_key_and_a_subset_of_columns():
    offline = _offline().assign(day=1)
    online = _plant(offline, "plan", "rename").drop(columns="country")
    report = skew_report(offline, online, key=["user", "day"], columns=["plan", "hour"])
    assert report.key == ("user", "day")
    assert report.table["column"].tolist() == ["plan", "hour"]
    assert report.skewed == ["plan"]


def test_missing_values_on_both_sides_match_and_timezones_are_local_clocks():
    offline = _offline(50)
    offline.loc[:9, "visits"] = np.nan
    online = offline.copy()
    online["signup"] = online["signup"].dt.tz_localize("Europe/Paris")
    assert skew_report(offline, online, key="user").skewed == []


def test_the_chart_highlights_skewed_columns():
    offline = _offline()
    report = skew_report(offline, _plant(offline, "plan", "rename"), key="user")
    spec = report.chart().to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "share_mismatched"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["skewed", "consistent"]
    statuses = {
        r["column"]: r["status"] for r in spec["datasets"][spec["data"]["name"]]
    }
    assert statuses["plan"] == "skewed"
    assert statuses["hour"] == "consistent"
    text = report.explain()
    assert text.startswith("1 of 6 columns differ between the batch and the online ")
    share = report.table.set_index("column").loc["plan", "share_mismatched"]
    assert f"plan, {share:.1%} of values: categories differ: 'pro' → 'Pro'" in text
    assert repr(report).endswith("on 400 keys: plan>")
    assert "Chapter 7" in text


def test_columns_that_differ_between_the_frames_are_refused():
    offline = _offline()
    with pytest.raises(MlkitValueError, match="only 'online' has 'extra'") as error:
        skew_report(offline, offline.assign(extra=1), key="user")
    assert "columns=[...]" in str(error.value)
    with pytest.raises(MlkitValueError, match="only 'offline' has 'plan'"):
        skew_report(offline, offline.drop(columns="plan"), key="user")
    with pytest.raises(MlkitValueError, match="'columns' names 'extra'"):
        skew_report(offline, offline, key="user", columns=["extra"])
    with pytest.raises(MlkitValueError, match="'columns' names the key 'user'"):
        skew_report(offline, offline, key="user", columns=["user", "plan"])
    with pytest.raises(MlkitTypeError, match=r"columns=\['plan'\]"):
        skew_report(offline, offline, key="user", columns="plan")


def test_a_key_that_is_not_unique_is_refused():
    offline = _offline()
    online = pd.concat([offline, offline.head(3)])
    with pytest.raises(
        MlkitValueError, match=r"'key' user is not unique in 'online': 3 key"
    ) as error:
        skew_report(offline, online, key="user")
    assert "key=['user', 'time']" in str(error.value)
    with pytest.raises(MlkitValueError, match="not unique in 'offline'"):
        skew_report(online, offline, key="user")
    with pytest.raises(MlkitValueError, match="'key' names 'id'"):
        skew_report(offline, offline, key="id")


def test_other_bad_arguments_are_refused():
    offline = _offline()
    with pytest.raises(MlkitValueError, match="no key of 'offline' is in 'online'"):
        skew_report(offline, offline.assign(user=offline["user"] + 10_000), key="user")
    with pytest.raises(MlkitValueError, match="'rtol' must be a number >= 0"):
        skew_report(offline, offline, key="user", rtol=-1)
    with pytest.raises(MlkitValueError, match="'atol' must be a number >= 0"):
        skew_report(offline, offline, key="user", atol="0")
    with pytest.raises(MlkitValueError, match="'online' has no rows"):
        skew_report(offline, offline.head(0), key="user")
    with pytest.raises(MlkitValueError, match="no column to compare"):
        skew_report(offline[["user"]], offline[["user"]], key="user")
