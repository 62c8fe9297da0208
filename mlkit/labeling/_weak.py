"""Weak supervision: labeling functions, their label matrix, and models that combine them.

Chapter 4 of *Designing Machine Learning Systems* presents weak supervision: instead
of labelling rows by hand, write heuristics ("a comment with a link is spam") as
*labeling functions* (LFs). Each LF votes a class or abstains on every row; the
votes form a *label matrix* ``L`` with one row per data row and one column per LF,
``ABSTAIN`` (-1) where the LF had nothing to say. :func:`lf_summary` measures each
LF, and two models turn the votes into one label per row: :func:`majority_vote`,
and :class:`LabelModel`, which learns how accurate each LF is from the matrix
alone, with no gold labels, and weighs the votes accordingly.

Examples
--------
>>> import pandas as pd
>>> from mlkit.labeling import ABSTAIN, apply_lfs, labeling_function, majority_vote
>>> @labeling_function
... def has_link(row):
...     return 1 if "http" in row.text else ABSTAIN
>>> @labeling_function(vectorized=True)
... def short(df):
...     return (df["text"].str.len() < 12).map({True: 0, False: ABSTAIN})
>>> df = pd.DataFrame({"text": ["nice song", "see http://x.io", "love it"]})
>>> L = apply_lfs([has_link, short], df, progress=False)
>>> L.tolist()
[[-1, 0], [1, -1], [-1, 0]]
>>> majority_vote(L).tolist()
[0, 1, 0]
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from mlkit._exceptions import MlkitError, MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_frame,
    check_random_state,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "ABSTAIN",
    "LFSummary",
    "LabelModel",
    "LabelingFunction",
    "apply_lfs",
    "condition_lf",
    "keyword_lf",
    "labeling_function",
    "lf_summary",
    "majority_vote",
]

#: The vote of a labeling function that has nothing to say about a row.
ABSTAIN = -1

TieBreak = Literal["abstain", "random"]
TIE_BREAKS: tuple[str, ...] = ("abstain", "random")

# Message templates, kept here so that tests can match them.
LF_RAISED_ERROR = (
    "labeling function {lf!r} raised {error} on row {label!r} (position {position}) "
    "of 'df'."
)
LF_VALUE_ERROR = (
    "labeling function {lf!r} returned {value!r} on row {label!r} (position "
    "{position}) of '{arg}'; a labeling function must return an int class (0, 1, ...) "
    "or ABSTAIN (-1)."
)
LF_CALL_ERROR = "labeling function {lf!r} raised {error} on the '{arg}' it was given."
LF_ROW_VALUE_ERROR = (
    "labeling function {lf!r} returned {value!r} on the '{arg}' it was given; a "
    "labeling function must return an int class (0, 1, ...) or ABSTAIN (-1)."
)
LF_LENGTH_ERROR = (
    "vectorised labeling function {lf!r} returned {got} values for a frame of {n} "
    "rows (the '{arg}' it was applied to)."
)
DUPLICATE_ERROR = "'lfs' holds two labeling functions named {name!r}."
LABEL_MATRIX_ERROR = (
    "'{name}' must hold ABSTAIN (-1) or classes 0 to {high}; got {got}."
)

# The share of rows below which an LF is said to have low coverage, the share of
# its votes in conflict above which it conflicts a lot, and how far above chance
# an accuracy must be not to count as "near chance", in lf_summary's explanation.
LOW_COVERAGE = 0.01
HIGH_CONFLICT = 0.3
NEAR_CHANCE = 0.1


# --------------------------------------------------------------------------- LFs


class LabelingFunction:
    """A heuristic that votes a class, or abstains, on each row of a frame.

    Build one with the :func:`labeling_function` decorator, or directly.

    Parameters
    ----------
    func : callable
        A row-wise LF takes one row, a :class:`pandas.Series` whose fields are
        reachable as ``row.COLUMN`` and ``row["COLUMN"]`` (``row.name`` is the
        row's index label), and returns an int class or :data:`ABSTAIN`. A
        vectorised LF takes the whole DataFrame and returns one such value per
        row (a list, an array, or a Series on the frame's index).
    name : str, optional
        The LF's name in the label matrix's summaries; ``func.__name__`` by
        default. Names must be unique among the LFs applied together.
    vectorized : bool, default False
        Whether ``func`` takes the whole frame rather than one row.

    Attributes
    ----------
    func : callable
    name : str
    vectorized : bool

    Examples
    --------
    >>> import pandas as pd
    >>> lf = LabelingFunction(lambda row: 1 if row["n"] > 2 else -1, name="big")
    >>> lf
    LabelingFunction('big', row-wise)
    >>> lf(pd.Series({"n": 5}))
    1
    """

    def __init__(
        self,
        func: Callable[[Any], Any],
        *,
        name: str | None = None,
        vectorized: bool = False,
    ) -> None:
        if not callable(func):
            raise MlkitTypeError(
                with_hint(
                    f"'func' must be callable; got {type(func).__name__}.",
                    "pass a function that takes a row (or the frame, with "
                    "vectorized=True) and returns a class or ABSTAIN.",
                )
            )
        if name is None:
            name = getattr(func, "__name__", None)
            if name is None:
                raise MlkitValueError(
                    with_hint(
                        f"'name' is needed: 'func' ({type(func).__name__}) has no "
                        "__name__ to name the labeling function after.",
                        "name the labeling function, for example name='has_link'.",
                    )
                )
        _check_lf_options(name, vectorized)
        self.func = func
        self.name = name
        self.vectorized = bool(vectorized)
        # Its docstring and name, so that help() on the decorated function works.
        functools.update_wrapper(self, func, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The LF's vote on a row (or, vectorised, its votes on a frame), checked.

        What the function returns is returned as it is, once checked: an int
        class or ABSTAIN for a row; one such vote per row for a frame. An error
        inside the function is raised as an mlkit error that names the LF, with
        the original chained to it.
        """
        arg = _parameter(self.func, "df" if self.vectorized else "row")
        try:
            result = self.func(*args, **kwargs)
        except MlkitError:
            raise
        except Exception as exc:
            raise MlkitValueError(
                with_hint(
                    LF_CALL_ERROR.format(
                        lf=self.name, error=f"{type(exc).__name__}: {exc}", arg=arg
                    ),
                    "fix the function for inputs like this one; the original error "
                    "is chained above this one.",
                )
            ) from exc
        if self.vectorized:
            if len(args) == 1 and not kwargs and isinstance(args[0], pd.DataFrame):
                _check_vector_votes(self, args[0], result, arg)
        elif not _is_vote(result):
            raise MlkitValueError(
                with_hint(
                    LF_ROW_VALUE_ERROR.format(
                        lf=self.name, value=_plain(result), arg=arg
                    ),
                    "return ABSTAIN rather than None, and an int class rather than "
                    "a bool, float or string.",
                )
            )
        return result

    def __repr__(self) -> str:
        kind = "vectorised" if self.vectorized else "row-wise"
        return f"LabelingFunction({self.name!r}, {kind})"


def _check_lf_options(name: Any, vectorized: Any) -> None:
    """Refuse a labeling function's name that is not a non-empty str, or a non-bool flag."""
    if name is not None and (not isinstance(name, str) or not name):
        raise (MlkitValueError if isinstance(name, str) else MlkitTypeError)(
            with_hint(
                f"'name' must be a non-empty str; got {name!r}.",
                "name the labeling function, for example name='has_link'.",
            )
        )
    if not isinstance(vectorized, (bool, np.bool_)):
        raise MlkitTypeError(
            with_hint(
                f"'vectorized' must be True or False; got {vectorized!r}.",
                "pass vectorized=True for a function that takes the whole frame.",
            )
        )


def _parameter(func: Callable[..., Any], default: str) -> str:
    """The name of the first parameter of ``func``, for messages; ``default`` if none."""
    import inspect

    try:
        parameters = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return default
    return parameters[0] if parameters else default


def labeling_function(
    func: Callable[[Any], Any] | None = None,
    *,
    name: str | None = None,
    vectorized: bool = False,
) -> Any:
    """Turn a function into a :class:`LabelingFunction`; use it as a decorator.

    Bare (``@labeling_function``) it makes a row-wise LF named after the
    function; with arguments (``@labeling_function(vectorized=True)``) it can
    rename it or make it vectorised.

    Parameters
    ----------
    func : callable, optional
        The function, when used bare or called directly.
    name : str, optional
        The LF's name; the function's ``__name__`` by default.
    vectorized : bool, default False
        True for a function that takes the whole DataFrame and returns one vote
        per row; False for one that takes a row (a :class:`pandas.Series`).

    Returns
    -------
    LabelingFunction, or a decorator that makes one

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> @labeling_function
    ... def check_out(row):
    ...     return 1 if "check out" in row.text.lower() else ABSTAIN
    >>> @labeling_function(name="many_caps", vectorized=True)
    ... def caps(df):
    ...     return np.where(df["text"].str.count("[A-Z]") > 5, 1, ABSTAIN)
    >>> check_out, caps
    (LabelingFunction('check_out', row-wise), LabelingFunction('many_caps', vectorised))
    >>> check_out(pd.Series({"text": "Check out my channel"}))
    1
    """

    def wrap(func: Callable[[Any], Any]) -> LabelingFunction:
        return LabelingFunction(func, name=name, vectorized=vectorized)

    if func is None:
        # Checked now, so that a typo fails on the decorator's line.
        _check_lf_options(name, vectorized)
        return wrap
    return wrap(func)


# --------------------------------------------------------------------------- rules

#: Message templates of the rule builders, kept here so that tests can match them.
PATTERN_ERROR = "'pattern' {pattern!r} is not a valid regular expression: {error}."
EXPRESSION_SYNTAX_ERROR = "'expression' {expression!r} is not valid: {error}."
EXPRESSION_EVAL_ERROR = (
    "'expression' {expression!r} cannot be evaluated on 'df', the frame it was "
    "applied to: {error}."
)
UNSAFE_EXPRESSION_ERROR = (
    "'expression' {expression!r} uses {what}, which a condition does not need."
)
UNKNOWN_NAME_ERROR = "'expression' names {name!r}, which is not a column of 'df'."
NOT_BOOLEAN_ERROR = (
    "'expression' {expression!r} must be a condition, true or false on each row "
    "of 'df'; it gives {got}."
)
UNKNOWN_COLUMN_ERROR = "'column' names {column!r}, which is not a column of 'df'."

# Attributes a condition may not reach: private ones (the way out of pandas'
# evaluator to Python's internals), writers (to_csv, to_pickle, ...), and
# methods that run a function or change data. A condition reads the columns.
_UNSAFE_METHODS = frozenset(
    {
        "agg",
        "aggregate",
        "apply",
        "applymap",
        "boxplot",
        "eval",
        "hist",
        "insert",
        "map",
        "pipe",
        "plot",
        "pop",
        "query",
        "transform",
        "update",
    }
)


def _check_vote_label(label: Any) -> int:
    """The class a rule votes: an int of at least 0."""
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, numbers.Integral):
        raise MlkitTypeError(
            with_hint(
                f"'label' must be an int class (0, 1, ...); got {label!r}.",
                "encode the classes as the other labeling functions do, for example "
                "label=1 for spam.",
            )
        )
    if label < 0:
        raise MlkitValueError(
            with_hint(
                f"'label' must be a class (0, 1, ...), not ABSTAIN or below; got "
                f"{label!r}.",
                "a rule votes its class where it matches and abstains elsewhere.",
            )
        )
    return int(label)


def _check_rule_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must be a string; got {type(value).__name__}.",
                f"pass the {name} as text, for example "
                + ("'free|win'." if name == "pattern" else "'age < 30'."),
            )
        )
    if not value.strip():
        raise MlkitValueError(
            with_hint(
                f"'{name}' is empty.",
                "type a rule; a rule that matches every row labels nothing useful.",
            )
        )
    return value


