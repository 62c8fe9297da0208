"""``mlkit._engines.aggregate``: the group-by of mergeable aggregates behind the four
statistics, on each engine, against pandas' own group-by."""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd
import pytest

from mlkit import _engines
from tests._engine_tables import ENGINES, on_engine

AGGREGATES = {
    "rows": ("len", None),
    "present": ("count", "x"),
    "total": ("sum", "x"),
    "low": ("min", "x"),
    "high": ("max", "x"),
    "doubled": ("sum", "twice"),
}


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n).round(3)
    x[rng.random(n) < 0.2] = np.nan  # missing values, counted out of count/sum/min/max
    key = pd.Series(rng.choice(["a", "b", "é"], size=n), dtype="str")
    key[rng.random(n) < 0.1] = None  # a missing key is a group of its own
    return pd.DataFrame(
        {
            "key": key,
            "group": rng.integers(0, 4, size=n),
            "x": x,
            "unused": rng.normal(size=n),
        }
    )


def _rows(frame: nw.LazyFrame) -> nw.LazyFrame:
    return frame.filter(nw.col("group") != 3).with_columns(
        (nw.col("x") * 2).alias("twice")
    )


def _expected(df: pd.DataFrame) -> pd.DataFrame:
    rows = df[df["group"] != 3].assign(twice=lambda d: d["x"] * 2)
    grouped = rows.groupby(["key", "group"], dropna=False)
    return pd.DataFrame(
        {
            "rows": grouped.size(),
            "present": grouped["x"].count(),
            "total": grouped["x"].sum(),
            "low": grouped["x"].min(),
            "high": grouped["x"].max(),
            "doubled": grouped["twice"].sum(),
        }
    )


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    table = table.set_index(["key", "group"])
    table.index = table.index.set_levels(
        [table.index.levels[0].astype(object), table.index.levels[1].astype("int64")]
    )
    table = table.astype({"rows": "int64", "present": "int64"}).astype(
        dict.fromkeys(("total", "low", "high", "doubled"), "float64")
    )
    return table.sort_index(na_position="last")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [0, 1])
def test_aggregate_equals_pandas_groupby(engine, seed):
    df = _table(500, seed)
    original = df.copy()
    frame = _engines.lazy(on_engine(df, engine), "data")
    got = _engines.aggregate(
        frame, _rows, ["key", "group"], AGGREGATES, columns=["key", "group", "x"]
    )
    expected = _expected(df)
    pd.testing.assert_frame_equal(
        _sorted(got), _sorted(expected.reset_index()), check_names=False, rtol=1e-12
    )
    pd.testing.assert_frame_equal(df, original)


@pytest.mark.parametrize("chunk_rows", [1, 7, 10_000])
def test_dask_partitions_counted_in_chunks_merge_to_the_same_groups(
    monkeypatch, chunk_rows
):
    # Dask's threads scheduler runs the partitions in this process, so the chunk
    # size set here is the one they are counted by.
    monkeypatch.setattr(_engines, "CHUNK_ROWS", chunk_rows)
    df = _table(300, 2)
    import dask.dataframe as dd

    table = dd.from_pandas(df, npartitions=5)
    got = _engines.aggregate(
        _engines.lazy(table, "data"),
        _rows,
        ["key", "group"],
        AGGREGATES,
        columns=["key", "group", "x"],
    )
    pd.testing.assert_frame_equal(
        _sorted(got), _sorted(_expected(df).reset_index()), check_names=False
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_limit_returns_at_most_that_many_groups(engine):
    df = pd.DataFrame({"id": np.arange(100), "x": np.ones(100)})
    got = _engines.aggregate(
        _engines.lazy(on_engine(df, engine), "data"),
        lambda frame: frame,
        ["id"],
        {"rows": ("len", None)},
        columns=["id", "x"],
        limit=11,
    )
    assert len(got) == 11
    assert (got["rows"] == 1).all()


def test_dask_reads_only_the_named_columns():
    import dask.dataframe as dd

    df = _table(50, 3)
    seen = []

    def rows(frame: nw.LazyFrame) -> nw.LazyFrame:
        seen.append(frame.collect_schema().names())
        return _rows(frame)

    _engines.aggregate(
        _engines.lazy(dd.from_pandas(df, npartitions=2), "data"),
        rows,
        ["key", "group"],
        AGGREGATES,
        columns=["key", "group", "x"],
    )
    assert seen
    assert all(names == ["key", "group", "x"] for names in seen)
