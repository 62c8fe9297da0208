"""Tables that live in another engine: polars, pyarrow, DuckDB and Dask.

Prediction logs outgrow memory long before a notebook does. The core statistics
of mlkit are finished from small, mergeable aggregates (counts per group and
confusion cell, sums per bin, counts per category or per histogram bin), so
:func:`~mlkit.fairness.group_metrics`, :func:`~mlkit.evaluation.slice_metrics`,
:func:`~mlkit.calibration.reliability` and
:func:`~mlkit.monitoring.drift_report` take a table of another engine as it is:
the aggregates are computed by that engine, through narwhals expressions (one
group-by per statistic), and only the aggregate table comes back to be finished
in numpy, as the pandas path finishes its own ``np.bincount``.

Which tables: a polars ``DataFrame`` or ``LazyFrame``, a pyarrow ``Table``, a
DuckDB relation and a Dask ``DataFrame`` (the last on one machine or on a
``distributed`` cluster, whichever its scheduler is). None of those libraries is
imported unless such a table is passed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint

if TYPE_CHECKING:
    import narwhals as nw
    import pandas as pd

__all__ = [
    "CHUNK_ROWS",
    "ENGINES",
    "aggregate",
    "collect",
    "engine_of",
    "lazy",
    "resolve",
]

#: The engines whose tables mlkit aggregates where they are, by the top-level
#: module of the table's type.
ENGINES: dict[str, str] = {
    "polars": "polars",
    "pyarrow": "pyarrow",
    "duckdb": "duckdb",
    "_duckdb": "duckdb",
    "dask": "dask",
    "dask_expr": "dask",
}

#: Rows of a Dask partition that :func:`aggregate` counts at a time. Dask reads
#: several Parquet files into one partition when few of their columns are
#: needed; counted whole, the intermediate columns of a partition would take
#: many times its size.
CHUNK_ROWS = 250_000

#: How the partial results of each aggregation merge.
_MERGE = {"len": "sum", "count": "sum", "sum": "sum", "min": "min", "max": "max"}

DATA_ERROR = (
    "'data' must be a pandas DataFrame or a table of polars, pyarrow, DuckDB or "
    "Dask; got {got}."
)
NAME_ERROR = (
    "with 'data', {name!r} must name a column of it (or a list of columns); got {got}."
)


def engine_of(obj: Any) -> str | None:
    """``"polars"``, ``"pyarrow"``, ``"duckdb"`` or ``"dask"`` for such a table, else None.

    Read from the type's module, so that nothing is imported: a pandas frame, an
    array or a list gives None.
    """
    engine = ENGINES.get(type(obj).__module__.split(".")[0])
    if engine == "pyarrow" and type(obj).__name__ != "Table":
        return None  # a pyarrow Array is a column, as a list is
    if engine == "polars" and type(obj).__name__ not in ("DataFrame", "LazyFrame"):
        return None
    if engine == "dask" and type(obj).__name__ != "DataFrame":
        return None
    return engine


def lazy(table: Any, name: str) -> nw.LazyFrame:
    """``table`` (of an engine of :data:`ENGINES`) as a narwhals LazyFrame."""
    import narwhals as nw

    if engine_of(table) is None:
        raise MlkitTypeError(
            with_hint(
                DATA_ERROR.replace("'data'", repr(name)).format(
                    got=type(table).__name__
                ),
                "pass a polars, pyarrow, DuckDB or Dask table, or a pandas DataFrame.",
            )
        )
    with warnings.catch_warnings():
        # narwhals announces that its Dask support moves to another package; it
        # still works, and the warning is not the caller's to act on.
        warnings.filterwarnings("ignore", "Dask support is moving", FutureWarning)
        frame = nw.from_native(table)
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def collect(frame: nw.LazyFrame) -> pd.DataFrame:
    """Compute ``frame`` (a small aggregate) in its engine, as a pandas frame.

    The index is a plain range: Dask keeps its partitions' own.
    """
    result = frame.collect(backend="pandas")
    return result.to_native().reset_index(drop=True)


def aggregate(
    frame: nw.LazyFrame,
    rows: Callable[[nw.LazyFrame], nw.LazyFrame],
    keys: Sequence[str],
    aggregates: Mapping[str, tuple[str, str | None]],
    *,
    columns: Sequence[str],
    limit: int | None = None,
) -> pd.DataFrame:
    """Mergeable aggregates per group of the rows built from ``frame``.

    Parameters
    ----------
    frame : narwhals.LazyFrame
        A table of an engine of :data:`ENGINES` (or of pandas).
    rows : callable
        Builds, from a frame with ``frame``'s columns, the rows to count: the
        columns computed, filtered or stacked by narwhals expressions.
    keys : list of str
        Columns of those rows to group by; a missing key is a group.
    aggregates : dict
        Output name to ``(operation, column)``, an operation being ``"len"``
        (rows of the group; column None), ``"count"`` (values present),
        ``"sum"``, ``"min"`` or ``"max"``.
    columns : list of str
        The columns of ``frame`` that ``rows`` reads.
    limit : int, optional
        Return at most this many groups (enough to tell that there are too
        many), rather than every one.

    Returns
    -------
    pandas.DataFrame
        One row per group: the keys, then the aggregates; in no fixed order.

    Notes
    -----
    Every engine but Dask runs ``rows`` and the group-by as one query. On
    Dask, each partition is counted by pandas :data:`CHUNK_ROWS` rows at a
    time and the partial counts are merged by a tree reduction into one
    partition (``split_out=1``): the aggregates are small, so they need no
    shuffle, and a worker holds one partition and one chunk's intermediate
    columns at a time.
    """
    wanted = list(dict.fromkeys(columns))
    native = frame.to_native()
    if engine_of(native) != "dask":
        query = (
            rows(frame.select(*wanted))
            .group_by(*keys)
            .agg(
                *(
                    _expression(name, operation)
                    for name, operation in aggregates.items()
                )
            )
        )
        return collect(query if limit is None else query.head(limit))
    native = native[wanted]
    meta = _partial(native._meta, rows, list(keys), dict(aggregates))
    merged = (
        native.map_partitions(_partial, rows, list(keys), dict(aggregates), meta=meta)
        .groupby(list(keys), dropna=False, sort=False, observed=True)
        .agg({name: _MERGE[op] for name, (op, _) in aggregates.items()}, split_out=1)
    )
    # One partition: its head is the first groups of all.
    result = merged.compute() if limit is None else merged.head(limit)
    return result.reset_index()


def _expression(name: str, operation: tuple[str, str | None]) -> nw.Expr:
    import narwhals as nw

    op, column = operation
    if op == "len":
        return nw.len().alias(name)
    return getattr(nw.col(column), op)().alias(name)


def _partial(
    part: pd.DataFrame,
    rows: Callable[[nw.LazyFrame], nw.LazyFrame],
    keys: list[str],
    aggregates: dict[str, tuple[str, str | None]],
) -> pd.DataFrame:
    """The aggregates of one Dask partition, counted :data:`CHUNK_ROWS` rows at a time."""
    import narwhals as nw
    import pandas as pd

    expressions = [_expression(name, op) for name, op in aggregates.items()]
    counted = []
    for start in range(0, max(len(part), 1), CHUNK_ROWS):
        chunk = nw.from_native(part.iloc[start : start + CHUNK_ROWS], eager_only=True)
        query = rows(chunk.lazy()).group_by(*keys).agg(*expressions)
        counted.append(query.collect().to_native())
    if len(counted) == 1:
        return counted[0]
    return pd.concat(counted, ignore_index=True)


def _names(value: Any, argument: str, several: bool) -> list[str]:
    if isinstance(value, str):
        return [value]
    if (
        several
        and isinstance(value, Sequence)
        and value
        and all(isinstance(v, str) for v in value)
        and len(set(value)) == len(value)
    ):
        return list(value)
    message = NAME_ERROR.format(name=argument, got=repr(value)[:80])
    raise MlkitTypeError(
        with_hint(
            message if several else message.replace(" (or a list of columns)", ""),
            f"pass {argument}='column' (a name of 'data'), or the values themselves "
            "without 'data'.",
        )
    )


def _check_names(columns: Sequence[str], wanted: list[str], argument: str) -> None:
    missing = [c for c in wanted if c not in columns]
    if missing:
        import difflib

        close = difflib.get_close_matches(missing[0], list(columns), n=1)
        raise MlkitValueError(
            with_hint(
                f"{argument!r} names {', '.join(map(repr, missing))}, which is not a "
                "column of 'data'.",
                (f"did you mean {close[0]!r}? " if close else "")
                + f"The columns are: {', '.join(map(str, list(columns)[:30]))}"
                + (" ..." if len(columns) > 30 else "."),
            )
        )


def resolve(
    data: Any,
    arguments: Mapping[str, Any],
    *,
    several: Sequence[str] = (),
    required: Sequence[str] = (),
) -> tuple[nw.LazyFrame | None, dict[str, Any]]:
    """The ``data=`` convention: arguments that name columns of ``data``.

    ``arguments`` maps each argument's name to what the caller passed; None (an
    optional argument left out) stays None, unless the argument is one of
    ``required``. Arguments of ``several`` may name a list of columns, the
    others one column.

    Returns
    -------
    (None, arguments)
        ``data`` is None: the arguments are the values themselves.
    (None, values)
        ``data`` is a pandas DataFrame: each name becomes its column (a Series),
        each list of names a DataFrame of those columns; the rest of the
        function runs as on values.
    (frame, names)
        ``data`` is a table of another engine: a narwhals LazyFrame, and each
        argument as a list of column names, checked to exist.
    """
    if data is None:
        return None, dict(arguments)
    import pandas as pd

    for argument in required:
        if arguments[argument] is None:
            raise MlkitTypeError(
                with_hint(
                    NAME_ERROR.format(name=argument, got=None).replace(
                        " (or a list of columns)", ""
                    ),
                    f"pass {argument}='column', a name of 'data'.",
                )
            )
    given = {k: v for k, v in arguments.items() if v is not None}
    names = {}
    for argument, value in given.items():
        names[argument] = _names(value, argument, argument in several)
    if isinstance(data, pd.DataFrame):
        columns = list(data.columns)
        out: dict[str, Any] = dict.fromkeys(arguments)
        for argument, wanted in names.items():
            _check_names(columns, wanted, argument)
            single = isinstance(given[argument], str)
            out[argument] = data[wanted[0]] if single else data[wanted]
        return None, out
    if engine_of(data) is None:
        raise MlkitTypeError(
            with_hint(
                DATA_ERROR.format(got=type(data).__name__),
                "pass a table, and name its columns in the other arguments; or leave "
                "'data' out and pass the values themselves.",
            )
        )
    frame = lazy(data, "data")
    columns = frame.collect_schema().names()
    for argument, wanted in names.items():
        _check_names(columns, wanted, argument)
    return frame, {k: names.get(k) for k in arguments}
