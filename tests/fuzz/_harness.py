"""The contract every public function of mlkit keeps under generated input.

:func:`call` runs one generated call and checks it:

- it returns a valid result, or refuses with an mlkit error: a ``ValueError`` or
  ``TypeError`` subclass whose message ends with a ``Hint:``. Any other exception
  (an ``IndexError`` from deep inside numpy, a ``KeyError`` from pandas) fails the
  test, and hypothesis shrinks the input to the smallest that shows it;
- the caller's arguments are unchanged: deep copies taken before the call are
  compared with them after it, whether the call returned or refused;
- a result object's table, explanation and chart can be built (the chart to a
  Vega-Lite spec), so that a notebook can display what it returned;
- with a ``random_state``, a second call gives an identical result.

The number of generated calls per function, returned and refused, is counted and
printed in the test summary (``tests/conftest.py``). The examples are derandomised,
so ``make test`` checks the same inputs on every machine; ``MLKIT_FUZZ_EXAMPLES=10``
multiplies the examples by ten and draws new ones, for a deeper search.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from hypothesis import HealthCheck, settings

from mlkit import _engines
from mlkit._exceptions import MlkitError

#: Generated calls per public function: ``{"mlkit.x.f": Counter(returned=, refused=)}``.
COUNTS: dict[str, Counter] = {}

#: The first refusal of each kind per function: ``{name: {first line: message}}``.
MESSAGES: dict[str, dict[str, str]] = {}

#: Public functions and classes that a fuzz test covers, filled by :func:`fuzzes`.
COVERED: set[str] = set()

#: The fuzz tests of each public name.
TESTS: dict[str, list[Callable]] = {}

_SCALE = float(os.environ.get("MLKIT_FUZZ_EXAMPLES", "1"))


def fuzz_settings(max_examples: int) -> settings:
    """Hypothesis settings for one fuzz test: derandomised, no database, no deadline.

    ``max_examples`` is sized so that the whole fuzz suite runs in about two
    minutes on two cores; ``MLKIT_FUZZ_EXAMPLES`` scales it (and, above 1, draws
    new random examples each run).
    """
    return settings(
        max_examples=max(1, round(max_examples * _SCALE)),
        deadline=None,
        derandomize=_SCALE <= 1,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.differing_executors,
        ],
    )


def fuzzes(*names: str) -> Callable:
    """Mark a test as the fuzz test of the public functions or classes ``names``."""
    COVERED.update(names)

    def mark(test: Callable) -> Callable:
        for name in names:
            TESTS.setdefault(name, []).append(test)
        return test

    return mark


def call(
    name: str,
    func: Callable,
    /,
    *args: Any,
    check: Callable[..., None] | None = None,
    deterministic: bool | Callable[[Any], Any] = True,
    display: bool = True,
    **kwargs: Any,
) -> Any:
    """Call ``func(*args, **kwargs)`` and check mlkit's contract (module docstring).

    Parameters
    ----------
    name
        The function's public name, for the counts: ``"mlkit.calibration.reliability"``.
    check
        Called as ``check(result)`` when the call returns: the function's own
        properties (metrics in range, documented columns).
    deterministic
        When ``random_state`` is among ``kwargs``, call a second time and require
        an identical result. A function of the result (such as :func:`without_times`)
        compares only what it returns, for results that hold measured times.
    display
        Build the result's table, explanation and chart.

    Returns
    -------
    The result, or None when mlkit refused the input.
    """
    counts = COUNTS.setdefault(name, Counter())
    before = copy.deepcopy(_rows_of_tables((args, kwargs)))
    try:
        result = func(*args, **kwargs)
    except MlkitError as exc:
        error = exc
    else:
        error = None
    if error is not None:
        counts["refused"] += 1
        message = str(error)
        assert isinstance(error, ValueError | TypeError), (
            f"{type(error)} is not a ValueError/TypeError"
        )
        assert "\nHint: " in message, f"no hint in: {message}"
        assert_names_argument(func, message)
        MESSAGES.setdefault(name, {}).setdefault(message.split("\n")[0], message)
        assert_same(before, _rows_of_tables((args, kwargs)), "the arguments")
        return None
    counts["returned"] += 1
    assert_same(before, _rows_of_tables((args, kwargs)), "the arguments")
    if display:
        show(result)
    if check is not None:
        check(result)
    if deterministic and kwargs.get("random_state") is not None:
        # Tables of other engines are passed again as they are: they cannot all
        # be copied, and the first call was checked to leave their rows alone.
        memo = {id(t): t for t in _tables_in((args, kwargs))}
        again = func(*copy.deepcopy(args, dict(memo)), **copy.deepcopy(kwargs, memo))
        part = deterministic if callable(deterministic) else lambda r: r
        assert_same(
            part(result),
            part(again),
            "the result of a second call with the same random_state",
        )
    return result


def assert_names_argument(func: Callable, message: str) -> None:
    """Require an error message to name the argument it is about, in quotes.

    The audit of mlkit's messages: each says which argument was wrong (``'y_prob'``),
    what was expected, what was received and, after ``Hint:``, how to fix it.
    """
    import inspect

    target = func.__init__ if isinstance(func, type) else func
    names = [
        p for p in inspect.signature(target).parameters if p not in ("self", "kwargs")
    ]
    assert any(f"'{p}'" in message for p in names), (
        f"the message does not name an argument of {func.__name__} "
        f"({', '.join(names)}) in quotes:\n{message}"
    )


def show(result: Any) -> None:
    """Build what a notebook displays of ``result``: table, explanation, chart."""
    if hasattr(result, "to_frame") and hasattr(result, "explain"):
        frame = result.to_frame()
        assert isinstance(frame, pd.DataFrame)
        assert isinstance(result.explain(), str)
        repr(result)
        chart = result.chart()
        if chart is not None:
            chart.to_dict(validate=False)  # the spec is built; schema checks are slow


def assert_same(a: Any, b: Any, what: str, path: str = "") -> None:
    """Require ``a`` and ``b`` equal, NaN equal to NaN, recursing into containers."""
    where = f"{what}{path}"
    if a is b:
        return
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), f"{where}: a DataFrame became {type(b)}"
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
        assert a.attrs == b.attrs, f"{where}: attrs changed"
    elif isinstance(a, pd.Series | pd.Index):
        assert type(a) is type(b), f"{where}: {type(a)} became {type(b)}"
        if isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b, check_exact=True, obj=where)
        else:
            pd.testing.assert_index_equal(a, b, exact=True, obj=where)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), f"{where}: an array became {type(b)}"
        assert a.dtype == b.dtype, f"{where}: dtype changed"
        assert a.shape == b.shape, f"{where}: shape changed"
        if a.dtype == object:
            # NaN and pd.NA are missing in both, not unequal to themselves.
            missing = pd.isna(a)
            assert (missing == pd.isna(b)).all(), f"{where}: missing values moved"
            assert all(x == y for x, y in zip(a[~missing], b[~missing], strict=True)), (
                f"{where}: values changed"
            )
        else:
            np.testing.assert_array_equal(a, b, err_msg=where, strict=True)
    elif sp.issparse(a):
        assert sp.issparse(b), f"{where}: a sparse matrix became {type(b)}"
        assert a.format == b.format, f"{where}: format changed"
        assert_same(a.toarray(), b.toarray(), what, path)
    elif type(a).__module__.startswith("sklearn.tree") and type(a).__name__ == "Tree":
        # A fitted tree has no equality; its state is its nodes and their values.
        assert type(b) is type(a), f"{where}: {type(a)} became {type(b)}"
        assert_same(a.__getstate__(), b.__getstate__(), what, f"{path}.__getstate__()")
    elif type(a).__name__ in ("KDTree", "BallTree"):
        # Query counters change on every search; the arrays of the tree must not.
        assert type(b) is type(a), f"{where}: {type(a)} became {type(b)}"
        assert_same(a.get_arrays(), b.get_arrays(), what, f"{path}.get_arrays()")
    elif isinstance(a, Mapping):
        assert isinstance(b, Mapping), f"{where}: a mapping became {type(b)}"
        assert list(a) == list(b), f"{where}: keys changed"
        for key in a:
            assert_same(a[key], b[key], what, f"{path}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b), f"{where}: {type(a)} became {type(b)}"
        assert len(a) == len(b), f"{where}: length changed"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, what, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == b or (math.isnan(a) and math.isnan(b)), f"{where}: {a} != {b}"
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), f"{where}: {type(a)} became {type(b)}"
        for field in dataclasses.fields(a):
            assert_same(
                getattr(a, field.name),
                getattr(b, field.name),
                what,
                f"{path}.{field.name}",
            )
    elif hasattr(a, "get_params") and hasattr(a, "__dict__"):
        # A scikit-learn estimator: its parameters and whatever fit set.
        assert type(a) is type(b), f"{where}: {type(a)} became {type(b)}"
        assert_same(vars(a), vars(b), what, f"{path}.__dict__")
    elif _is_chart(a):
        assert a.to_dict() == b.to_dict(), f"{where}: the charts differ"
    elif callable(a) or isinstance(a, np.random.Generator | np.random.RandomState):
        return  # functions compare by identity; random generators are consumed on purpose
    elif type(a).__eq__ is object.__eq__ and hasattr(a, "__dict__"):
        # An object without equality of its own (a DesignLog, a handle on a
        # folder): the same type holding the same public attributes. Private
        # ones are its own business, such as what a log cached of its file.
        assert type(a) is type(b), f"{where}: {type(a)} became {type(b)}"
        assert_same(_public(a), _public(b), what, f"{path}.__dict__")
    else:
        assert type(a) is type(b), f"{where}: {type(a)} became {type(b)}"
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def _map_tables(value: Any, function: Callable[[Any], Any]) -> Any:
    """``value`` with ``function`` applied to each table of another engine (polars,
    pyarrow, DuckDB, Dask) in it, looked for in tuples, lists and dicts."""
    if _engines.engine_of(value) is not None:
        return function(value)
    if type(value) in (tuple, list):
        return type(value)(_map_tables(v, function) for v in value)
    if type(value) is dict:
        return {k: _map_tables(v, function) for k, v in value.items()}
    return value


def _rows_of_tables(value: Any) -> Any:
    """``value`` with each table of another engine replaced by its rows as a pandas
    frame: those tables cannot all be copied, and compare by their rows."""
    return _map_tables(value, lambda t: _engines.collect(_engines.lazy(t, "value")))


def _tables_in(value: Any) -> list[Any]:
    """The tables of other engines in ``value``."""
    found: list[Any] = []
    _map_tables(value, found.append)
    return found


def _public(value: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(value).items() if not k.startswith("_")}


def without_times(result: Any) -> pd.DataFrame:
    """The table of ``result`` without its measured times (``*seconds*``, ``*_ms``),
    which differ between two calls of the same ``random_state``."""
    frame = result.to_frame()
    timed = [c for c in frame.columns if "seconds" in str(c) or str(c).endswith("_ms")]
    return frame.drop(columns=timed)


def _is_chart(value: Any) -> bool:
    return type(value).__module__.startswith("altair")


def in_unit_interval(*values: float) -> None:
    """Require each value in [0, 1] or NaN."""
    for value in values:
        assert value != value or 0.0 <= value <= 1.0, f"{value} is not in [0, 1]"


def has_columns(frame: pd.DataFrame, columns: Any) -> None:
    """Require the documented columns in ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    assert not missing, (
        f"missing documented columns {missing}; has {list(frame.columns)}"
    )