def _votes_where(matches: np.ndarray, label: int) -> np.ndarray:
    return np.where(matches, label, ABSTAIN).astype(np.int64)


def keyword_lf(
    pattern: str,
    label: int,
    *,
    column: Any,
    name: str | None = None,
    ignore_case: bool = True,
) -> LabelingFunction:
    """A labeling function that votes ``label`` where a text column matches a pattern.

    The pattern is a regular expression (Python's :mod:`re` syntax) searched
    anywhere in each value of ``column``, with pandas' ``str.contains``: one
    vectorised pass over the column. Rows whose text does not match, or is
    missing, get ABSTAIN.

    Parameters
    ----------
    pattern : str
        A regular expression, such as ``"free|win"`` or ``r"\\bhttps?://"``;
        plain words match themselves.
    label : int
        The class voted where the pattern matches.
    column : str
        The column of text to search.
    name : str, optional
        The LF's name; by default the rule itself, such as
        ``"text ~ 'free|win' → 1"``.
    ignore_case : bool, default True
        Whether "Free" matches "free".

    Returns
    -------
    LabelingFunction
        A vectorised LF, for :func:`apply_lfs` like any other.

    Raises
    ------
    MlkitValueError
        A pattern that does not compile (the message gives the :mod:`re`
        error), an empty pattern, or a class below 0; when applied, a frame
        without ``column``.
    MlkitTypeError
        When applied, a column that does not hold text.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"text": ["Check out my channel", "nice song", None]})
    >>> lf = keyword_lf("check out|subscribe", 1, column="text")
    >>> lf
    LabelingFunction("text ~ 'check out|subscribe' → 1", vectorised)
    >>> apply_lfs([lf], df, progress=False).ravel().tolist()
    [1, -1, -1]
    """
    import re

    pattern = _check_rule_text(pattern, "pattern")
    label = _check_vote_label(label)
    if not isinstance(ignore_case, (bool, np.bool_)):
        raise MlkitTypeError(
            with_hint(
                f"'ignore_case' must be True or False; got {ignore_case!r}.",
                "pass ignore_case=False to tell 'Free' from 'free'.",
            )
        )
    try:
        with warnings.catch_warnings():
            # "Possible nested set" and the like: the pattern is valid today, and
            # matches as Python reads it now.
            warnings.simplefilter("ignore", FutureWarning)
            compiled = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except (re.error, OverflowError, RecursionError) as error:
        raise MlkitValueError(
            with_hint(
                PATTERN_ERROR.format(pattern=pattern, error=error),
                "escape characters that have a meaning in regular expressions "
                r"(such as . ? + * ( [ \) with a backslash, or pass re.escape(text) "
                "to match the text as it is.",
            )
        ) from None
    case = not ignore_case

    def matches(df: pd.DataFrame) -> np.ndarray:
        text = _text_column(df, column)
        with warnings.catch_warnings():
            # Groups in the pattern only group: nothing is extracted here.
            warnings.filterwarnings(
                "ignore", "This pattern is interpreted as a regular expression"
            )
            warnings.simplefilter("ignore", FutureWarning)
            try:
                found = text.str.contains(pattern, case=case, regex=True, na=False)
                hits = found.to_numpy(dtype=bool, na_value=False)
            except Exception:
                # pandas' fast path for Arrow strings (RE2) refuses some patterns
                # that Python's re takes, and a column of mixed objects may hold
                # values that are not text: search each text value with re.
                hits = np.fromiter(
                    (
                        isinstance(v, str) and compiled.search(v) is not None
                        for v in text.astype(object)
                    ),
                    dtype=bool,
                    count=len(text),
                )
        return _votes_where(hits, label)

    return LabelingFunction(
        matches,
        name=name if name is not None else f"{column} ~ {pattern!r} → {label}",
        vectorized=True,
    )


def _text_column(df: pd.DataFrame, column: Any) -> pd.Series:
    """``df[column]`` if it holds text, else an error naming 'column'."""
    if not isinstance(df, pd.DataFrame):
        raise MlkitTypeError(
            with_hint(
                f"'df' must be a pandas DataFrame; got {type(df).__name__}.",
                "apply the labeling function to a frame, or with apply_lfs.",
            )
        )
    try:
        found = column in df.columns
    except TypeError:  # an unhashable 'column'
        found = False
    if not found or isinstance(df.get(column), pd.DataFrame):
        close = difflib.get_close_matches(
            str(column), [str(c) for c in df.columns], n=1
        )
        raise MlkitValueError(
            with_hint(
                UNKNOWN_COLUMN_ERROR.format(column=column)
                if not found
                else f"'column' names {column!r}, which is several columns of 'df'.",
                (f"did you mean {close[0]!r}? " if close and not found else "")
                + f"The columns are: {', '.join(map(str, df.columns[:30]))}"
                + (" ..." if len(df.columns) > 30 else "."),
            )
        )
    text = df[column]
    dtype = text.dtype
    textual = pd.api.types.is_string_dtype(dtype) or isinstance(
        dtype, pd.CategoricalDtype
    )
    if not textual:
        raise MlkitTypeError(
            with_hint(
                f"'column' {column!r} must hold text to search in 'df'; got {dtype}.",
                "search a column of text, or write a condition on numbers with "
                "condition_lf, such as condition_lf('age < 30', 1).",
            )
        )
    return text


