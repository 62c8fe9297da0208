"""The drift explorer: pick a window of production and a column, see both distributions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit.widgets._base import Control, Explorer

if TYPE_CHECKING:
    from mlkit.monitoring import ColumnDrift, ProductionStream

#: The one window of an explorer whose current data are not cut into windows.
ALL = "all"


class DriftExplorer(Explorer):
    """Choose a window and a column; see both distributions and the drift test.

    Chapter 8 of *Designing Machine Learning Systems* detects shifts by testing
    each feature of production data against a reference. This explorer looks
    at one window of production and one column at a time with
    :func:`mlkit.monitoring.column_drift`: the Kolmogorov-Smirnov or chi-square
    test of :func:`mlkit.monitoring.drift_report`, and the two distributions
    on the same bins. The current rows are split by window once, when the
    explorer is made.

    Parameters
    ----------
    reference : pandas.DataFrame
        The data the model learnt from.
    current : pandas.DataFrame
        Production data; with ``window_column``, a column of window labels.
        Neither frame is modified.
    window_column : str, optional
        The column of ``current`` that labels each row's window. Without it,
        all of ``current`` is one window, ``"all"``.
    columns : sequence of str, optional
        The columns to choose from; by default every column the two frames
        share but the window column and columns of dates or times.
    window : optional
        The window shown first; by default the last (the most recent).
    column : str, optional
        The column shown first; by default the one that drifted most in that
        window: the smallest p-value of :func:`drift_report`, then the largest PSI.
    alpha : float, default 0.05
        Significance level of the test.
    bins : int, default 20
        Bins of a numeric column, categories shown of a categorical one.

    Attributes
    ----------
    result : ColumnDrift
        The test and the two distributions of the current column and window.
    windows : list
        The window labels, in order.
    ranking : list
        The columns, most drifted first in the window shown first.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.widgets import DriftExplorer
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=600), "z": rng.normal(size=600)})
    >>> cur = pd.DataFrame({"x": rng.normal(size=600), "z": rng.normal(size=600),
    ...                     "week": np.repeat([1, 2, 3], 200)})
    >>> cur.loc[cur["week"] == 3, "z"] += 1.0
    >>> explorer = DriftExplorer(ref, cur, window_column="week")
    >>> explorer.values
    {'window': 3, 'column': 'z'}
    >>> explorer.result.drifted
    True
    >>> explorer.update(window=1).drifted
    False
    """

    title: ClassVar[str] = "Drift explorer"

    def __init__(
        self,
        reference: Any,
        current: Any,
        *,
        window_column: Any = None,
        columns: Any = None,
        window: Any = None,
        column: Any = None,
        alpha: float = 0.05,
        bins: int = 20,
    ) -> None:
        from mlkit._validation import check_columns, check_frame
        from mlkit.monitoring._column import _check_bins
        from mlkit.monitoring._drift import _check_alpha

        check_frame(reference, "reference")
        check_frame(current, "current")
        self._alpha = _check_alpha(alpha)
        self._bins = _check_bins(bins)
        if window_column is not None:
            check_columns(current, [window_column], "window_column")
        if columns is None:
            names = [
                c
                for c in reference.columns
                if c in current.columns
                and c != window_column
                and not _is_time(reference[c])
                and not _is_time(current[c])
            ]
            if not names:
                raise MlkitValueError(
                    with_hint(
                        "'reference' and 'current' share no column to compare.",
                        "give both frames the same feature columns, or name them "
                        "with columns=[...].",
                    )
                )
        else:
            names = [columns] if isinstance(columns, str) else list(columns)
            if not names:
                raise MlkitValueError(
                    with_hint("'columns' is empty.", "name at least one column.")
                )
            check_columns(reference, names, "columns")
            check_columns(current, names, "columns")
        # Only the compared columns, copied: the caller's frames stay as they are.
        self._reference = reference[names].copy()
        self._current = current[names].copy()
        self.windows, self._rows = _split(current, window_column)
        if window is None:
            window = self.windows[-1]
        window = Control("Dropdown", "window", options=tuple(self.windows)).check(
            "window", window
        )
        self.ranking = self._rank(names, window)
        controls = {
            "window": Control("Dropdown", "window", options=tuple(self.windows)),
            "column": Control("Dropdown", "column", options=tuple(names)),
        }
        super().__init__(
            controls,
            {"window": window, "column": self.ranking[0] if column is None else column},
        )

    @classmethod
    def from_stream(cls, stream: ProductionStream, **kwargs: Any) -> DriftExplorer:
        """An explorer of a production stream: its reference against its windows.

        Parameters
        ----------
        stream : ProductionStream
            From :func:`mlkit.monitoring.production_stream`.
        **kwargs
            ``columns``, ``window``, ``column``, ``alpha``, ``bins``, as for
            the constructor. By default the columns are the stream's features
            and target, without its time column.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from mlkit.monitoring import production_stream
        >>> from mlkit.widgets import DriftExplorer
        >>> df = pd.DataFrame({"x": np.random.default_rng(0).normal(size=400)})
        >>> stream = production_stream(df, windows=4, inject="covariate",
        ...                            column="x", start_window=3)
        >>> explorer = DriftExplorer.from_stream(stream)
        >>> explorer.windows, explorer.values["column"]
        ([1, 2, 3, 4], 'x')
        """
        from mlkit.monitoring import ProductionStream

        if not isinstance(stream, ProductionStream):
            raise MlkitTypeError(
                with_hint(
                    f"'stream' must be a ProductionStream; got {type(stream).__name__}.",
                    "make one with mlkit.monitoring.production_stream(df, ...), or "
                    "pass the frames to DriftExplorer(reference, current, "
                    "window_column=...).",
                )
            )
        if "columns" not in kwargs and stream.time_column is not None:
            kwargs["columns"] = [
                c
                for c in stream.reference.columns
                if c != stream.time_column
                and c in stream.current.columns
                and not _is_time(stream.reference[c])
            ]
        return cls(
            stream.reference,
            stream.current,
            window_column=stream.window_column,
            **kwargs,
        )

    def _window_frame(self, window: Any, column: Any) -> Any:
        frame = self._current[[column]]
        rows = self._rows[window]
        return frame if rows is None else frame.iloc[rows]

    def _rank(self, names: list[Any], window: Any) -> list[Any]:
        """The columns, most drifted first in ``window`` (p-value, then PSI)."""
        from mlkit.monitoring import drift_report

        rows = self._rows[window]
        current = self._current if rows is None else self._current.iloc[rows]
        try:
            table = drift_report(
                self._reference, current, columns=names, alpha=self._alpha
            ).table
        except MlkitValueError:
            # A column without values in this window: keep the columns' order.
            return list(names)
        ranked = table.assign(minus_psi=-table["psi"]).sort_values(
            ["p_value", "minus_psi"], kind="stable"
        )
        return ranked["column"].tolist()

    def _compute(self, *, window: Any, column: Any) -> ColumnDrift:
        from mlkit.monitoring import column_drift

        return column_drift(
            self._reference[[column]],
            self._window_frame(window, column),
            column,
            alpha=self._alpha,
            bins=self._bins,
        )

    def _status(self, result: ColumnDrift) -> str:
        test = "KS" if result.test == "ks" else "chi-square"
        return (
            f"window {self._values['window']}, column {result.column!r}: {test} "
            f"statistic {result.statistic:.4g}, p-value {result.p_value:.3g}, "
            f"drifted: {'yes' if result.drifted else 'no'} at alpha = "
            f"{result.alpha:g} (PSI {result.psi:.3g})."
        )


def _is_time(series: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ) or pd.api.types.is_timedelta64_dtype(series.dtype)


def _split(current: Any, window_column: Any) -> tuple[list[Any], dict[Any, Any]]:
    """The window labels in order, and each window's row positions (None: all rows)."""
    import numpy as np
    import pandas as pd

    if window_column is None:
        return [ALL], {ALL: None}
    labels = current[window_column]
    missing = int(labels.isna().sum())
    if missing:
        raise MlkitValueError(
            with_hint(
                f"'window_column' {window_column!r} has {missing:,} rows without a "
                "window label.",
                "label every row's window, or drop the rows without one.",
            )
        )
    codes, uniques = pd.factorize(labels, sort=False)
    try:
        order = np.argsort(np.asarray(uniques), kind="stable")
    except TypeError:  # labels that do not sort: their order of appearance
        order = np.arange(len(uniques))
    # Row positions of each window from one stable sort of the codes.
    by_code = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_code], np.arange(len(uniques) + 1))
    windows, rows = [], {}
    for code in order:
        label = uniques[code]
        label = label.item() if isinstance(label, np.generic) else label
        windows.append(label)
        rows[label] = by_code[bounds[code] : bounds[code + 1]]
    return windows, rows
