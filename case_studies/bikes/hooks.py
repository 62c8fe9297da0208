"""Case-specific code of the bikes case: last week's rentals, and the planners' rule.

The forecast for a day is made the evening before, so everything up to that evening
is known, including what happened a week ago. ``features`` adds the rentals of the
same hour one week earlier; ``existing_solution`` is how the planners work today:
they plan each hour for as many rentals as the same hour had a week before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["existing_solution", "features"]

_WEEK = pd.Timedelta(days=7)


def features(df: pd.DataFrame) -> pd.DataFrame:
    """Rentals in the same hour one week earlier, known the evening before.

    Parameters
    ----------
    df : pandas.DataFrame
        Consecutive hourly rows with ``timestamp`` (the start of the hour) and
        ``cnt`` (the rentals in it), in any order; it is not modified. The data
        have no row for an hour without a rental (``cnt`` is never 0), so an hour
        inside the span of ``df`` that has no row counts as 0 rentals.

    Returns
    -------
    pandas.DataFrame
        On ``df``'s index, ``cnt_last_week``: the rentals from ``timestamp`` minus
        7 days to one hour later; missing when that hour is before the first row
        of ``df``.

    Examples
    --------
    >>> hours = pd.date_range("2012-01-01", periods=24 * 8, freq="h")
    >>> df = pd.DataFrame({"timestamp": hours, "cnt": range(1, 24 * 8 + 1)})
    >>> df = df.drop(index=5)  # no rental from 05:00 to 06:00 on 1 January
    >>> new = features(df)
    >>> new["cnt_last_week"].isna().sum()  # the first week has no week before it
    np.int64(167)
    >>> new.loc[[24 * 7 + 5, 24 * 7 + 6], "cnt_last_week"].tolist()
    [0.0, 7.0]
    """
    times = df["timestamp"]
    counts = pd.Series(df["cnt"].to_numpy(dtype="float64"), index=times.to_numpy())
    counts = counts.groupby(level=0).sum()  # one value per hour, whatever the order
    hours = pd.date_range(counts.index.min(), counts.index.max(), freq="h")
    every_hour = counts.reindex(hours, fill_value=0.0)
    week_before = every_hour.reindex((times - _WEEK).to_numpy())
    return pd.DataFrame({"cnt_last_week": week_before.to_numpy()}, index=df.index)


def existing_solution(X: pd.DataFrame) -> np.ndarray:
    """The planners' rule today: as many rentals as the same hour had a week ago.

    A seasonal naive forecast: it follows the hour of the day, the day of the week
    and the growth of the system, but not tomorrow's weather or a holiday. ``X``
    needs ``cnt_last_week`` (from :func:`features`) and ``hr``; where last week is
    unknown (the data's first week), it predicts the median of that hour's
    ``cnt_last_week`` in ``X``, or 0 when ``X`` has none.

    Examples
    --------
    >>> X = pd.DataFrame({"hr": [8, 8, 9], "cnt_last_week": [400.0, np.nan, 120.0]})
    >>> existing_solution(X).tolist()
    [400.0, 400.0, 120.0]
    """
    last_week = X["cnt_last_week"].astype("float64")
    by_hour = last_week.groupby(X["hr"].astype("str").to_numpy()).transform("median")
    return last_week.fillna(by_hour).fillna(0.0).to_numpy()