def condition_lf(
    expression: str, label: int, *, name: str | None = None
) -> LabelingFunction:
    """A labeling function that votes ``label`` on the rows where a condition holds.

    The condition is a boolean expression over the columns of the frame the LF
    is applied to, evaluated by :meth:`pandas.DataFrame.eval`: comparisons
    (``<``, ``==``, ``!=``, ...), ``and``, ``or``, ``not``, arithmetic, and
    backticks around names with spaces (```hours per week` > 50``). Rows where
    it is false, or missing, get ABSTAIN.

    The expression is evaluated by pandas' own evaluator (``engine="python"``),
    never by Python's ``eval``. It may read the columns and call their methods
    that only read (``text.str.contains('free')``, ``age.between(18, 30)``);
    private attributes (``__class__``, ...), writers (``to_csv``, ...),
    methods that run a function (``apply``, ``pipe``, ``map``, ...) and
    ``inplace=`` are refused, so that a condition cannot leave the frame.
    Still, pass only text you typed yourself, never text read from data or
    from case files.

    Parameters
    ----------
    expression : str
        The condition, such as ``"capital_gain > 5000 and age < 30"``.
    label : int
        The class voted where it holds.
    name : str, optional
        The LF's name; by default the rule itself, such as
        ``"age < 30 → 0"``.

    Returns
    -------
    LabelingFunction
        A vectorised LF, for :func:`apply_lfs` like any other.

    Raises
    ------
    MlkitValueError
        An expression that does not parse, uses '@' variables or one of the
        attributes above, or a class below 0; when applied, an expression that
        names a column the frame lacks (the message names it) or that is not
        true or false on each row (such as ``"age + 1"``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [25, 45, 28], "capital_gain": [9000, 9000, 0]})
    >>> lf = condition_lf("capital_gain > 5000 and age < 30", 1)
    >>> lf.name
    'capital_gain > 5000 and age < 30 → 1'
    >>> apply_lfs([lf], df, progress=False).ravel().tolist()
    [1, -1, -1]
    """
    expression = _check_rule_text(expression, "expression")
    label = _check_vote_label(label)
    _check_expression(expression)

    def holds(df: pd.DataFrame) -> np.ndarray:
        return _votes_where(_condition(df, expression), label)

    return LabelingFunction(
        holds,
        name=name if name is not None else f"{expression.strip()} → {label}",
        vectorized=True,
    )


def _check_expression(expression: str) -> None:
    """Refuse, before any data is seen, what is not a condition on columns.

    Python's parser catches most typing slips; names in backticks (pandas'
    quoting) are not Python, so stand-ins replace them. Attributes that lead out
    of pandas' evaluator, write files or run functions are refused, as are
    '@' variables, which pandas would look up among mlkit's own.
    """
    import ast
    import io
    import re
    import tokenize

    source = re.sub(r"`[^`]*`", "_", expression.strip())
    try:
        at = any(
            token.type == tokenize.OP and token.string == "@"
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
        )
    except (tokenize.TokenError, SyntaxError):
        at = False  # the parser below says what is wrong
    if at:
        raise MlkitValueError(
            with_hint(
                EXPRESSION_SYNTAX_ERROR.format(
                    expression=expression, error="'@' variables are not available"
                ),
                "write the value itself, such as 'age < 30' rather than 'age < @limit'.",
            )
        )
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError) as error:  # ValueError: a null byte
        message = error.msg if isinstance(error, SyntaxError) else str(error)
        raise MlkitValueError(
            with_hint(
                EXPRESSION_SYNTAX_ERROR.format(expression=expression, error=message),
                "write a condition such as 'age < 30 and hours_per_week > 50'; "
                "quote a column name with spaces in backticks: `hours per week`.",
            )
        ) from None
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Attribute) and (
            node.attr.startswith(("_", "to_")) or node.attr in _UNSAFE_METHODS
        ):
            what = f"the attribute {node.attr!r}"
        elif isinstance(node, ast.keyword) and node.arg == "inplace":
            what = "'inplace'"
        if what is not None:
            raise MlkitValueError(
                with_hint(
                    UNSAFE_EXPRESSION_ERROR.format(expression=expression, what=what),
                    "compare columns with values and join conditions with 'and', "
                    "'or' and 'not'; column methods that only read, such as "
                    "text.str.contains('free') or age.between(18, 30), are fine. "
                    "For anything else, write a function with @labeling_function.",
                )
            )


def _condition(df: pd.DataFrame, expression: str) -> np.ndarray:
    """Where ``expression`` holds on ``df``, as booleans (missing counts as false)."""
    import difflib
    import re

    from pandas.errors import UndefinedVariableError

    if not isinstance(df, pd.DataFrame):
        raise MlkitTypeError(
            with_hint(
                f"'df' must be a pandas DataFrame; got {type(df).__name__}.",
                "apply the labeling function to a frame, or with apply_lfs.",
            )
        )
    try:
        # pandas' own evaluator, never numexpr (which compiles with Python's eval).
        with warnings.catch_warnings():
            # A condition on missing values or a division by zero gives NaN.
            warnings.simplefilter("ignore", RuntimeWarning)
            result = df.eval(expression, engine="python")
    except UndefinedVariableError as error:
        found = re.search(r"name '(.+?)' is not defined", str(error))
        unknown = found.group(1) if found else str(error)
        close = difflib.get_close_matches(unknown, [str(c) for c in df.columns], n=1)
        raise MlkitValueError(
            with_hint(
                UNKNOWN_NAME_ERROR.format(name=unknown),
                (f"did you mean {close[0]!r}? " if close else "")
                + f"The columns are: {', '.join(map(str, df.columns[:30]))}"
                + (" ..." if len(df.columns) > 30 else ".")
                + " Quote a name with spaces in backticks.",
            )
        ) from None
    except Exception as error:  # pandas raises many kinds for a bad expression
        raise MlkitValueError(
            with_hint(
                EXPRESSION_EVAL_ERROR.format(
                    expression=expression, error=f"{type(error).__name__}: {error}"
                ),
                "write a condition on the columns, such as 'age < 30 and "
                "hours_per_week > 50'.",
            )
        ) from None
    if isinstance(result, pd.Series) and (
        pd.api.types.is_bool_dtype(result.dtype)
        or pd.api.types.infer_dtype(result, skipna=True) == "boolean"
    ):
        return result.to_numpy(dtype=bool, na_value=False)
    if isinstance(result, pd.Series):
        got = f"values of type {result.dtype}"
    elif isinstance(result, pd.DataFrame):
        got = "a frame (an assignment?)"
    else:
        got = f"the single value {result!r}"
    raise MlkitValueError(
        with_hint(
            NOT_BOOLEAN_ERROR.format(expression=expression, got=got),
            "compare the columns with values, such as 'age < 30' rather than 'age', "
            "and join conditions with 'and' and 'or'.",
        )
    )


def _as_lfs(lfs: Any) -> list[LabelingFunction]:
    if isinstance(lfs, (LabelingFunction, str)) or callable(lfs):
        lfs = [lfs]
    try:
        items = list(lfs)
    except TypeError:
        raise MlkitTypeError(
            with_hint(
                f"'lfs' must be a list of labeling functions; got {type(lfs).__name__}.",
                "pass [lf_a, lf_b, ...], each made with @labeling_function.",
            )
        ) from None
    if not items:
        raise MlkitValueError(
            with_hint("'lfs' is empty.", "pass at least one labeling function.")
        )
    out = []
    for item in items:
        if isinstance(item, LabelingFunction):
            out.append(item)
        elif callable(item):
            out.append(LabelingFunction(item))
        else:
            raise MlkitTypeError(
                with_hint(
                    f"'lfs' holds {item!r} ({type(item).__name__}), which is not a "
                    "labeling function.",
                    "pass functions decorated with @labeling_function, or plain "
                    "functions that take a row.",
                )
            )
    seen: set[str] = set()
    for lf in out:
        if lf.name in seen:
            raise MlkitValueError(
                with_hint(
                    DUPLICATE_ERROR.format(name=lf.name),
                    "give each one its own name, for example "
                    "@labeling_function(name='...').",
                )
            )
        seen.add(lf.name)
    return out


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _is_vote(value: Any) -> bool:
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, (bool, np.bool_))
        and value >= ABSTAIN
    )


def _vectorised_votes(lf: LabelingFunction, df: pd.DataFrame) -> np.ndarray:
    """Run a vectorised LF on the frame and check what it returned."""
    try:
        result = lf.func(df)
    except MlkitError as exc:
        # mlkit's own rules (keyword_lf, condition_lf) say what is wrong and how
        # to fix it: keep their hint rather than add a generic one.
        raise MlkitValueError(
            f"vectorised labeling function {lf.name!r} failed on 'df': {exc}"
        ) from exc
    except Exception as exc:
        raise MlkitValueError(
            with_hint(
                f"vectorised labeling function {lf.name!r} raised "
                f"{type(exc).__name__}: {exc} (on 'df', the frame it was applied to)",
                "fix the function; the original error is chained above this one.",
            )
        ) from exc
    return _check_vector_votes(lf, df, result)


