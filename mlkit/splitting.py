"""Splitting data so that offline numbers match deployment, and catching leaks.

Chapters 4 and 5 of the book: a split is a claim about deployment. A random split
claims that production rows look like a random draw of the past; a time split, that
the model predicts the future from the past; a group split, that it must work on
entities (users, stores, videos) it has never seen. A split that claims more than
deployment gives inflates the offline metric: that is data leakage.

- :func:`split` cuts a DataFrame into named train, validation and test parts with
  one of five strategies, and warns about the pitfalls the book names.
- :class:`GroupTimeSeriesSplit` is a scikit-learn splitter (it works with ``cv=``)
  for what scikit-learn lacks: folds ordered in time with a gap in time units, and
  optionally group-aware, so that no entity is on both sides of a fold.
- :func:`suggest_split` proposes the strategy that matches a case's structure.
- :func:`leakage_report` checks a train/test pair for the leaks of chapter 5.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import mlkit as mk
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=100, freq="D"),
...                    "x": rng.normal(size=100), "y": rng.integers(0, 2, 100)})
>>> parts = mk.splitting.split(df, strategy="time", time_column="when", test_size=0.2)
>>> len(parts.train), len(parts.test)
(80, 20)
>>> parts.train["when"].max() < parts.test["when"].min()
True
"""

from __future__ import annotations

import html
import math
import numbers
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, MlkitWarning, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_columns,
    check_frame,
    check_int,
    check_random_state,
    check_same_columns,
    model_errors,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "STRATEGIES",
    "GroupOverlapWarning",
    "GroupTimeSeriesSplit",
    "LeakageReport",
    "SmallClassWarning",
    "Split",
    "TimeColumnWarning",
    "leakage_report",
    "split",
    "split_for_deployment",
    "suggest_split",
]

Strategy = Literal["random", "stratified", "group", "time", "time_group"]
STRATEGIES: tuple[str, ...] = ("random", "stratified", "group", "time", "time_group")
PARTS = ("train", "validation", "test")
#: The tasks whose splits :func:`suggest_split` knows.
_TASKS = ("binary", "multiclass", "regression")
#: Rows a class should have in the smallest part for its share there to mean much.
MIN_CLASS_ROWS = 5
#: A suggested split must keep at least this share of the rows for training.
MIN_TRAIN_SHARE = 0.3


class TimeColumnWarning(MlkitWarning):
    """A random split of data that has a time column: the model may learn the future.

    Silence it with ``warnings.simplefilter("ignore", mk.splitting.TimeColumnWarning)``.
    """


class GroupOverlapWarning(MlkitWarning):
    """The same entity (group) is on both sides of a split."""


class SmallClassWarning(MlkitWarning):
    """A class too small for its share in each part of a stratified split to mean much."""


# --------------------------------------------------------------------------- helpers


def _times(
    df: pd.DataFrame, column: str, name: str = "time_column", where: str = ""
) -> pd.Series:
    """The column as datetimes; an error naming it if it does not parse or has gaps.

    ``where`` names the frame in messages, such as ``" of 'X'"``.
    """
    if where and column not in df.columns:
        raise MlkitValueError(
            with_hint(
                f"'{name}' names {column!r}, which is not a column{where}.",
                f"pass the name of the column with each row's time; the columns are: "
                f"{', '.join(map(str, df.columns[:30]))}.",
            )
        )
    check_columns(df, [column], name)
    values = df[column]
    if pd.api.types.is_numeric_dtype(values):
        # A numeric clock (days, steps) works too; missing times are refused below.
        values = pd.Series(
            values.to_numpy(dtype="float64", na_value=np.nan), index=values.index
        )
    elif not pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
        bad = values.notna() & parsed.isna()
        if bad.any():
            example = values[bad].iloc[0]
            raise MlkitValueError(
                with_hint(
                    f"'{name}' names {column!r}{where}, whose values are not all dates: "
                    f"{int(bad.sum()):,} do not parse, for example {example!r}.",
                    "convert the column with pandas.to_datetime, or declare it as "
                    "'datetime' in the case's schema.",
                )
            )
        values = parsed
    missing = int(values.isna().sum())
    if missing:
        raise MlkitValueError(
            with_hint(
                f"'{name}' names {column!r}{where}, which is missing in {missing:,} row(s); a "
                "time-ordered split needs the time of every row.",
                f"drop those rows first (df.dropna(subset=[{column!r}])), or split "
                "another way.",
            )
        )
    return values


def _check_unique_columns(df: pd.DataFrame, name: str) -> None:
    """Refuse a frame with a column name twice: ``df[column]`` would be a frame."""
    if df.columns.has_duplicates:
        twice = list(dict.fromkeys(df.columns[df.columns.duplicated()]))
        raise MlkitValueError(
            with_hint(
                f"'{name}' has the column(s) {', '.join(map(repr, twice))} more than "
                "once.",
                "give every column its own name.",
            )
        )


def _groups(df: pd.DataFrame, column: str, name: str = "group_column") -> pd.Series:
    check_columns(df, [column], name)
    values = df[column]
    missing = int(values.isna().sum())
    if missing:
        raise MlkitValueError(
            with_hint(
                f"'{name}' names {column!r}, which is missing in {missing:,} row(s); "
                "every row must belong to an entity.",
                "fill the missing entities (for example with a value per row), or drop "
                "those rows.",
            )
        )
    return values


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _gap(gap: Any, times: pd.Series, where: str = "") -> Any:
    """The gap in the unit of ``times``: a Timedelta for dates, a number otherwise.

    ``where`` names the frame of the time column in messages, such as ``" of 'X'"``.
    """
    if gap is None:
        return pd.Timedelta(0) if pd.api.types.is_datetime64_any_dtype(times) else 0
    if pd.api.types.is_datetime64_any_dtype(times):
        if isinstance(gap, numbers.Number) and not isinstance(gap, np.timedelta64):
            # pandas reads a bare number as nanoseconds, which no one means.
            raise MlkitValueError(
                with_hint(
                    f"'gap' must be a duration for a datetime time column{where}; got "
                    f"the number {gap!r}.",
                    "give how long labels take to arrive as a duration, such as "
                    "'30D' or pandas.Timedelta(days=30).",
                )
            )
        try:
            value = pd.Timedelta(gap)
        except (TypeError, ValueError):
            value = pd.NaT
        if value is pd.NaT:
            raise MlkitValueError(
                with_hint(
                    f"'gap' must be a duration such as '30D' or pandas.Timedelta(days=30); "
                    f"got {gap!r}.",
                    "give how long labels take to arrive, as a duration.",
                )
            )
        if value < pd.Timedelta(0):
            raise MlkitValueError(
                with_hint(
                    f"'gap' must not be negative; got {gap!r}.", "use '0D' for none."
                )
            )
        return value
    if (
        not isinstance(gap, numbers.Real)
        or isinstance(gap, bool)
        or not math.isfinite(gap)
        or gap < 0
    ):
        raise MlkitValueError(
            with_hint(
                f"'gap' must be a number >= 0 in the unit of the time column{where}; "
                f"got {gap!r}.",
                "for a datetime column use a duration such as '30D'.",
            )
        )
    return gap


