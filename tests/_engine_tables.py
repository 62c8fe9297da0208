"""Tables of each engine made from a pandas frame, for the tests that compare the
engine path of a statistic with its pandas path."""

from __future__ import annotations

import dask.dataframe as dd
import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa

#: The tables mlkit aggregates where they live; "polars-lazy" is a LazyFrame.
ENGINES = ("polars", "polars-lazy", "pyarrow", "duckdb", "dask")


def on_engine(df: pd.DataFrame, engine: str):
    """``df`` as a table of ``engine``; Dask's in three partitions (if it has three rows)."""
    if engine == "polars":
        return pl.from_pandas(df)
    if engine == "polars-lazy":
        return pl.from_pandas(df).lazy()
    if engine == "pyarrow":
        return pa.Table.from_pandas(df, preserve_index=False)
    if engine == "duckdb":
        return duckdb.from_df(df)
    if engine == "dask":
        table = dd.from_pandas(df, npartitions=3)
        assert table.npartitions >= min(3, len(df))
        return table
    raise AssertionError(f"no engine {engine!r}")