def _check_vector_votes(
    lf: LabelingFunction, df: pd.DataFrame, result: Any, arg: str = "df"
) -> np.ndarray:
    """The votes a vectorised LF returned for ``df``, checked, as int64.

    ``arg`` is what the messages call the frame: apply_lfs's 'df', or the name
    of the LF's own parameter when it is called directly.
    """
    n = len(df)
    if isinstance(result, pd.Series) and not result.index.equals(df.index):
        raise MlkitValueError(
            with_hint(
                f"vectorised labeling function {lf.name!r} returned a Series on an "
                f"index other than that of '{arg}', the frame it was applied to.",
                "return one vote per row of the frame, in its order and on its index.",
            )
        )
    if isinstance(result, pd.DataFrame) or np.ndim(result) != 1:
        raise MlkitValueError(
            with_hint(
                f"vectorised labeling function {lf.name!r} returned "
                f"{type(result).__name__} of shape {np.shape(result)}; it must "
                f"return one vote per row of '{arg}', the frame it was applied to.",
                "return a list, a 1-d array or a Series with one value per row.",
            )
        )
    values = (
        result.to_numpy()
        if isinstance(result, (pd.Series, pd.Index))
        else np.asarray(result)
    )
    if len(values) != n:
        raise MlkitValueError(
            with_hint(
                LF_LENGTH_ERROR.format(lf=lf.name, got=len(values), n=n, arg=arg),
                "return exactly one vote per row of the frame.",
            )
        )
    if values.dtype.kind in "iu":
        bad = np.flatnonzero(values < ABSTAIN)
    else:
        bad = np.array([i for i, v in enumerate(values) if not _is_vote(v)], dtype=int)
    if len(bad):
        position = int(bad[0])
        raise MlkitValueError(
            with_hint(
                LF_VALUE_ERROR.format(
                    lf=lf.name,
                    value=_plain(values[position]),
                    label=_plain(df.index[position]),
                    position=position,
                    arg=arg,
                )
                + f" {len(bad):,} of its {n:,} votes are not.",
                "map conditions to classes with numpy.where(condition, CLASS, "
                "ABSTAIN); check for missing values, floats and booleans.",
            )
        )
    return values.astype(np.int64)