def _check_sizes(test_size: Any, validation_size: Any) -> None:
    for name, value, low in (
        ("test_size", test_size, 0.0),
        ("validation_size", validation_size, 0.0),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must be a fraction such as 0.2; got {value!r}.",
                    "give the share of the rows for that part.",
                )
            )
        if not low <= value < 1 or (name == "test_size" and value == 0):
            raise MlkitValueError(
                with_hint(
                    f"'{name}' must be in {'(0, 1)' if name == 'test_size' else '[0, 1)'}; "
                    f"got {value!r}.",
                    "give the share of the rows for that part, for example 0.2.",
                )
            )
    if test_size + validation_size >= 1:
        raise MlkitValueError(
            with_hint(
                f"'test_size' + 'validation_size' must leave rows to train on; got "
                f"{test_size} + {validation_size}.",
                "keep their sum below 1, for example 0.2 and 0.2.",
            )
        )


# --------------------------------------------------------------------------- splitter


class GroupTimeSeriesSplit:
    """Folds ordered in time, with a gap in time units, optionally group-aware.

    scikit-learn's ``TimeSeriesSplit`` orders rows and counts its gap in rows, and
    no scikit-learn splitter is both time-ordered and group-aware (scikit-learn
    issue #14257). Here each fold tests on a later block of time, trains only on
    rows that happened at least ``gap`` before that block, and, when groups are
    given, keeps every entity on one side: an entity is placed by its first row,
    and its rows never serve for training a fold in which it is tested.

    Parameters
    ----------
    n_splits : int, default 5
        Number of folds; the data are cut into ``n_splits + 1`` blocks of about
        equal rows, and fold ``k`` tests on block ``k``.
    time_column : str, optional
        Column of ``X`` (a DataFrame) with when each row happened. Without it, the
        rows' order is their time and ``gap`` counts rows.
    gap : duration or number, optional
        How long before the test block training stops (for labels that arrive
        late): a duration such as ``"30D"`` with a datetime column, a number of
        rows or time units otherwise.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"t": np.arange(300), "x": rng.normal(size=300)})
    >>> y = (X["x"] + rng.normal(size=300) > 0).astype(int)
    >>> users = rng.integers(0, 60, size=300)
    >>> cv = GroupTimeSeriesSplit(n_splits=3, time_column="t", gap=10)
    >>> for train, test in cv.split(X, y, groups=users):
    ...     assert not set(users[train]) & set(users[test])
    ...     assert X["t"].iloc[train].max() < X["t"].iloc[test].min() - 10
    >>> scores = cross_val_score(LogisticRegression(), X[["x"]], y, cv=cv.split(X, y, users))
    >>> len(scores)
    3
    """

    def __init__(
        self, n_splits: int = 5, *, time_column: str | None = None, gap: Any = None
    ):
        # Checked here, as scikit-learn's splitters do, and again in split() for
        # values set afterwards.
        check_int(n_splits, "n_splits", 1, "5")
        if gap is not None:
            number = isinstance(gap, numbers.Number) and not isinstance(
                gap, np.timedelta64
            )
            _gap(gap, pd.Series(dtype="float64" if number else "datetime64[ns]"))
        self.n_splits = n_splits
        self.time_column = time_column
        self.gap = gap

    def __repr__(self) -> str:
        return (
            f"GroupTimeSeriesSplit(n_splits={self.n_splits}, "
            f"time_column={self.time_column!r}, gap={self.gap!r})"
        )

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return self.n_splits

    def _times(self, X: Any) -> pd.Series:
        if self.time_column is None:
            if isinstance(X, pd.DataFrame | pd.Series):
                n = len(X)
            else:
                shape = np.shape(X)
                if len(shape) == 0:
                    raise MlkitTypeError(
                        with_hint(
                            f"'X' must hold rows (a DataFrame, an array or a list); "
                            f"got {type(X).__name__}.",
                            "pass the rows to split, for example the feature frame.",
                        )
                    )
                n = shape[0]
            return pd.Series(np.arange(n), dtype="float64")
        frame = check_frame(X, "X", allow_empty=True)
        return _times(frame, self.time_column, where=" of 'X'").reset_index(drop=True)

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` arrays of row positions, one pair per fold."""
        n_splits = check_int(self.n_splits, "n_splits", 1, "5")
        times = self._times(X)
        n = len(times)
        gap = _gap(self.gap, times, where=" of 'X'")
        if groups is None:
            codes = np.arange(n)
        else:
            values = pd.Series(as_1d(groups, "groups"))
            if len(values) != n:
                raise MlkitValueError(
                    with_hint(
                        f"'groups' has {len(values):,} values but 'X' has {n:,} rows.",
                        "pass one entity per row.",
                    )
                )
            if values.isna().any():
                raise MlkitValueError(
                    with_hint(
                        f"'groups' is missing in {int(values.isna().sum()):,} row(s).",
                        "every row must belong to an entity; fill or drop the others.",
                    )
                )
            codes = pd.factorize(values)[0]
        what = "rows in 'X'" if groups is None else "entities in 'groups'"
        if len(np.unique(codes)) < n_splits + 1:
            raise MlkitValueError(
                with_hint(
                    f"Too few {what}"
                    f" for {n_splits} folds: {len(np.unique(codes)):,}, and each of "
                    f"the {n_splits + 1} blocks needs one.",
                    "use fewer folds (n_splits), or more data.",
                )
            )
        blocks = _blocks_by_first_time(times, codes, n_splits + 1)
        if len(np.unique(blocks)) < n_splits + 1:
            raise MlkitValueError(
                with_hint(
                    f"Too few {what}"
                    f" for {n_splits} folds: some of the {n_splits + 1} blocks of "
                    "time would be empty.",
                    "use fewer folds (n_splits).",
                )
            )
        positions = np.arange(n)
        time_values = times.to_numpy()
        for k in range(1, n_splits + 1):
            test = positions[blocks == k]
            start = time_values[test].min()
            train = positions[(blocks < k) & (time_values < start - gap)]
            if len(train) == 0:
                raise MlkitValueError(
                    with_hint(
                        f"Fold {k} has no row of 'X' to train on: the gap "
                        f"({self.gap!r}) reaches back before the first row, or the "
                        "rows share their times.",
                        "use a smaller gap, fewer folds, or rows at more distinct times.",
                    )
                )
            yield train, test


def _blocks_by_first_time(
    times: pd.Series, codes: np.ndarray, n_blocks: int
) -> np.ndarray:
    """Block number of each row: entities ordered by first time, cut by cumulative rows."""
    frame = pd.DataFrame({"time": times.to_numpy(), "code": codes})
    first = frame.groupby("code", sort=False)["time"].min()
    sizes = frame.groupby("code", sort=False).size()
    order = first.sort_values(kind="stable").index
    cumulative = sizes.loc[order].cumsum().to_numpy()
    # An entity goes to the block in which its rows end, counting rows in time order.
    block_of = np.minimum((cumulative - 1) * n_blocks // cumulative[-1], n_blocks - 1)
    return pd.Series(block_of, index=order).loc[codes].to_numpy()


# --------------------------------------------------------------------------- split


@dataclass(frozen=True, repr=False)
class Split(Result):
    """Named parts of a DataFrame, and how they were made.

    Attributes
    ----------
    train, validation, test : pandas.DataFrame
        The parts, as copies with the original index; ``validation`` is empty when
        no validation share was asked for.
    assignment : pandas.Series
        For every row of the input (same index): ``"train"``, ``"validation"``,
        ``"test"`` or ``"dropped"`` (rows inside a gap, or training rows of an
        entity after the test period in a ``time_group`` split). Save it to
        rebuild the same split later with :meth:`from_assignment`.
    strategy : str
        How the parts were made.
    """

    title: ClassVar[str] = "Train, validation and test parts"
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    assignment: pd.Series
    strategy: str
    target: str | None = None
    time_column: str | None = None
    group_column: str | None = None
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def from_assignment(
        cls,
        df: pd.DataFrame,
        assignment: pd.Series,
        *,
        strategy: str = "saved",
        target: str | None = None,
        time_column: str | None = None,
        group_column: str | None = None,
    ) -> Split:
        """Rebuild a split from its :attr:`assignment`, for example one saved in a
        design log by an earlier stage."""
        check_frame(df, "df")
        if not isinstance(assignment, pd.Series):
            raise MlkitTypeError(
                with_hint(
                    f"'assignment' must be a pandas Series; got {type(assignment).__name__}.",
                    "pass Split.assignment, or the artifact saved from it.",
                )
            )
        if not assignment.index.equals(df.index):
            raise MlkitValueError(
                with_hint(
                    "'assignment' does not have the index of 'df': it belongs to other "
                    f"data ({len(assignment):,} labels against {len(df):,} rows).",
                    "rebuild it from the data it was made on, loaded the same way.",
                )
            )
        unknown = set(assignment.unique()) - {*PARTS, "dropped"}
        if unknown:
            raise MlkitValueError(
                with_hint(
                    f"'assignment' has values {sorted(map(str, unknown))}.",
                    "use train, validation, test or dropped.",
                )
            )
        return cls._make(
            df, assignment.astype("str"), strategy, target, time_column, group_column
        )

    @classmethod
    def _make(
        cls,
        df: pd.DataFrame,
        assignment: pd.Series,
        strategy: str,
        target: str | None,
        time_column: str | None,
        group_column: str | None,
    ) -> Split:
        labels = np.asarray(assignment, dtype=object)  # one conversion, many masks
        parts = {p: df[labels == p].copy() for p in (*PARTS, "dropped")}
        rows = []
        train_groups = (
            set(parts["train"][group_column].unique()) if group_column else set()
        )
        for name in (*PARTS, "dropped"):
            part = parts[name]
            if name == "dropped" and len(part) == 0:
                continue
            row: dict[str, Any] = {
                "part": name,
                "rows": len(part),
                "share": len(part) / len(df),
            }
            if target is not None:
                y = part[target]
                if pd.api.types.is_numeric_dtype(y) and y.nunique() > 2:
                    # Missing targets left out; a part without any has no mean.
                    known = y.to_numpy(dtype="float64", na_value=np.nan)
                    known = known[~np.isnan(known)]
                    row["target mean"] = float(known.mean()) if len(known) else np.nan
                else:
                    counts = y.value_counts(normalize=True)
                    row["target: rarest class share"] = (
                        float(counts.min()) if len(y) else np.nan
                    )
            if time_column is not None and len(part):
                row["from"] = part[time_column].min()
                row["to"] = part[time_column].max()
            if group_column is not None:
                groups = set(part[group_column].unique())
                row["entities"] = len(groups)
                if name != "train":
                    row["entities also in train"] = len(groups & train_groups)
            rows.append(row)
        return cls(
            train=parts["train"],
            validation=parts["validation"],
            test=parts["test"],
            assignment=assignment.rename("part"),
            strategy=strategy,
            target=target,
            time_column=time_column,
            group_column=group_column,
            summary=pd.DataFrame(rows),
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per part: ``part``, ``rows``, ``share``, and when they apply the
        target's rarest class share (or mean), the time range (``from``, ``to``),
        ``entities`` and ``entities also in train``."""
        return self.summary.copy()

    def explain(self) -> str:
        texts = {
            "random": "Rows were assigned at random: this matches deployment only when "
            "production rows look like a random draw of the past.",
            "stratified": "Rows were assigned at random within each class, so every part "
            "keeps the class shares.",
            "group": f"Whole entities ({self.group_column}) were assigned to parts: the "
            "test measures how the model does on entities it has never seen.",
            "time": f"The parts follow each other in time ({self.time_column}): the test "
            "measures how the model predicts the future from the past.",
            "time_group": f"The parts follow each other in time and no entity "
            f"({self.group_column}) is on two sides: the test measures new entities, "
            "in the future.",
        }
        text = texts.get(
            self.strategy, "The parts were rebuilt from a saved assignment."
        )
        dropped = int((self.assignment == "dropped").sum())
        if dropped:
            text += f" {dropped:,} rows were dropped (inside a gap, or after the cut)."
        return text + " (Chapters 4 and 5: a split should claim what deployment gives.)"

    def chart(self) -> alt.Chart:
        """Rows per part over time when there is a time column; otherwise the size of
        each part, split by the target's classes."""
        from mlkit.charts import distribution

        frame = pd.concat([self.train, self.validation, self.test])
        # By position: the index may repeat labels.
        sizes = [len(self.train), len(self.validation), len(self.test)]
        parts = pd.Series(
            pd.Categorical(np.repeat(PARTS, sizes), categories=PARTS),
            index=frame.index,
            name="part",
        )
        if self.time_column is not None:
            return distribution(
                frame[self.time_column],
                by=parts,
                title="When the rows of each part happened",
            )
        by = None
        if self.target is not None and frame[self.target].nunique() <= 8:
            by = frame[self.target].astype("str")
        return distribution(parts, by=by, title="Rows in each part")

    @property
    def parts(self) -> dict[str, pd.DataFrame]:
        """The parts by name: ``train``, ``validation`` and ``test``."""
        return {"train": self.train, "validation": self.validation, "test": self.test}


def split(
    df: pd.DataFrame,
    *,
    strategy: Strategy = "random",
    test_size: float = 0.2,
    validation_size: float = 0.0,
    target: str | None = None,
    time_column: str | None = None,
    group_column: str | None = None,
    gap: Any = None,
    random_state: int | None = None,
) -> Split:
    """Cut ``df`` into train, validation and test parts.

    Parameters
    ----------
    df : pandas.DataFrame
        The data; it is not modified.
    strategy : {"random", "stratified", "group", "time", "time_group"}
        ``random``: rows at random (scikit-learn's ``train_test_split``).
        ``stratified``: at random within each class of ``target``. ``group``: whole
        entities of ``group_column`` at random (``GroupShuffleSplit``; the sizes are
        then shares of entities). ``time``: by ``time_column``, the latest rows in
        test. ``time_group``: entities ordered by their first row in time, the
        latest in test; rows of training entities from after the test starts are
        dropped, so that no entity is on both sides and training never sees the
        future.
    test_size, validation_size : float
        Shares of the rows (of the entities for ``group``) for test and validation.
    target : str, optional
        The target column: needed for ``stratified``, and used in the summary.
    time_column, group_column : str, optional
        Needed by the strategies that use them. Given to another strategy, they are
        used to warn when its parts mix times or entities.
    gap : duration or number, optional
        For ``time`` and ``time_group``: rows within this long before the start of
        validation and of test are dropped, as when labels arrive late. A duration
        such as ``"30D"`` with a datetime column.
    random_state : int, optional
        Seed of the random strategies.

    Returns
    -------
    Split

    Warns
    -----
    TimeColumnWarning
        A random or stratified split of data with a datetime column.
    GroupOverlapWarning
        ``group_column`` is given and some entity is in two parts.
    SmallClassWarning
        A stratified split in which a class would have under 5 rows in a part.
    """
    check_frame(df, "df")
    _check_unique_columns(df, "df")
    if strategy not in STRATEGIES:
        raise MlkitValueError(
            with_hint(
                f"'strategy' must be one of {{{', '.join(map(repr, STRATEGIES))}}}; "
                f"got {strategy!r}.",
                "use mk.splitting.suggest_split(...) for the one that matches your data.",
            )
        )
    _check_sizes(test_size, validation_size)
    for name, column in (
        ("target", target),
        ("time_column", time_column),
        ("group_column", group_column),
    ):
        if column is not None:
            check_columns(df, [column], name)
    needs = {
        "stratified": ("target", target),
        "group": ("group_column", group_column),
        "time": ("time_column", time_column),
        "time_group": ("time_column", time_column),
    }
    if strategy == "time_group" and group_column is None:
        needs["time_group"] = ("group_column", None)
    if strategy in needs and needs[strategy][1] is None:
        raise MlkitValueError(
            with_hint(
                f"strategy={strategy!r} needs '{needs[strategy][0]}'; got None.",
                f"pass {needs[strategy][0]}=<column name>.",
            )
        )
    if gap is not None and strategy not in ("time", "time_group"):
        raise MlkitValueError(
            with_hint(
                f"'gap' applies to time-ordered splits, not to strategy={strategy!r}.",
                "use strategy='time' or 'time_group', or drop the gap.",
            )
        )
    # scikit-learn's splitters take an int seed.
    seed = (
        None
        if random_state is None
        else int(check_random_state(random_state).integers(2**31 - 1))
    )
    if strategy in ("random", "stratified"):
        labels = _random_labels(df, strategy, target, test_size, validation_size, seed)
    elif strategy == "group":
        labels = _group_labels(
            _groups(df, group_column), test_size, validation_size, seed
        )
    else:
        times = _times(df, time_column).reset_index(drop=True)
        codes = (
            pd.factorize(_groups(df, group_column))[0]
            if strategy == "time_group"
            else np.arange(len(df))
        )
        labels = _time_labels(
            times, codes, test_size, validation_size, _gap(gap, times)
        )
    assignment = pd.Series(labels, index=df.index, dtype="str", name="part")
    _warn_pitfalls(df, assignment, strategy, time_column, group_column)
    return Split._make(df, assignment, strategy, target, time_column, group_column)


def _random_labels(
    df, strategy, target, test_size, validation_size, seed
) -> np.ndarray:
    from sklearn.model_selection import train_test_split

    positions = np.arange(len(df))
    stratify = None
    if strategy == "stratified":
        y = df[target]
        if y.isna().any():
            raise MlkitValueError(
                with_hint(
                    f"'target' {target!r} is missing in {int(y.isna().sum()):,} row(s); a "
                    "stratified split needs every row's class.",
                    "drop the unlabelled rows first, or split another way.",
                )
            )
        counts = y.value_counts()
        n_parts = 3 if validation_size else 2
        if counts.min() < n_parts:
            raise MlkitValueError(
                with_hint(
                    f"'target' {target!r} has {counts.min()} row(s) of class "
                    f"{_plain(counts.idxmin())!r}, too few to put one in each of "
                    f"{n_parts} parts.",
                    "merge rare classes, drop them, or use strategy='random'.",
                )
            )
        smallest = min(s for s in (test_size, validation_size) if s)
        small = counts[counts * smallest < MIN_CLASS_ROWS]
        if len(small):
            warnings.warn(
                f"Class {_plain(small.index[0])!r} of {target!r} has {small.iloc[0]} row(s): about "
                f"{small.iloc[0] * smallest:.1f} would land in the smallest part, too few for "
                "its share or its metrics to mean much (chapter 4). Consider merging rare "
                "classes or collecting more.",
                SmallClassWarning,
                stacklevel=3,
            )
        stratify = y.to_numpy()
    try:
        rest, test = train_test_split(
            positions, test_size=test_size, random_state=seed, stratify=stratify
        )
        labels = np.full(len(df), "train", dtype=object)
        labels[test] = "test"
        if validation_size:
            share = validation_size / (1 - test_size)
            rest, validation = train_test_split(
                rest,
                test_size=share,
                random_state=None if seed is None else seed + 1,
                stratify=None if stratify is None else stratify[rest],
            )
            labels[validation] = "validation"
    except ValueError as error:
        # Too few rows (or, stratified, rows per class) for the parts asked for.
        raise MlkitValueError(
            with_hint(
                f"'df' has {len(df):,} row(s), too few for test_size={test_size!r} and "
                f"validation_size={validation_size!r}: "
                f"{str(error).splitlines()[0][:200]}",
                "pass more rows, or smaller shares; every part needs a row"
                + (" of each class." if stratify is not None else "."),
            )
        ) from error
    if len(rest) == 0:
        raise MlkitValueError(
            with_hint(
                f"'df' has {len(df):,} row(s), too few to leave one for training with "
                f"test_size={test_size!r} and validation_size={validation_size!r}.",
                "pass more rows, or smaller shares.",
            )
        )
    return labels


def _group_labels(groups: pd.Series, test_size, validation_size, seed) -> np.ndarray:
    from sklearn.model_selection import GroupShuffleSplit

    codes = pd.factorize(groups)[0]
    n_groups = codes.max() + 1
    needed = 3 if validation_size else 2
    if n_groups < needed:
        raise MlkitValueError(
            with_hint(
                f"'group_column' has {n_groups} entit{'y' if n_groups == 1 else 'ies'}; a "
                f"group split into {needed} parts needs at least {needed}.",
                "split by rows instead, or by another column.",
            )
        )
    positions = np.arange(len(groups))
    try:
        first = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
        rest, test = next(first.split(positions, groups=codes))
        labels = np.full(len(groups), "train", dtype=object)
        labels[test] = "test"
        if validation_size:
            second = GroupShuffleSplit(
                n_splits=1,
                test_size=validation_size / (1 - test_size),
                random_state=None if seed is None else seed + 1,
            )
            kept, validation = next(second.split(rest, groups=codes[rest]))
            labels[rest[validation]] = "validation"
            rest = rest[kept]
    except ValueError as error:
        raise MlkitValueError(
            with_hint(
                f"'group_column' has {n_groups:,} entities, too few for "
                f"test_size={test_size!r} and validation_size={validation_size!r}: "
                f"{str(error).splitlines()[0][:200]}",
                "pass smaller shares, or split by rows instead.",
            )
        ) from error
    if len(rest) == 0:
        raise MlkitValueError(
            with_hint(
                f"'group_column' has {n_groups:,} entities, too few to leave one for "
                f"training with test_size={test_size!r} and "
                f"validation_size={validation_size!r}.",
                "pass smaller shares, or split by rows instead.",
            )
        )
    return labels


def _time_labels(
    times: pd.Series, codes: np.ndarray, test_size, validation_size, gap
) -> np.ndarray:
    """Parts by time: entities (rows, when each row is its own) ordered by first time."""
    frame = pd.DataFrame({"time": times.to_numpy(), "code": codes})
    first = frame.groupby("code", sort=False)["time"].min().sort_values(kind="stable")
    sizes = frame.groupby("code", sort=False).size().loc[first.index]
    share_done = sizes.cumsum().to_numpy() / len(frame)
    # An entity belongs to the first part whose share its rows complete.
    cut_test = 1 - test_size
    cut_validation = cut_test - validation_size
    part_of = np.where(
        share_done <= cut_validation + 1e-12,
        0,
        np.where(share_done <= cut_test + 1e-12, 1, 2),
    )
    # Entities sharing their first time go together, so no tie straddles a cut.
    part_of = (
        pd.Series(part_of, index=first.index).groupby(first.to_numpy()).transform("max")
    )
    part = part_of.loc[codes].to_numpy()
    time_values = frame["time"].to_numpy()
    labels = np.array(PARTS, dtype=object)[part]
    starts = {}
    for number in (1, 2):
        members = part == number
        if members.any():
            starts[number] = time_values[members].min()
    for number, start in starts.items():
        # Rows of earlier parts from after this part starts, or inside the gap
        # before it, are dropped: no training on the future, nor on late labels.
        earlier = part < number
        labels[earlier & (time_values >= start - gap)] = "dropped"
    if (labels == "train").sum() == 0:
        raise MlkitValueError(
            with_hint(
                f"The time split of 'df' ({len(frame):,} rows at "
                f"{first.nunique():,} distinct time(s)) leaves no row to train on.",
                "use a smaller 'gap', a smaller 'test_size' and 'validation_size', "
                "or more data.",
            )
        )
    if 2 not in starts:
        raise MlkitValueError(
            with_hint(
                f"The time split of 'df' ({len(frame):,} rows at "
                f"{first.nunique():,} distinct time(s)) leaves no row to test on: "
                "the rows share too few times.",
                "use a larger 'test_size', or more data.",
            )
        )
    return labels


def _warn_pitfalls(df, assignment, strategy, time_column, group_column) -> None:
    if strategy in ("random", "stratified"):
        dated = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
        if time_column is not None and time_column not in dated:
            dated.insert(0, time_column)
        if dated:
            warnings.warn(
                f"The data have a time column ({dated[0]!r}) and this {strategy} split "
                "mixes times: the model learns from rows that happened after those it is "
                "tested on, which deployment never allows (chapter 5, data leakage). If the "
                f"model will predict the future, use strategy='time'.",
                TimeColumnWarning,
                stacklevel=3,
            )
    if group_column is not None and strategy not in ("group", "time_group"):
        groups = df[group_column]
        train = set(groups[assignment == "train"].dropna().unique())
        held_out = set(
            groups[assignment.isin(["validation", "test"])].dropna().unique()
        )
        shared = train & held_out
        if shared:
            warnings.warn(
                f"{len(shared):,} of the {len(held_out):,} entities ({group_column!r}) in "
                "validation or test also appear in train: the model can learn each "
                "entity's quirks and look better than on new ones (chapter 5). If it must "
                "work on unseen entities, use strategy='group' or 'time_group'.",
                GroupOverlapWarning,
                stacklevel=3,
            )


def suggest_split(
    df: pd.DataFrame,
    *,
    task: str,
    time_column: str | None = None,
    group_column: str | None = None,
) -> tuple[str, str]:
    """The split strategy that matches the data's structure, and why.

    A time column means the model will predict the future, so the split follows
    time; a group column means it must work on unseen entities, so entities stay on
    one side; both together give ``time_group``, unless the entities span so much of
    the period that it would keep under 30 % of the rows for training: then the
    entities are kept apart and the time order is given up, with a note. A time
    column with missing values cannot order every row, and is left aside with a
    note. Without either, a classification task is split with stratification and a
    regression at random.

    Returns
    -------
    (strategy, reason) : tuple of str

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=4), "y": [0, 1, 0, 1]})
    >>> suggest_split(df, task="binary", time_column="t")[0]
    'time'
    """
    check_frame(df, "df")
    _check_unique_columns(df, "df")
    check_choice(task, _TASKS, "task")
    usable_time = None
    note = ""
    if time_column is not None:
        check_columns(df, [time_column], "time_column")
        missing = int(df[time_column].isna().sum())
        if missing:
            note = (
                f" {time_column!r} is missing in {missing:,} rows, so it cannot order "
                "every row; a time-ordered split would first have to drop them."
            )
        else:
            usable_time = time_column
    if group_column is not None:
        check_columns(df, [group_column], "group_column")
    if usable_time and group_column and not df[group_column].isna().any():
        times = _times(df, usable_time).reset_index(drop=True)
        codes = pd.factorize(df[group_column])[0]
        try:
            labels = _time_labels(times, codes, 0.2, 0.2, _gap(None, times))
            kept = float(np.mean(labels == "train"))
        except MlkitValueError:
            kept = 0.0
        if kept >= MIN_TRAIN_SHARE:
            return "time_group", (
                f"Predictions are for the future ({usable_time!r}) and for entities not "
                f"seen before ({group_column!r}): the parts follow each other in time and "
                "no entity is on two sides."
            )
        note = (
            f" Its entities span most of the period, so a split both by time and by "
            f"entity would keep only {kept:.0%} of the rows for training; the split keeps "
            "entities apart and gives up the time order."
        )
    if usable_time and not group_column:
        return "time", (
            f"The model will predict rows later than those it learns from: the split "
            f"follows {usable_time!r}, the latest rows in test."
        )
    if group_column:
        return "group", (
            f"The model must work on {group_column!r} values it has never seen: whole "
            f"entities go to one part.{note}"
        )
    if task in ("binary", "multiclass"):
        return "stratified", (
            "No time or entity structure: rows at random, keeping the class shares in "
            f"every part.{note}"
        )
    return "random", f"No time or entity structure: rows at random.{note}"


def split_for_deployment(
    df: pd.DataFrame,
    *,
    task: str,
    target: str,
    time_column: str | None = None,
    group_column: str | None = None,
    strategy: Strategy | None = None,
    test_size: float = 0.2,
    validation_size: float = 0.2,
    random_state: int | None = 0,
) -> Split:
    """Split ``df`` the way its structure calls for: :func:`suggest_split`, then :func:`split`.

    Given a case's columns, it uses each only where the strategy needs it: the
    time column for ``time`` and ``time_group`` (rows without a time are marked
    ``"dropped"``), the group column for ``group`` and ``time_group``; a
    ``stratified`` strategy on a numeric target becomes ``random``. Pass
    ``strategy`` to override the suggestion, as an iteration that changes the
    split decision does. The assignment always covers every row of ``df``, so it
    can be saved and rebuilt with :meth:`Split.from_assignment`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=50), "y": np.arange(50) % 2})
    >>> parts = split_for_deployment(df, task="binary", target="y", time_column="t")
    >>> parts.strategy, len(parts.test)
    ('time', 10)
    """
    check_frame(df, "df")
    _check_unique_columns(df, "df")
    check_choice(task, _TASKS, "task")
    for name, column in (("time_column", time_column), ("group_column", group_column)):
        if column is not None:
            check_columns(df, [column], name)
    if strategy is None:
        strategy, _ = suggest_split(
            df, task=task, time_column=time_column, group_column=group_column
        )
    if strategy not in STRATEGIES:
        raise MlkitValueError(
            with_hint(
                f"'strategy' must be one of {{{', '.join(map(repr, STRATEGIES))}}}; "
                f"got {strategy!r}.",
                "leave it out to use the suggested one.",
            )
        )
    uses_time = strategy in ("time", "time_group")
    uses_groups = strategy in ("group", "time_group")
    if strategy == "stratified" and task == "regression":
        strategy = "random"  # a number has no classes to stratify by
    data = df.dropna(subset=[time_column]) if uses_time and time_column else df
    parts = split(
        data,
        strategy=strategy,
        test_size=test_size,
        validation_size=validation_size,
        target=target,
        time_column=time_column if uses_time else None,
        group_column=group_column if uses_groups else None,
        random_state=random_state,
    )
    if len(data) == len(df):
        return parts
    assignment = parts.assignment.reindex(df.index, fill_value="dropped")
    return Split._make(
        df,
        assignment,
        strategy,
        target,
        time_column if uses_time else None,
        group_column if uses_groups else None,
    )


# --------------------------------------------------------------------------- leakage

Severity = Literal["high", "info"]
_FINDING_COLUMNS = ["check", "columns", "severity", "evidence", "what to do"]


@dataclass(frozen=True, repr=False)
class LeakageReport(Result):
    """What a train/test pair reveals about leakage (chapter 5).

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per finding: ``check``, ``columns``, ``severity`` (``"high"``: a
        likely leak; ``"info"``: worth knowing, not a leak by itself), ``evidence``
        and ``what to do``.
    scores : pandas.DataFrame
        How well each feature alone predicts the target on the test part, learned
        on train: ``column``, ``score`` (ROC-AUC for classes, folded so that 0.5 is
        chance and 1 perfect; for a numeric target the larger of |Spearman| and the
        R² of its binned means) and ``flag``.
    checks : tuple of str
        The checks that ran.
    """

    title: ClassVar[str] = "Leakage report"
    findings: pd.DataFrame
    scores: pd.DataFrame
    checks: tuple[str, ...]
    n_train: int
    n_test: int

    @property
    def ok(self) -> bool:
        """False when any finding is a likely leak."""
        return not (self.findings["severity"] == "high").any()

    def to_frame(self) -> pd.DataFrame:
        """The :attr:`findings`."""
        return self.findings.copy()

    def explain(self) -> str:
        high = int((self.findings["severity"] == "high").sum())
        ran = ", ".join(self.checks)
        if high:
            verdict = (
                f"{high} likely leak(s): fix them before trusting any metric computed on "
                "this split."
            )
        else:
            verdict = "No likely leak."
        return (
            f"{verdict} Checks run on {self.n_train:,} train and {self.n_test:,} test rows: "
            f"{ran}. A leak makes offline metrics better than deployment will be "
            "(chapter 5)."
        )

    def chart(self) -> alt.Chart:
        """Each feature's predictive power on its own, with the threshold above which a
        single feature is suspicious."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title, message_chart

        if self.scores.empty:
            return message_chart(
                "No feature could be scored on its own.", title="Single-feature scores"
            )
        data = self.scores.assign(suspicious=self.scores["flag"] != "")
        bars = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X(
                    "score:Q",
                    scale=alt.Scale(domain=[0, 1]),
                    title="predictive power of the feature alone (1 = perfect)",
                ),
                y=alt.Y(
                    "column:N",
                    sort="-x",
                    title=None,
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=220),
                ),
                color=alt.Color(
                    "suspicious:N",
                    scale=alt.Scale(
                        domain=[False, True], range=[PALETTE[0], PALETTE[3]]
                    ),
                    legend=alt.Legend(title="suspicious", orient="bottom"),
                ),
                tooltip=["column:N", alt.Tooltip("score:Q", format=".3f"), "flag:N"],
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"x": [DOMINANT_SCORE]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(x="x:Q")
        )
        return (bars + rule).properties(
            width=420,
            height=alt.Step(20),
            title=_title(
                "How well each feature predicts the target alone",
                "Learned on train, scored on test; past the dashed line a feature is "
                "suspicious",
            ),
        )


#: Share of the test rows above which duplicates, shared entities or time overlap
#: count as a leak.
MIN_SHARE = 0.005
#: A feature alone scoring this well is a near copy of the target.
COPY_SCORE = 0.98
#: A feature alone scoring this well, far above every other, dominates implausibly:
#: legitimate features rarely predict a target this well on their own.
DOMINANT_SCORE = 0.95
#: How far above the next best a dominant feature must be.
DOMINANT_MARGIN = 0.2
#: Texts shorter than this many words repeat by chance ("great song!").
MIN_WORDS = 5


def _finding(
    check: str, columns: Sequence[str], severity: Severity, evidence: str, todo: str
) -> dict[str, str]:
    return {
        "check": check,
        "columns": ", ".join(map(str, columns)),
        "severity": severity,
        "evidence": evidence,
        "what to do": todo,
    }


def _id_like(train: pd.DataFrame, test: pd.DataFrame, column: str) -> bool:
    """An identifier: text of one word, (almost) never repeated."""
    both = pd.concat([train[column], test[column]], ignore_index=True)
    return (
        not pd.api.types.is_numeric_dtype(both)
        and not pd.api.types.is_datetime64_any_dtype(both)
        and not isinstance(both.dtype, pd.CategoricalDtype)
        and _mean_words(both) <= 1
        and both.nunique() >= 0.99 * len(both)
    )


def _mean_words(values: pd.Series, at_most: int = 1000) -> float:
    present = values.dropna()
    spread = present.iloc[:: max(1, len(present) // at_most)]
    return (
        float(spread.astype("str").str.split().str.len().mean()) if len(spread) else 0.0
    )


def _normalise_text(values: pd.Series) -> pd.Series:
    # Missing values as "" while normalising (a column of them has no str
    # accessor), missing again at the end.
    text = values.astype("str").fillna("").astype("str")
    text = text.str.replace("\ufeff", "", regex=False).map(html.unescape)
    text = text.astype("str").str.replace(r"<[^>]+>", " ", regex=True).str.lower()
    text = text.str.replace(r"[\W_]+", " ", regex=True).str.strip()
    return text.where(values.notna().to_numpy())


def _repeats(
    train_keys: pd.Series,
    test_keys: pd.Series,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    time_column: str | None,
    group_column: str | None,
) -> tuple[int, int]:
    """Test rows whose key is in train: (leaking, expected) counts.

    A repeat is expected, not a leak, when its copy in train came earlier (with a
    time column), or belongs to another entity (with a group column): deployment
    sees such repeats too.
    """
    keys_train = train_keys.to_numpy()
    keys_test = test_keys.to_numpy()
    present = pd.Series(keys_test).isin(set(pd.Series(keys_train).dropna())).to_numpy()
    if not present.any():
        return 0, 0
    expected = np.zeros(len(test), dtype=bool)
    table = pd.DataFrame({"key": keys_train})
    probe = pd.DataFrame({"key": keys_test[present]})
    if group_column is not None:
        # Repeats only leak within one entity; across entities they are content
        # that entities share.
        table["group"] = train[group_column].to_numpy()
        pairs = set(zip(table["key"], table["group"], strict=True))
        groups = test[group_column].to_numpy()[present]
        within = np.array(
            [(k, g) in pairs for k, g in zip(probe["key"], groups, strict=True)]
        )
        expected[np.flatnonzero(present)[~within]] = True
    if time_column is not None:
        table["time"] = train[time_column].to_numpy()
        earliest = table.groupby("key")["time"].min()
        came_before = (
            earliest.reindex(probe["key"]).to_numpy()
            < (test[time_column].to_numpy()[present])
        )
        expected[np.flatnonzero(present)[came_before]] = True
    return int((present & ~expected).sum()), int((present & expected).sum())


def _single_feature_scores(
    train: pd.DataFrame, test: pd.DataFrame, target: str, columns: Sequence[str]
) -> pd.DataFrame:
    """How well each column alone predicts the target: learned on train, scored on test."""
    from sklearn.metrics import r2_score, roc_auc_score

    classes = (
        pd.api.types.is_bool_dtype(train[target])
        or not pd.api.types.is_numeric_dtype(train[target])
        or train[target].nunique() <= 10
    )

    def known(part: pd.DataFrame) -> pd.DataFrame:
        # Rows without a target (or, for a number, with an infinite one) say
        # nothing about how a feature predicts it.
        y = part[target]
        if classes:
            return part[y.notna().to_numpy()]
        values = y.to_numpy(dtype="float64", na_value=np.nan)
        return part[np.isfinite(values)]

    train, test = known(train), known(test)
    rows = []
    # Too few rows to score on: every feature is unscored.
    unscored = len(train) == 0 or len(test) < 2
    y_train, y_test = train[target], test[target]
    for column in [] if unscored else columns:
        x_train, x_test = train[column], test[column]
        numeric = pd.api.types.is_numeric_dtype(
            x_train
        ) and not pd.api.types.is_bool_dtype(x_train)
        if numeric and x_train.nunique() > 20:
            # Quantile bins learned on train: any monotone or not relation shows.
            values_train = x_train.to_numpy(dtype="float64", na_value=np.nan)
            values_test = x_test.to_numpy(dtype="float64", na_value=np.nan)
            finite = values_train[np.isfinite(values_train)]
            edges = np.unique(np.quantile(finite, np.linspace(0, 1, 21)))
            bins_train = pd.Series(
                np.searchsorted(edges[1:-1], values_train, side="right"),
                index=x_train.index,
            ).where(x_train.notna(), -1)
            bins_test = pd.Series(
                np.searchsorted(edges[1:-1], values_test, side="right"),
                index=x_test.index,
            ).where(x_test.notna(), -1)
        else:
            bins_train = x_train.astype("str").where(x_train.notna(), "(missing)")
            bins_test = x_test.astype("str").where(x_test.notna(), "(missing)")
        if classes:
            labels = pd.Series(pd.factorize(pd.concat([y_train, y_test]))[0])
            lab_train = labels.iloc[: len(y_train)].to_numpy()
            lab_test = labels.iloc[len(y_train) :].to_numpy()
            present = np.unique(lab_test)
            if len(present) < 2:
                continue
            onehot = pd.DataFrame(
                lab_train[:, None] == np.arange(labels.max() + 1), index=x_train.index
            )
            rates = onehot.groupby(bins_train.to_numpy()).mean()
            prior = onehot.mean()
            probs = rates.reindex(bins_test.to_numpy()).fillna(prior).to_numpy()
            if labels.max() == 1:
                auc = roc_auc_score(lab_test, probs[:, 1])
                score = max(auc, 1 - auc)
            else:
                probs = probs[:, present]
                total = probs.sum(axis=1, keepdims=True)
                # A bin whose training rows hold none of the test's classes
                # predicts them all alike.
                probs = np.divide(
                    probs,
                    total,
                    out=np.full_like(probs, 1 / len(present)),
                    where=total > 0,
                )
                if len(present) == 2:
                    # Two of the classes in the test part: a binary ROC-AUC.
                    auc = roc_auc_score(lab_test == present[1], probs[:, 1])
                    score = max(auc, 1 - auc)
                else:
                    score = roc_auc_score(
                        lab_test, probs, multi_class="ovr", labels=present
                    )
        else:
            means = y_train.groupby(bins_train.to_numpy()).mean()
            predicted = means.reindex(bins_test.to_numpy()).fillna(y_train.mean())
            score = max(0.0, r2_score(y_test, predicted))
            # A rank correlation needs both sides to vary (a column constant in the
            # test part, such as the year of a time split, has none).
            if numeric and x_test.nunique() > 1 and y_test.nunique() > 1:
                rho = pd.Series(x_test.to_numpy()).corr(
                    pd.Series(y_test.to_numpy()), method="spearman"
                )
                if rho == rho:
                    score = max(score, abs(rho))
        rows.append({"column": column, "score": float(score)})
    scores = pd.DataFrame(rows, columns=["column", "score"])
    scores = scores.sort_values("score", ascending=False, ignore_index=True)
    scores["flag"] = ""
    if len(scores):
        top = scores["score"].to_numpy()
        for i, value in enumerate(top):
            others = np.delete(top, i)
            runner_up = others.max() if len(others) else (0.5 if classes else 0.0)
            if value >= COPY_SCORE:
                scores.loc[i, "flag"] = "near copy of the target"
            elif value >= DOMINANT_SCORE and value - runner_up >= DOMINANT_MARGIN:
                scores.loc[i, "flag"] = "dominates every other feature"
    return scores


def _transformer_check(
    transformer: Any,
    train: pd.DataFrame,
    test: pd.DataFrame,
    columns: Sequence[str],
    target: str,
) -> dict[str, str] | None:
    from sklearn.base import clone

    names = list(getattr(transformer, "feature_names_in_", columns))
    missing = [c for c in names if c not in train.columns]
    if missing:
        raise MlkitValueError(
            with_hint(
                f"'transformer' was fitted on columns the frames lack: {missing[:5]}.",
                "pass the frames the transformer was meant for.",
            )
        )
    probe = test[names].head(2000)

    def dense(values: Any) -> np.ndarray:
        values = values.toarray() if hasattr(values, "toarray") else np.asarray(values)
        return values.astype("float64")

    with model_errors("transformer", "transform and refit on the rows of 'train'"):
        given = dense(transformer.transform(probe))
        on_train = dense(
            clone(transformer).fit(train[names], train[target]).transform(probe)
        )
        both = pd.concat([train, test])
        on_both = dense(
            clone(transformer).fit(both[names], both[target]).transform(probe)
        )

    def same(a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and np.allclose(
            a, b, equal_nan=True, rtol=1e-7, atol=1e-9
        )

    if same(given, on_both) and not same(given, on_train):
        return _finding(
            "preprocessing fitted on test rows",
            names[:8] + (["..."] if len(names) > 8 else []),
            "high",
            f"{type(transformer).__name__} transforms test rows exactly as one fitted on "
            "train and test together, and differently from one fitted on train alone: its "
            "statistics (means, scales, categories, ...) saw the test rows.",
            "fit preprocessing on the training part only, inside a Pipeline with the model.",
        )
    return None


def leakage_report(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    target: str,
    time_column: str | None = None,
    group_column: str | None = None,
    text_columns: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    transformer: Any = None,
) -> LeakageReport:
    """Check a train/test pair for the leaks of chapter 5.

    The checks are those the data allow:

    - **duplicates**: test rows identical to a training row on every column but
      the target (identifier-like columns aside);
    - **near-duplicates**: test rows whose text, once normalised (case, spacing,
      punctuation, HTML entities), is that of a training row; texts under five
      words are ignored, as they repeat by chance;
    - **entities on both sides** (with ``group_column``): pass it when the model
      must work on entities it has not seen;
    - **time overlap** (with ``time_column``): test rows earlier than the last
      training row; pass it when the model will predict the future;
    - **target proxies**: a feature that alone predicts the target almost
      perfectly, or far better than every other feature;
    - **preprocessing fitted on test rows** (with ``transformer``, fitted).

    Repeats whose training copy came earlier (with ``time_column``) or belongs to
    another entity (with ``group_column``) are reported as ``info``, not as leaks:
    deployment sees them too. Duplicates, shared entities and time overlap count
    as a leak from 0.5 % of the test rows.

    Parameters
    ----------
    train, test : pandas.DataFrame
        The two parts, with the same columns. They are not modified.
    target : str
        The target column.
    time_column, group_column : str, optional
        The guarantees the split is meant to give, to be checked.
    text_columns : sequence of str, optional
        Free-text columns for the near-duplicate check; by default string columns
        whose values average at least five words.
    columns : sequence of str, optional
        The features to score alone; by default every column except the target,
        the time, the group and identifier-like columns.
    transformer : fitted scikit-learn transformer, optional
        Preprocessing to check: was it fitted on train only?

    Returns
    -------
    LeakageReport
        ``.findings`` and ``.ok`` (False when any finding is a likely leak).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=400), "y": rng.integers(0, 2, 400)})
    >>> df["y_copy"] = df["y"]  # a column that is the label under another name
    >>> report = leakage_report(df.iloc[:300], df.iloc[300:], target="y")
    >>> report.ok, report.findings["check"].tolist()
    (False, ['target proxy'])
    """
    check_frame(train, "train")
    check_frame(test, "test")
    _check_unique_columns(train, "train")
    _check_unique_columns(test, "test")
    check_same_columns(train, test, ("train", "test"))
    check_columns(train, [target], "target")
    for name, column in (("time_column", time_column), ("group_column", group_column)):
        if column is not None:
            check_columns(train, [column], name)
    for name, names in (("text_columns", text_columns), ("columns", columns)):
        if isinstance(names, str):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must be a list of column names; got the string "
                    f"{names!r}.",
                    f"pass {name}=[{names!r}].",
                )
            )
    findings: list[dict[str, str]] = []
    checks = ["duplicates", "near-duplicates", "target proxies"]
    n_test = len(test)
    special = {target, time_column, group_column}
    id_like = [
        c for c in train.columns if c not in special and _id_like(train, test, c)
    ]

    def repeats(check, columns, keys_train, keys_test, what, todo):
        # Duplicates and near-duplicates: test rows whose key a training row has.
        leaking, expected = _repeats(
            keys_train,
            keys_test,
            train,
            test,
            time_column=time_column,
            group_column=group_column,
        )
        if leaking and leaking / n_test >= MIN_SHARE:
            findings.append(
                _finding(
                    check,
                    columns,
                    "high",
                    f"{leaking:,} test rows ({leaking / n_test:.1%}) {what}.",
                    todo,
                )
            )
        elif leaking or expected:
            findings.append(
                _finding(
                    check,
                    columns,
                    "info",
                    f"{leaking + expected:,} test rows ({(leaking + expected) / n_test:.1%}) "
                    f"{what}"
                    + (
                        f"; {expected:,} of them after an earlier copy or on another entity, "
                        "as deployment sees too"
                        if expected
                        else ""
                    )
                    + ".",
                    "none needed to trust the split; report the score without them too, to "
                    "see how much they help.",
                )
            )

    # Exact duplicates, on every column but the target and identifiers.
    compared = [c for c in train.columns if c not in {target, *id_like}]
    if compared:
        repeats(
            "duplicates",
            compared[:6],
            pd.util.hash_pandas_object(train[compared], index=False),
            pd.util.hash_pandas_object(test[compared], index=False),
            "are copies of training rows",
            "drop duplicates before splitting, or keep all copies on one side (a group "
            "split on a key of the row).",
        )

    # Near-duplicates of free text.
    if text_columns is None:
        # Free text: string columns whose values (a spread of up to 1,000 of them)
        # average five words or more; identifiers never do.
        text_columns = [
            c
            for c in train.columns
            if c not in special
            and c not in id_like
            and pd.api.types.is_string_dtype(train[c])
            and not isinstance(train[c].dtype, pd.CategoricalDtype)
            and _mean_words(train[c]) >= MIN_WORDS
        ]
    else:
        check_columns(train, list(text_columns), "text_columns")
    for column in text_columns:
        norm_train, norm_test = (
            _normalise_text(train[column]),
            _normalise_text(test[column]),
        )
        repeats(
            "near-duplicates",
            [column],
            norm_train.where(norm_train.str.split().str.len() >= MIN_WORDS),
            norm_test.where(norm_test.str.split().str.len() >= MIN_WORDS),
            "have the text of a training row once case, spacing and punctuation are "
            "ignored",
            "remove near-duplicates before splitting, or split so that copies stay on one "
            "side.",
        )

    if group_column is not None:
        checks.append("entities on both sides")
        shared = set(train[group_column].dropna()) & set(test[group_column].dropna())
        rows = int(test[group_column].isin(shared).sum())
        if shared and rows / n_test >= MIN_SHARE:
            findings.append(
                _finding(
                    "entities on both sides",
                    [group_column],
                    "high",
                    f"{len(shared):,} entities are in both parts; their rows are {rows / n_test:.1%} "
                    "of the test part.",
                    "split by entity (strategy='group' or 'time_group').",
                )
            )

    if time_column is not None:
        checks.append("time overlap")
        t_train = _times(train, time_column)
        t_test = _times(test, time_column)
        early = int((t_test < t_train.max()).sum())
        if early and early / n_test >= MIN_SHARE:
            findings.append(
                _finding(
                    "time overlap",
                    [time_column],
                    "high",
                    f"{early:,} test rows ({early / n_test:.1%}) happened before the last training "
                    f"row ({t_train.max()}): the model learns from the future of what it is "
                    "tested on.",
                    "split by time (strategy='time'), the latest rows in test.",
                )
            )

    if columns is None:
        columns = [
            c
            for c in train.columns
            if c not in special
            and c not in id_like
            and c not in text_columns
            and not pd.api.types.is_datetime64_any_dtype(train[c])
        ]
    else:
        check_columns(train, list(columns), "columns")
    scores = _single_feature_scores(train, test, target, list(columns))
    for _, row in scores[scores["flag"] != ""].iterrows():
        findings.append(
            _finding(
                "target proxy",
                [row["column"]],
                "high",
                f"{row['column']!r} alone scores {row['score']:.3f} on the test part "
                f"({row['flag']}).",
                "check that this column exists when the prediction is made and is not derived "
                "from the target; drop it if it is.",
            )
        )

    if transformer is not None:
        checks.append("preprocessing")
        found = _transformer_check(transformer, train, test, list(columns), target)
        if found:
            findings.append(found)
    frame = pd.DataFrame(findings, columns=_FINDING_COLUMNS)
    if len(frame):
        order = {"high": 0, "info": 1}
        frame = frame.sort_values(
            "severity", key=lambda s: s.map(order), kind="stable", ignore_index=True
        )
    return LeakageReport(
        findings=frame,
        scores=scores,
        checks=tuple(checks),
        n_train=len(train),
        n_test=n_test,
    )