def _progress(total: int, enabled: bool) -> Any:
    """A tqdm bar over ``total`` rows, or None when disabled or tqdm is missing."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="labeling functions", unit="row")


def apply_lfs(lfs: Any, df: pd.DataFrame, *, progress: bool = True) -> np.ndarray:
    """Apply labeling functions to a frame: the label matrix ``L``.

    Vectorised LFs run once, on the whole frame. Row-wise LFs run on each row in
    turn, each getting the row as a :class:`pandas.Series` (values keep their
    column's type; ``row.name`` is the index label), with one progress bar over
    the rows when ``progress`` is true.

    Parameters
    ----------
    lfs : sequence of LabelingFunction or callables
        The LFs, in the order of the matrix's columns. A plain function is taken
        as a row-wise LF named after its ``__name__``. Names must be unique.
    df : pandas.DataFrame
        The rows to label; it is not modified.
    progress : bool, default True
        Show a progress bar over the row-wise work (``tqdm.auto``, so it draws in
        notebooks too). Without tqdm installed there is no bar.

    Returns
    -------
    numpy.ndarray of int64, shape (len(df), len(lfs))
        ``L[i, j]`` is the vote of LF ``j`` on row ``i``: a class or ABSTAIN (-1).

    Raises
    ------
    MlkitValueError
        When an LF raises (the message names the LF and the row, by index label
        and position, and chains the original error), returns something other
        than an int class or ABSTAIN, or (vectorised) returns the wrong number of
        votes; or when two LFs share a name.

    Examples
    --------
    >>> import pandas as pd
    >>> @labeling_function
    ... def has_link(row):
    ...     return 1 if "http" in row["text"] else ABSTAIN
    >>> def says_song(row):
    ...     return 0 if "song" in row.text else ABSTAIN
    >>> df = pd.DataFrame({"text": ["great song", "go to http://spam.io", "hi"]})
    >>> apply_lfs([has_link, says_song], df, progress=False)
    array([[-1,  0],
           [ 1, -1],
           [-1, -1]])
    """
    items = _as_lfs(lfs)
    check_frame(df, "df", allow_empty=True)
    if not isinstance(progress, (bool, np.bool_)):
        raise MlkitTypeError(
            with_hint(
                f"'progress' must be True or False; got {progress!r}.",
                "pass progress=False to hide the progress bar.",
            )
        )
    n = len(df)
    L = np.full((n, len(items)), ABSTAIN, dtype=np.int64)
    row_wise = []
    for j, lf in enumerate(items):
        if lf.vectorized:
            L[:, j] = _vectorised_votes(lf, df)
        else:
            row_wise.append((j, lf))
    if not row_wise or n == 0:
        return L

    # Each row becomes a Series once, shared by all row-wise LFs; object dtype keeps
    # each value's own type (an int stays an int next to a float column).
    values = df.to_numpy(dtype=object)
    columns, index = df.columns, df.index
    bar = _progress(n, bool(progress))
    # Refresh the bar every few hundred rows: updating it per row costs more than
    # a simple LF.
    step = max(1, min(1000, n // 100))
    try:
        for position in range(n):
            row = pd.Series(
                values[position], index=columns, name=index[position], dtype=object
            )
            for j, lf in row_wise:
                try:
                    vote = lf.func(row)
                except Exception as exc:
                    raise MlkitValueError(
                        with_hint(
                            LF_RAISED_ERROR.format(
                                lf=lf.name,
                                error=f"{type(exc).__name__}: {exc}",
                                label=_plain(index[position]),
                                position=position,
                            ),
                            "fix the function for rows like this one (look at "
                            f"df.iloc[{position}]); the original error is chained "
                            "above this one.",
                        )
                    ) from exc
                if not _is_vote(vote):
                    raise MlkitValueError(
                        with_hint(
                            LF_VALUE_ERROR.format(
                                lf=lf.name,
                                value=_plain(vote),
                                label=_plain(index[position]),
                                position=position,
                                arg="df",
                            ),
                            "return ABSTAIN rather than None, and an int class "
                            "rather than a bool, float or string.",
                        )
                    )
                L[position, j] = vote
            if bar is not None and (position + 1) % step == 0:
                bar.update(step)
        if bar is not None:
            bar.update(n - bar.n)
    finally:
        if bar is not None:
            bar.close()
    return L


# --------------------------------------------------------------------------- L


def _check_label_matrix(
    L: Any, name: str = "L", *, cardinality: int | None = None
) -> np.ndarray:
    """``L`` as a 2-d int64 array of ABSTAIN and classes, or an error naming ``name``."""
    if isinstance(L, pd.DataFrame):
        L = L.to_numpy()
    try:
        array = np.asarray(L)
    except (TypeError, ValueError):
        array = np.asarray(L, dtype=object)
    if array.ndim != 2:
        raise MlkitValueError(
            with_hint(
                f"'{name}' must be a 2-d label matrix (rows by labeling functions); "
                f"got shape {array.shape}.",
                "pass the matrix from apply_lfs; for a single LF, use "
                f"{name}.reshape(-1, 1).",
            )
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise MlkitValueError(
            with_hint(
                f"'{name}' is empty: shape {array.shape}.",
                "pass a label matrix with at least one row and one labeling function.",
            )
        )
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must hold integers (classes, or -1 to abstain); got "
                    "values that are not numbers.",
                    "build the matrix with apply_lfs, or convert it with "
                    f"{name}.astype(int).",
                )
            ) from None
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all() or not np.array_equal(array, np.round(array)):
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must hold integers (classes, or -1 to abstain); got "
                    f"{'missing values' if not finite.all() else 'fractions'} in a "
                    f"{array.dtype} array.",
                    "mark a missing vote with ABSTAIN (-1), not NaN, and pass whole "
                    "numbers.",
                )
            )
        array = array.astype(np.int64)
    elif array.dtype.kind not in "iu":
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must hold integers (classes, or -1 to abstain); got dtype "
                f"{array.dtype}.",
                "build the matrix with apply_lfs, or convert it with "
                f"{name}.astype(int).",
            )
        )
    array = array.astype(np.int64, copy=False)
    low, high = int(array.min()), int(array.max())
    limit = None if cardinality is None else cardinality - 1
    if low < ABSTAIN or (limit is not None and high > limit):
        bad = array[
            (array < ABSTAIN) | ((array > limit) if limit is not None else False)
        ]
        raise MlkitValueError(
            with_hint(
                LABEL_MATRIX_ERROR.format(
                    name=name,
                    high="k - 1" if limit is None else limit,
                    got=", ".join(map(str, np.unique(bad)[:5].tolist())),
                ),
                "classes are numbered from 0 and -1 means abstain"
                + (
                    f"; with cardinality={cardinality} the largest class is {limit}."
                    if limit is not None
                    else "."
                ),
            )
        )
    return array


def _check_cardinality(
    cardinality: Any, L: np.ndarray, name: str = "cardinality"
) -> int:
    """The number of classes: ``cardinality``, or inferred from ``L`` (at least 2)."""
    inferred = max(2, int(L.max()) + 1)
    if cardinality is None:
        return inferred
    integer = isinstance(cardinality, numbers.Integral) and not isinstance(
        cardinality, bool
    )
    if not integer or cardinality < 2:
        raise (MlkitValueError if integer else MlkitTypeError)(
            with_hint(
                f"'{name}' must be an int of at least 2; got {cardinality!r}.",
                "pass the number of classes, or None to infer it from L.",
            )
        )
    if cardinality < inferred:
        raise MlkitValueError(
            with_hint(
                LABEL_MATRIX_ERROR.format(
                    name="L", high=int(cardinality) - 1, got=int(L.max())
                ),
                f"pass cardinality={inferred} or more, or check the labeling functions.",
            )
        )
    return int(cardinality)


def _gold_labels(y: Any, n: int, name: str = "y") -> np.ndarray:
    """Gold classes as int64: one per row, 0, 1, ..., no missing, no ABSTAIN."""
    array = as_1d(y, name, length=n)
    if pd.isna(array).any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {int(pd.isna(array).sum()):,} missing label(s).",
                "pass gold labels for the rows of L only, for example a labelled dev set.",
            )
        )
    try:
        numeric = array.astype(np.float64)
    except (TypeError, ValueError):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must hold int classes 0, 1, ...; got values that are not "
                "numbers.",
                "encode the classes as the LFs do, for example {'ham': 0, 'spam': 1}.",
            )
        ) from None
    if not np.array_equal(numeric, np.round(numeric)) or (numeric < 0).any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' must hold int classes 0, 1, ...; got "
                f"{', '.join(map(repr, np.unique(array[(numeric < 0) | (numeric != np.round(numeric))])[:5].tolist()))}.",
                "drop the rows without a gold label (ABSTAIN is not a class).",
            )
        )
    return numeric.astype(np.int64)


def _vote_counts(L: np.ndarray, k: int) -> np.ndarray:
    """Votes per row and class, shape (n, k)."""
    n = L.shape[0]
    rows, cols = np.nonzero(L >= 0)
    flat = rows * k + L[rows, cols]
    return np.bincount(flat, minlength=n * k).reshape(n, k)


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True, repr=False)
class LFSummary(Result):
    """How each labeling function behaves on a label matrix (:func:`lf_summary`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per LF; see :meth:`to_frame`.
    n_rows : int
        Rows of the label matrix.
    cardinality : int
        Number of classes.
    label_coverage : float
        Share of rows that at least one LF labels.
    label_conflict : float
        Share of rows on which two LFs vote different classes.
    has_gold : bool
        Whether gold labels were given, so that the accuracy columns are filled.

    Examples
    --------
    >>> import numpy as np
    >>> summary = lf_summary(np.array([[0, 0], [1, -1], [-1, 1]]), names=["a", "b"])
    >>> summary
    <LFSummary: 2 labeling functions label 100% of 3 rows; 0% of rows get conflicting votes>
    """

    title: ClassVar[str] = "Labeling functions"
    table: pd.DataFrame
    n_rows: int
    cardinality: int
    label_coverage: float
    label_conflict: float
    has_gold: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per labeling function, in the order of the matrix's columns.

        Columns, with snorkel's ``LFAnalysis.lf_summary`` definitions:
        ``name``; ``polarity`` (sorted list of the classes it votes);
        ``coverage`` (share of all rows it labels); ``overlaps`` (share of all
        rows that it labels and at least one other LF labels too);
        ``conflicts`` (share of all rows that it labels and another LF labels
        with a different class); and, with gold labels, ``correct`` and
        ``incorrect`` (rows it labels right and wrong) and
        ``empirical_accuracy`` (``correct / (correct + incorrect)``; NaN for an
        LF that labels no row, where snorkel reports 0). Without gold labels the
        last three are missing (``<NA>`` and NaN).
        """
        return self.table.copy()

    def _display_frame(self) -> pd.DataFrame:
        table = self.table
        if not self.has_gold:
            table = table.drop(columns=["correct", "incorrect", "empirical_accuracy"])
        return table.assign(
            polarity=table["polarity"].map(lambda p: ", ".join(map(str, p)))
        )

    def chart(self) -> alt.HConcatChart | alt.Chart:
        """Coverage, overlaps and conflicts per LF, and accuracy when gold labels were given."""
        from mlkit.charts import lf_summary_chart

        return lf_summary_chart(
            self.table,
            chance=1 / self.cardinality if self.has_gold else None,
            title="Labeling functions",
            subtitle=(
                f"{self.n_rows:,} rows; {self.label_coverage:.0%} labelled by at least "
                f"one LF, {self.label_conflict:.0%} with conflicting votes"
            ),
        )

    def explain(self) -> str:
        table = self.table
        n_lfs = len(table)
        text = (
            f"{n_lfs} labeling function{'s' if n_lfs != 1 else ''} label "
            f"{self.label_coverage:.0%} of {self.n_rows:,} rows; "
            f"{self.label_conflict:.0%} of rows get conflicting votes. "
        )
        notes = []
        low = table.loc[table["coverage"] < LOW_COVERAGE, "name"].tolist()
        if low:
            notes.append(
                f"Low coverage (under {LOW_COVERAGE:.0%} of rows): {_names(low)}; such "
                "an LF adds few labels, and its accuracy is hard to estimate"
            )
        share = (table["conflicts"] / table["coverage"]).where(table["coverage"] > 0)
        conflicting = table.loc[share >= HIGH_CONFLICT, "name"].tolist()
        if conflicting:
            notes.append(
                f"High conflicts (another LF disagrees on {HIGH_CONFLICT:.0%} or more "
                f"of the rows it labels): {_names(conflicting)}; read some of those "
                "rows: one of the heuristics is too broad"
            )
        if self.has_gold:
            chance = 1 / self.cardinality
            weak = table.loc[
                table["empirical_accuracy"] < chance + NEAR_CHANCE, "name"
            ].tolist()
            if weak:
                notes.append(
                    f"Accuracy near or below chance ({chance:.0%}) on the gold labels: "
                    f"{_names(weak)}; fix or drop them, they add noise"
                )
        if notes:
            text += ". ".join(notes) + ". "
        else:
            text += (
                "No LF stands out as too narrow, too conflicting or too inaccurate. "
            )
        if self.label_coverage < 0.5:
            text += (
                "Fewer than half the rows get a vote: write LFs for the rows none "
                "covers. "
            )
        text += (
            "Combine the votes with majority_vote or a LabelModel, which learns each "
            "LF's accuracy from their agreements. Chapter 4 of the book, \"Weak "
            'supervision", covers labeling functions and their trade-offs.'
        )
        return text


def _names(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def lf_summary(
    L: Any, *, y: Any = None, names: Sequence[str] | None = None
) -> LFSummary:
    """Coverage, overlaps, conflicts and (with gold labels) accuracy of each LF.

    The definitions are those of snorkel's ``LFAnalysis.lf_summary``; every
    share is of all the rows of ``L``.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_lfs)
        The label matrix from :func:`apply_lfs`: classes 0, 1, ... and ABSTAIN
        (-1). A DataFrame's columns name the LFs.
    y : array-like of int, optional
        Gold labels of the rows (a labelled dev set), to measure each LF's
        accuracy.
    names : sequence of str, optional
        The LFs' names, one per column; ``lf_0``, ``lf_1``, ... by default.

    Returns
    -------
    LFSummary
        ``.to_frame()`` (one row per LF), ``.chart()`` and ``.explain()``.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])
    >>> table = lf_summary(L, y=[0, 1, 1, 0, 0]).to_frame()
    >>> table[["name", "polarity", "coverage", "overlaps", "conflicts"]]
       name polarity  coverage  overlaps  conflicts
    0  lf_0   [0, 1]       0.4       0.4        0.2
    1  lf_1      [0]       0.8       0.6        0.2
    2  lf_2      [0]       0.4       0.4        0.0
    >>> table["empirical_accuracy"].tolist()
    [1.0, 0.75, 1.0]
    """
    columns = list(L.columns) if isinstance(L, pd.DataFrame) else None
    matrix = _check_label_matrix(L, "L")
    n, m = matrix.shape
    if names is None:
        names = (
            [str(c) for c in columns]
            if columns is not None
            else [f"lf_{j}" for j in range(m)]
        )
    names = [str(v) for v in (names if not isinstance(names, str) else [names])]
    if len(names) != m:
        raise MlkitValueError(
            with_hint(
                f"'names' has {len(names)} names, but 'L' has {m} columns.",
                "pass one name per labeling function, in the order of L's columns.",
            )
        )
    if len(set(names)) != len(names):
        raise MlkitValueError(
            with_hint(
                f"'names' must be unique; got {names}.",
                "give each labeling function its own name.",
            )
        )
    voted = matrix >= 0
    per_row = voted.sum(axis=1)
    overlapped = per_row > 1
    highest = matrix.max(axis=1, keepdims=True)
    lowest = np.where(voted, matrix, np.iinfo(np.int64).max).min(axis=1, keepdims=True)
    conflicted = (highest != lowest).ravel() & (per_row > 1)
    polarity = [sorted(np.unique(matrix[voted[:, j], j]).tolist()) for j in range(m)]
    k = max(2, int(matrix.max()) + 1)
    table = pd.DataFrame(
        {
            "name": pd.Series(names, dtype="str"),
            "polarity": polarity,
            "coverage": voted.sum(axis=0) / n,
            "overlaps": (voted & overlapped[:, None]).sum(axis=0) / n,
            "conflicts": (voted & conflicted[:, None]).sum(axis=0) / n,
        }
    )
    if y is not None:
        gold = _gold_labels(y, n)
        k = max(k, int(gold.max()) + 1)
        correct = (voted & (matrix == gold[:, None])).sum(axis=0)
        incorrect = voted.sum(axis=0) - correct
        fired = correct + incorrect
        with np.errstate(invalid="ignore", divide="ignore"):
            accuracy = np.where(fired > 0, correct / np.maximum(fired, 1), np.nan)
        table["correct"] = pd.array(correct, dtype="Int64")
        table["incorrect"] = pd.array(incorrect, dtype="Int64")
        table["empirical_accuracy"] = accuracy
    else:
        table["correct"] = pd.array([pd.NA] * m, dtype="Int64")
        table["incorrect"] = pd.array([pd.NA] * m, dtype="Int64")
        table["empirical_accuracy"] = np.full(m, np.nan)
    return LFSummary(
        table=table,
        n_rows=n,
        cardinality=k,
        label_coverage=float((per_row > 0).mean()),
        label_conflict=float(conflicted.mean()),
        has_gold=y is not None,
    )


# --------------------------------------------------------------------------- models


def majority_vote(
    L: Any,
    *,
    cardinality: int | None = None,
    tie_break: TieBreak = "abstain",
    random_state: Any = None,
) -> np.ndarray:
    """The class most LFs vote for on each row, abstentions ignored.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_lfs)
        The label matrix: classes 0, 1, ... and ABSTAIN (-1).
    cardinality : int, optional
        The number of classes; inferred from ``L`` (at least 2) by default.
    tie_break : {"abstain", "random"}, default "abstain"
        What a row gets when several classes have the most votes:
        ``"abstain"`` gives ABSTAIN (snorkel's ``MajorityLabelVoter`` default);
        ``"random"`` picks one of the tied classes at random, each equally
        likely, with ``random_state``.
    random_state : None, int or numpy.random.Generator
        Seed for ``tie_break="random"``.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows,)
        A class per row; ABSTAIN where no LF voted, and on ties with
        ``tie_break="abstain"``.

    Notes
    -----
    Majority vote trusts every LF equally. When some are much more accurate
    than others, :class:`LabelModel` does better by weighing them.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[0, 0, 1], [1, -1, 0], [-1, -1, -1], [2, 2, -1]])
    >>> majority_vote(L).tolist()
    [0, -1, -1, 2]
    >>> majority_vote(L, tie_break="random", random_state=0)[1] in (0, 1)
    True
    """
    matrix = _check_label_matrix(L, "L")
    k = _check_cardinality(cardinality, matrix)
    check_choice(tie_break, TIE_BREAKS, "tie_break")
    rng = check_random_state(random_state)
    counts = _vote_counts(matrix, k)
    return _argmax_votes(
        counts.astype(np.float64), counts.sum(axis=1) > 0, tie_break, rng
    )


def _argmax_votes(
    scores: np.ndarray, voted: np.ndarray, tie_break: str, rng: np.random.Generator
) -> np.ndarray:
    """Argmax per row; ABSTAIN where nothing was voted, ties as ``tie_break`` says."""
    best = scores.max(axis=1, keepdims=True)
    # Equal up to rounding: probabilities computed from the same votes in a
    # different order can differ in the last bits.
    top = scores >= best - 1e-12 * np.maximum(1.0, np.abs(best))
    tied = top.sum(axis=1) > 1
    out = np.argmax(scores, axis=1).astype(np.int64)
    if tied.any():
        if tie_break == "random":
            # A uniform draw per tied class; the largest wins, so each is equally likely.
            draws = rng.random((int(tied.sum()), scores.shape[1]))
            out[tied] = np.argmax(np.where(top[tied], draws, -1.0), axis=1)
        else:
            out[tied] = ABSTAIN
    out[~voted] = ABSTAIN
    return out


def _row_ids(L: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """An id per row, equal for equal rows (in order of first appearance), and their count."""
    m = L.shape[1]
    base = k + 1
    # Columns per block: base ** width must stay below 2 ** 62 to fit in an int64.
    width = max(1, int(62 // math.log2(base)))
    ids = None
    for start in range(0, m, width):
        block = L[:, start : start + width] + 1
        powers = base ** np.arange(block.shape[1], dtype=np.int64)
        codes, uniques = pd.factorize(block @ powers)
        if ids is None:
            ids, n_ids = codes, len(uniques)
        else:
            # Both ids are below n, so the pair's code stays below n ** 2.
            ids, found = pd.factorize(ids.astype(np.int64) * len(uniques) + codes)
            n_ids = len(found)
    return np.asarray(ids, dtype=np.int64), n_ids


def _unique_rows(L: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``L`` and how often each occurs."""
    ids, n_ids = _row_ids(L, k)
    # pandas numbers the ids in order of first appearance, so a row is the first of
    # its kind exactly where its id exceeds every id before it.
    running = np.maximum.accumulate(ids)
    first = np.flatnonzero(np.r_[True, ids[1:] > running[:-1]])
    return L[first], np.bincount(ids, minlength=n_ids).astype(np.float64)


def _vote_matrix(L: np.ndarray, k: int) -> Any:
    """Sparse one-hot votes: (n_rows, n_lfs * k), a 1 at column ``j * k + class``."""
    import scipy.sparse as sp

    n, m = L.shape
    rows, lfs = np.nonzero(L >= 0)
    return sp.csr_array(
        (np.ones(len(rows)), (rows, lfs * k + L[rows, lfs])), shape=(n, m * k)
    )


def _not_fitted_error() -> type:
    from sklearn.exceptions import NotFittedError

    class LabelModelNotFittedError(MlkitValueError, NotFittedError):
        """scikit-learn's NotFittedError, with mlkit's message and hint."""

    return LabelModelNotFittedError


_NotFittedError = _not_fitted_error()


class LabelModel(BaseEstimator):
    """Combine labeling functions by learning how accurate each is, without gold labels.

    A Dawid-Skene model fitted by expectation-maximisation (EM). Each row has an
    unseen true class ``Y``; given ``Y``, each LF abstains or votes a class with
    its own probabilities ``P(LF_j = l | Y = y)``, for every class ``y`` and
    outcome ``l`` in {ABSTAIN, 0, ..., k-1}. Agreements and disagreements between
    LFs reveal these probabilities: EM alternates between the probability of
    each class for each row (E-step) and the LFs' probabilities that best
    explain them (M-step; the class balance too, with ``class_balance="learn"``).
    The posterior of a row weighs each
    vote by how much likelier the LF is to cast it under one class than another.

    Parameters
    ----------
    cardinality : int, optional
        The number of classes; inferred from ``L`` (at least 2) by default.
    class_balance : array-like of float, "learn" or None, default None
        The share of each class. None estimates it from the majority vote of the
        rows that get a vote and holds it fixed while the LFs are learned;
        ``"learn"`` lets EM learn it with the LFs; shares, if known, are used as
        given. Learning it is the most flexible, but on a few thousand rows of
        correlated LFs EM can trade the class balance against the LFs' hit rates
        and drift far from the truth (on 1,036 spam comments it settled on 73 %
        of one class for 47 %); the majority vote's estimate does not.
    silence : float or None, default 4.0
        How much the LFs that abstain on a row weigh, together, in the
        posterior: their evidence is averaged and counted as that of ``silence``
        LFs (or of as many as abstain, if fewer). None counts each abstaining LF
        fully, as the plain Dawid-Skene model does; 0 ignores abstentions, as
        snorkel's ``predict_proba`` does. See the Notes.
    smoothing : float, default 1.0
        Strength of the prior, in pseudo-votes: every LF gets ``smoothing``
        pseudo-votes for every outcome under every class, and as many more for
        voting the right class. It keeps an LF that fires on a handful of rows
        from getting an accuracy of 0 or 1, and leans LFs towards being better
        than chance. Must be positive.
    max_iter : int, default 1000
        Most EM iterations, in each of the two stages.
    tol : float, default 1e-7
        EM stops when its objective per row changes by less.
    random_state : None, int or numpy.random.Generator
        Seed for ``predict(..., tie_break="random")``; the fit itself is
        deterministic.

    Attributes
    ----------
    cardinality_ : int
        The number of classes.
    n_features_in_ : int
        The number of LFs (columns of ``L``) seen in ``fit``.
    class_balance_ : numpy.ndarray, shape (k,)
        The share of each class.
    conditional_probs_ : numpy.ndarray, shape (n_lfs, k, k + 1)
        ``conditional_probs_[j, y, l + 1]`` is ``P(LF_j = l | Y = y)``; index 0
        is ABSTAIN.
    accuracies_ : numpy.ndarray, shape (n_lfs,)
        Each LF's accuracy on the rows it labels, ``P(LF_j = Y | LF_j votes)``:
        comparable with ``empirical_accuracy`` in :func:`lf_summary`.
    coverages_ : numpy.ndarray, shape (n_lfs,)
        Each LF's share of rows labelled, as the model sees it.
    n_iter_ : int
        EM iterations run, both stages together.
    converged_ : bool
        Whether EM met ``tol`` before ``max_iter``.

    Notes
    -----
    *Abstentions depend on the class.* Most LFs vote one class only (a keyword
    rule for spam), and the rows where such an LF stays silent are mostly of the
    other classes. Modelling this is what lets the model learn anything about
    one-class LFs: if abstaining were independent of the class, "every spam LF
    is perfect and every row is spam" would explain the votes as well as the
    truth.

    *Silences are not independent.* The model assumes that LFs are independent
    given the class, and for abstentions that is rarely so: a two-word comment
    triggers none of the spam rules at once. Counting ten silences as ten pieces
    of evidence then outweighs the votes that were cast. So ``fit`` runs in two
    stages: the plain Dawid-Skene model, which fixes the starting point (and the
    class balance, when it is learned); then EM again with the silent
    LFs' evidence averaged and counted as ``silence`` LFs' worth, as
    :meth:`predict_proba` counts it. On label matrices simulated with
    independent LFs this loses nothing measurable; it helps on LFs that vote
    one class only, like keyword rules (``benchmarks/RESULTS.md``). The default,
    4, was chosen on the simulated matrices and the spam case's LFs; on the
    latter any value from 0 to 4 does better than snorkel. A row where every LF abstains gets the class
    balance only when the LFs' coverage does not depend on the class; otherwise
    it leans away from the classes whose LFs usually vote.

    *Fitted on distinct rows.* The likelihood depends on a row only through its
    votes, so EM runs on the distinct rows of ``L``, each weighted by how often
    it occurs: a million rows by ten LFs have at most a few thousand distinct
    ones. Probabilities are combined in log space.

    *Which solution.* A model like this cannot tell "every LF is right" from
    "every LF is wrong, and the classes are swapped". EM starts from the
    majority vote and the prior leans LFs towards being better than chance, so
    it finds the solution where LFs are mostly right; if most of your LFs are
    worse than chance, no label model can recover.

    The book covers weak supervision and snorkel's label model in chapter 4.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.labeling._weak import _simulate_label_matrix
    >>> L, y = _simulate_label_matrix(
    ...     20_000, accuracies=[0.95, 0.9, 0.6, 0.6, 0.6], coverages=[0.5] * 5,
    ...     random_state=0)
    >>> model = LabelModel(random_state=0).fit(L)
    >>> model.accuracies_.round(2)
    array([0.96, 0.9 , 0.59, 0.59, 0.6 ])
    >>> L[:2], y[:2]  # the 0.9-accurate LF outvotes a 0.6 one on the first row
    (array([[-1,  1, -1,  0, -1],
           [-1,  0, -1,  0, -1]]), array([1, 0]))
    >>> model.predict_proba(L[:2]).round(3)
    array([[0.132, 0.868],
           [0.924, 0.076]])
    >>> covered = (L != -1).any(axis=1)
    >>> accuracy = lambda pred: float((pred == y)[covered].mean())
    >>> accuracy(model.predict(L)) > accuracy(majority_vote(L, tie_break="random",
    ...                                                     random_state=0))
    True
    """

    def __init__(
        self,
        cardinality: int | None = None,
        *,
        class_balance: Any = None,
        silence: float | None = 4.0,
        smoothing: float = 1.0,
        max_iter: int = 1000,
        tol: float = 1e-7,
        random_state: Any = None,
    ) -> None:
        self.cardinality = cardinality
        self.class_balance = class_balance
        self.silence = silence
        self.smoothing = smoothing
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    # ------------------------------------------------------------------ checks

    def _check_params(self, L: np.ndarray) -> tuple[int, np.ndarray | None]:
        k = _check_cardinality(self.cardinality, L)
        for name, value, allow_zero in (
            ("smoothing", self.smoothing, False),
            ("silence", self.silence, True),
        ):
            if name == "silence" and value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
                or value < 0
                or (value == 0 and not allow_zero)
            ):
                number = isinstance(value, numbers.Real) and not isinstance(value, bool)
                raise (MlkitValueError if number else MlkitTypeError)(
                    with_hint(
                        f"'{name}' must be a finite number "
                        f"{'of at least 0' if allow_zero else 'above 0'}; got {value!r}.",
                        "pass smoothing=1.0 (the default), or 0.01 for a very weak prior."
                        if name == "smoothing"
                        else "pass silence=4.0 (the default), 0 to ignore abstentions, "
                        "or None to count each one fully.",
                    )
                )
        max_iter = self.max_iter
        integer = isinstance(max_iter, numbers.Integral) and not isinstance(
            max_iter, bool
        )
        if not integer or max_iter < 1:
            raise (MlkitValueError if integer else MlkitTypeError)(
                with_hint(
                    f"'max_iter' must be an int of at least 1; got {max_iter!r}.",
                    "pass max_iter=1000, for example.",
                )
            )
        tol = self.tol
        number = isinstance(tol, numbers.Real) and not isinstance(tol, bool)
        if not number or not tol > 0:
            raise (MlkitValueError if number else MlkitTypeError)(
                with_hint(
                    f"'tol' must be a positive number; got {tol!r}.",
                    "pass tol=1e-7, for example.",
                )
            )
        balance = None
        if isinstance(self.class_balance, str):
            if self.class_balance != "learn":
                raise MlkitValueError(
                    with_hint(
                        f"'class_balance' must be shares, 'learn' or None; got "
                        f"{self.class_balance!r}.",
                        "pass None to estimate it from the majority vote, 'learn' to "
                        "learn it with EM, or shares such as [0.7, 0.3].",
                    )
                )
        elif self.class_balance is not None:
            balance = np.asarray(self.class_balance, dtype=np.float64)
            if (
                balance.shape != (k,)
                or not np.isfinite(balance).all()
                or (balance <= 0).any()
                or not math.isclose(balance.sum(), 1.0, abs_tol=1e-6)
            ):
                raise MlkitValueError(
                    with_hint(
                        f"'class_balance' must be {k} positive shares that sum to 1, "
                        f"one per class; got {self.class_balance!r}.",
                        "pass, for example, class_balance=[0.7, 0.3], None to "
                        "estimate it from the majority vote, or 'learn'.",
                    )
                )
            balance = balance / balance.sum()
        check_random_state(self.random_state)
        return k, balance

    def _check_fitted_matrix(self, L: Any) -> np.ndarray:
        if not hasattr(self, "conditional_probs_"):
            raise _NotFittedError(
                with_hint(
                    "This LabelModel is not fitted yet, so it cannot label 'L'.",
                    "call model.fit(L_train) with a label matrix first.",
                )
            )
        matrix = _check_label_matrix(L, "L", cardinality=self.cardinality_)
        if matrix.shape[1] != self.n_features_in_:
            raise MlkitValueError(
                with_hint(
                    f"'L' has {matrix.shape[1]} labeling functions (columns), but the "
                    f"model was fitted on {self.n_features_in_}.",
                    "apply the same labeling functions, in the same order, as for fit.",
                )
            )
        return matrix

    # ------------------------------------------------------------------ EM

    @staticmethod
    def _silence_weights(votes: Any, m: int, silence: float | None) -> np.ndarray:
        """Per row, the weight of each abstaining LF's log-likelihood."""
        n_silent = m - np.asarray(votes.sum(axis=1)).ravel()
        if silence is None:
            return np.ones(len(n_silent))
        return np.minimum(1.0, silence / np.maximum(n_silent, 1))

    @staticmethod
    def _posterior(
        votes: Any,
        log_probs: np.ndarray,
        log_balance: np.ndarray,
        weights: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities per row, and the log of each row's normaliser.

        ``log P(row | Y=y)`` is the sum of the log-probabilities of the votes
        cast, plus ``weights`` times that of the LFs that abstained.
        """
        m, k, _ = log_probs.shape
        cast = log_probs[:, :, 1:].transpose(0, 2, 1).reshape(m * k, k)
        abstain = np.repeat(log_probs[:, None, :, 0], k, axis=1).reshape(m * k, k)
        silent = log_probs[:, :, 0].sum(axis=0) - votes @ abstain
        logits = votes @ cast + weights[:, None] * silent + log_balance
        top = logits.max(axis=1, keepdims=True)
        shifted = np.exp(logits - top)
        total = shifted.sum(axis=1, keepdims=True)
        return shifted / total, (top + np.log(total)).ravel()

    def _em(
        self,
        votes: Any,
        counts: np.ndarray,
        q: np.ndarray,
        balance: np.ndarray | None,
        weights: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
        """EM from the row posteriors ``q``; the class balance is learned if None."""
        k = q.shape[1]
        m = votes.shape[1] // k
        votes_t = votes.T.tocsr()
        total = counts.sum()
        s = float(self.smoothing)
        prior = np.full((m, k, k + 1), s)
        prior[:, np.arange(k), np.arange(k) + 1] += s
        previous = -np.inf
        iteration = 0
        while iteration < self.max_iter:
            iteration += 1
            # M-step: expected counts of each outcome of each LF under each class.
            weighted = q * counts[:, None]
            class_totals = weighted.sum(axis=0)
            cast = (votes_t @ weighted).reshape(m, k, k).transpose(0, 2, 1)
            expected = np.empty((m, k, k + 1))
            expected[:, :, 1:] = cast
            expected[:, :, 0] = class_totals - cast.sum(axis=2)
            # Rounding can leave -1e-12 where an LF never abstains.
            np.maximum(expected, 0.0, out=expected)
            expected += prior
            probs = expected / expected.sum(axis=2, keepdims=True)
            log_probs = np.log(probs)
            shares = (
                (class_totals + s) / (total + k * s) if balance is None else balance
            )
            log_balance = np.log(shares)
            # E-step, and the objective: log-likelihood plus the prior's pseudo-votes
            # as Dirichlet(prior + 1) densities, per row.
            q, row_ll = self._posterior(votes, log_probs, log_balance, weights)
            objective = (
                counts @ row_ll
                + (prior * log_probs).sum()
                + (s * log_balance.sum() if balance is None else 0.0)
            ) / total
            if abs(objective - previous) < self.tol:
                return q, probs, shares, iteration, True
            previous = objective
        return q, probs, shares, iteration, False

    def fit(self, L: Any, y: Any = None) -> LabelModel:
        """Learn the LFs' accuracies (and the class balance) from the label matrix.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_lfs)
            The label matrix: classes 0, 1, ... and ABSTAIN (-1).
        y : None
            Ignored: the model learns without gold labels. Accepted for
            scikit-learn's conventions.

        Returns
        -------
        LabelModel
            The fitted model (``self``).

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            When EM has not converged after ``max_iter`` iterations.
        """
        matrix = _check_label_matrix(L, "L")
        k, balance = self._check_params(matrix)
        if not (matrix >= 0).any():
            raise MlkitValueError(
                with_hint(
                    "'L' has no votes: every labeling function abstained on every row.",
                    "check the labeling functions on a few rows before fitting a model.",
                )
            )
        m = matrix.shape[1]
        rows, counts = _unique_rows(matrix, k)
        votes = _vote_matrix(rows, k)

        # Start from the majority vote (ties split, rows without votes uniform), so
        # that EM starts at the solution where LFs are better than chance.
        per_class = np.asarray(votes @ np.tile(np.eye(k), (m, 1)), dtype=np.float64)
        top = per_class == per_class.max(axis=1, keepdims=True)
        q = top / top.sum(axis=1, keepdims=True)
        if self.class_balance is None:
            # The majority vote's class shares over rows with a vote (add-one
            # smoothed), held fixed: EM alone can drift to a degenerate balance.
            winners = per_class[top.sum(axis=1) == 1].argmax(axis=1)
            weights_won = counts[top.sum(axis=1) == 1]
            balance = np.bincount(winners, weights=weights_won, minlength=k) + 1.0
            balance /= balance.sum()
        # Stage 1: the plain model, every abstention counted.
        q, probs, shares, n_iter, converged = self._em(
            votes, counts, q, balance, np.ones(len(counts))
        )
        if self.silence is not None:
            # Stage 2: the class balance held, silences weighed as predict_proba does.
            q, probs, shares, more, converged_2 = self._em(
                votes, counts, q, shares, self._silence_weights(votes, m, self.silence)
            )
            n_iter += more
            converged = converged and converged_2
        if not converged:
            from sklearn.exceptions import ConvergenceWarning

            warnings.warn(
                f"LabelModel: EM did not converge in {self.max_iter} iterations "
                f"(tol={self.tol:g}); raise max_iter or tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.cardinality_ = k
        self.n_features_in_ = m
        self.class_balance_ = shares
        self.conditional_probs_ = probs
        self.n_iter_ = n_iter
        self.converged_ = converged
        voting = 1.0 - probs[:, :, 0]
        right = probs[:, np.arange(k), np.arange(k) + 1]
        self.coverages_ = voting @ shares
        self.accuracies_ = (right @ shares) / self.coverages_
        return self

    # ------------------------------------------------------------------ predict

    def predict_proba(self, L: Any) -> np.ndarray:
        """The probability of each class for each row, given the LFs' votes.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_lfs)
            A label matrix from the same LFs, in the same order, as in ``fit``.

        Returns
        -------
        numpy.ndarray, shape (n_rows, k)
            Rows sum to 1. Abstentions weigh as ``silence`` says (see the
            class's Notes).
        """
        matrix = self._check_fitted_matrix(L)
        votes = _vote_matrix(matrix, self.cardinality_)
        proba, _ = self._posterior(
            votes,
            np.log(self.conditional_probs_),
            np.log(self.class_balance_),
            self._silence_weights(votes, self.n_features_in_, self.silence),
        )
        return proba

    def predict(self, L: Any, *, tie_break: TieBreak = "abstain") -> np.ndarray:
        """The most probable class of each row; ABSTAIN where no LF voted.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_lfs)
            A label matrix from the same LFs as in ``fit``.
        tie_break : {"abstain", "random"}, default "abstain"
            What a row gets when classes are equally probable: ABSTAIN, or one
            of them at random (seeded by ``random_state``).

        Returns
        -------
        numpy.ndarray of int64, shape (n_rows,)
            A class per row. Rows where every LF abstained get ABSTAIN: the
            model has only the LFs' silence to go on there (their probabilities
            are in :meth:`predict_proba`); train the end model on the rows
            that got a label.
        """
        check_choice(tie_break, TIE_BREAKS, "tie_break")
        matrix = self._check_fitted_matrix(L)
        proba = self.predict_proba(matrix)
        rng = check_random_state(self.random_state)
        return _argmax_votes(proba, (matrix >= 0).any(axis=1), tie_break, rng)

    def score(self, L: Any, y: Any) -> float:
        """Accuracy of :meth:`predict` against gold labels ``y``; ABSTAIN counts as wrong.

        To score only the rows some LF labels, pass those rows:
        ``model.score(L[covered], y[covered])``.
        """
        matrix = self._check_fitted_matrix(L)
        gold = _gold_labels(y, matrix.shape[0])
        return float((self.predict(matrix) == gold).mean())


# --------------------------------------------------------------------------- simulation


def _simulate_label_matrix(
    n: int,
    accuracies: Sequence[float],
    coverages: Sequence[float],
    *,
    cardinality: int = 2,
    class_balance: Sequence[float] | None = None,
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A label matrix from LFs of known accuracy and coverage, and the true classes.

    Each row's class is drawn from ``class_balance`` (uniform by default). LF
    ``j`` votes on a row with probability ``coverages[j]``, whatever its class;
    when it votes, it votes the true class with probability ``accuracies[j]``
    and otherwise one of the other classes, uniformly. This is the model behind
    the tests and benchmarks that compare label models.

    Returns
    -------
    (L, y) : numpy.ndarray of int64, shapes (n, len(accuracies)) and (n,)
    """
    rng = check_random_state(random_state)
    accuracy = np.asarray(accuracies, dtype=np.float64)
    coverage = np.asarray(coverages, dtype=np.float64)
    k = int(cardinality)
    balance = np.full(k, 1 / k) if class_balance is None else np.asarray(class_balance)
    y = rng.choice(k, size=n, p=balance).astype(np.int64)
    fires = rng.random((n, len(accuracy))) < coverage
    right = rng.random((n, len(accuracy))) < accuracy
    other = (y[:, None] + rng.integers(1, k, size=(n, len(accuracy)))) % k
    L = np.where(fires, np.where(right, y[:, None], other), ABSTAIN)
    return L.astype(np.int64), y


def _simulate_one_class_lfs(
    n: int,
    classes: Sequence[int],
    hit_rates: Sequence[float],
    false_rates: Sequence[float],
    *,
    cardinality: int = 2,
    class_balance: Sequence[float] | None = None,
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A label matrix from LFs that each vote one class, like keyword rules.

    LF ``j`` only ever votes ``classes[j]``: on rows of that class with
    probability ``hit_rates[j]``, on rows of other classes with probability
    ``false_rates[j]``, and abstains otherwise. Its accuracy is then
    ``p h / (p h + (1 - p) f)``, with ``p`` the share of its class.

    Returns
    -------
    (L, y) : numpy.ndarray of int64, shapes (n, len(classes)) and (n,)
    """
    rng = check_random_state(random_state)
    target = np.asarray(classes, dtype=np.int64)
    k = int(cardinality)
    balance = np.full(k, 1 / k) if class_balance is None else np.asarray(class_balance)
    y = rng.choice(k, size=n, p=balance).astype(np.int64)
    rate = np.where(
        y[:, None] == target[None, :],
        np.asarray(hit_rates, dtype=np.float64),
        np.asarray(false_rates, dtype=np.float64),
    )
    L = np.where(rng.random(rate.shape) < rate, target[None, :], ABSTAIN)
    return L.astype(np.int64), y
