"""Generated input for mlkit.labeling: weak supervision, annotators, active learning.

Label matrices come with abstentions (-1), classes above the cardinality, floats,
NaN, strings, no row, no column and a single labeling function. The rules typed
as text are fuzzed with odd strings: a pattern that Python's ``re`` cannot compile
must be refused with a hint, and a condition is evaluated by pandas' own engine
only, never by Python's ``eval`` or ``exec`` and never with a side effect.
"""

from __future__ import annotations

import builtins
import contextlib
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression

from mlkit import labeling
from mlkit.labeling import ABSTAIN, LabelingFunction, LabelModel
from mlkit.labeling._errors import RareClassWarning
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
)

LF_SUMMARY_COLUMNS = (
    "name",
    "polarity",
    "coverage",
    "overlaps",
    "conflicts",
    "correct",
    "incorrect",
    "empirical_accuracy",
)

# --------------------------------------------------------------------------- L


def sometimes(data):
    """Whether to build this result's chart: one time in three.

    Charts cost a tenth of a second to a few seconds each (altair parses their
    expressions); a third of the results keeps the file within its time budget.
    """
    return data.draw(st.integers(0, 2)) == 0


def valid(data, one_in=4):
    """Whether this example keeps to valid arguments: all but one time in ``one_in``."""
    return data.draw(st.integers(0, one_in - 1)) < one_in - 1


def every_class(data, n, classes):
    """``n`` labels drawn from ``classes``, each present at least once (n permitting)."""
    values = gen.labels(data, n, classes=classes, min_classes=len(classes))
    values = values.astype(object) if isinstance(classes[0], str) else values.copy()
    head = min(n, len(classes))
    values[:head] = np.asarray(classes, dtype=values.dtype)[:head]
    return values


def label_matrix(data, *, k=2, ok=False):
    """A label matrix of ``k`` classes, and sometimes something that is not one.

    With ``ok``, always a label matrix with rows and columns. Returns the
    generated argument and the int64 matrix it holds (None when the argument is
    not a label matrix; a class above ``k - 1`` is one, of more classes).
    """
    n = gen.rows(data, 1 if ok else 0, 60)
    m = data.draw(st.sampled_from([1, 1, 2, 3, 5] + ([] if ok else [0])))
    votes = data.draw(
        st.lists(st.integers(ABSTAIN, k - 1), min_size=n * m, max_size=n * m)
    )
    L = np.asarray(votes, dtype=np.int64).reshape(n, m)
    good = ["ndarray"] * 6 + ["list", "frame", "float", "int32"]
    bad = ["nan", "fraction", "too_high", "below", "strings", "one_d", "object"]
    kind = data.draw(st.sampled_from(good if ok else good + bad + ["bool", "scalar"]))
    clean = L if n and m else None
    if kind == "ndarray":
        return L, clean
    if kind == "list":
        return L.tolist(), clean
    if kind == "frame":
        names = [f"lf_{j}" for j in range(m)]
        return pd.DataFrame(L, columns=names, index=gen.index(data, n)), clean
    if kind == "float":
        return L.astype(float), clean
    if kind == "int32":
        return L.astype(np.int32), clean
    if kind == "one_d":
        return L.ravel(), None
    if kind == "scalar":
        return data.draw(st.sampled_from([0, None, "L", 1.5])), None
    if kind == "bool":
        return L >= 0, None
    if not L.size:
        return L, clean
    i = data.draw(st.integers(0, L.size - 1))
    if kind == "too_high":
        bad = L.copy()
        bad.flat[i] = k  # a class above the cardinality: 2 for a binary task
        return bad, bad
    if kind == "below":
        bad = L.copy()
        bad.flat[i] = -2
        return bad, None
    if kind in ("nan", "fraction"):
        bad = L.astype(float)
        bad.flat[i] = np.nan if kind == "nan" else 0.5
        return bad, None
    if kind == "strings":
        return L.astype(str), None
    bad = L.astype(object)  # "object": a missing vote as None
    bad.flat[i] = None
    return bad, None


def check_votes(n, k):
    def check(votes):
        assert isinstance(votes, np.ndarray)
        assert votes.dtype == np.int64
        assert votes.shape == (n,)
        assert ((votes >= ABSTAIN) & (votes < k)).all()

    return check


@fuzzes("mlkit.labeling.lf_summary")
@given(st.data())
@fuzz_settings(50)
def test_lf_summary(data):
    ok = valid(data)
    L, clean = label_matrix(data, k=data.draw(st.integers(2, 3)), ok=ok)
    n, m = clean.shape if clean is not None else (0, 0)
    y = None
    if data.draw(st.booleans()):
        size = n if ok or data.draw(st.integers(0, 9)) else n + 1
        y = gen.container(
            data,
            data.draw(
                st.sampled_from(
                    [
                        gen.labels(data, size, classes=(0, 1, 2)),
                        np.full(size, np.nan),
                        np.asarray(["a", "b"] * size)[:size],
                        np.full(size, -1),
                    ]
                )
            )
            if not ok and data.draw(st.integers(0, 4))
            else gen.labels(data, size, classes=(0, 1)),
        )
    names = None
    if data.draw(st.booleans()):
        names = data.draw(
            st.sampled_from(
                [[f"rule {j} é" for j in range(m)], list(range(m))]
                + ([] if ok else [["same"] * m, [f"r{j}" for j in range(m + 1)], "one"])
            )
        )

    def check(result):
        table = result.to_frame()
        has_columns(table, LF_SUMMARY_COLUMNS)
        assert len(table) == m
        assert result.n_rows == n
        in_unit_interval(result.label_coverage, result.label_conflict)
        in_unit_interval(*table["coverage"], *table["overlaps"], *table["conflicts"])
        assert (table["overlaps"] <= table["coverage"] + 1e-12).all()
        assert (table["conflicts"] <= table["overlaps"] + 1e-12).all()
        np.testing.assert_allclose(table["coverage"], (clean >= 0).mean(axis=0))
        if result.has_gold:
            fired = (table["correct"] + table["incorrect"]).to_numpy(dtype=float)
            np.testing.assert_allclose(fired, (clean >= 0).sum(axis=0))
            in_unit_interval(*table["empirical_accuracy"])

    call(
        "mlkit.labeling.lf_summary",
        labeling.lf_summary,
        L,
        y=y,
        names=names,
        check=check,
        display=sometimes(data),
    )


@fuzzes("mlkit.labeling.majority_vote")
@given(st.data())
@fuzz_settings(80)
def test_majority_vote(data):
    k = data.draw(st.integers(2, 4))
    ok = valid(data)
    L, clean = label_matrix(data, k=k, ok=ok)
    cardinality = data.draw(
        st.sampled_from([None, None, k, k + 1] + ([] if ok else [1, 2.0, True, "2"]))
    )
    tie_break = data.draw(
        st.sampled_from(["abstain", "random"] + ([] if ok else ["first", None]))
    )
    n = clean.shape[0] if clean is not None else 0

    def check(votes):
        classes = max(k, int(clean.max()) + 1)
        check_votes(n, classes if cardinality is None else cardinality)(votes)
        counts = np.stack([(clean == c).sum(axis=1) for c in range(classes)], axis=1)
        top = counts.max(axis=1)
        winners = (counts == top[:, None]).sum(axis=1)
        single = (top > 0) & (winners == 1)
        np.testing.assert_array_equal(votes[single], counts[single].argmax(axis=1))
        assert (votes[top == 0] == ABSTAIN).all()
        if tie_break == "abstain":
            assert (votes[winners > 1] == ABSTAIN).all()
        else:  # a random pick among the tied classes
            tied = np.flatnonzero((top > 0) & (winners > 1))
            assert (counts[tied, votes[tied]] == top[tied]).all()

    call(
        "mlkit.labeling.majority_vote",
        labeling.majority_vote,
        L,
        cardinality=cardinality,
        tie_break=tie_break,
        random_state=gen.random_state(data),
        check=check,
    )


def _fit_label_model(
    L,
    *,
    cardinality,
    class_balance,
    silence,
    smoothing,
    max_iter,
    tol,
    random_state,
):
    """Fit a LabelModel: scikit-learn's convention checks the parameters in fit."""
    model = LabelModel(
        cardinality,
        class_balance=class_balance,
        silence=silence,
        smoothing=smoothing,
        max_iter=max_iter,
        tol=tol,
        random_state=random_state,
    )
    return model.fit(L)


@fuzzes("mlkit.labeling.LabelModel")
@given(st.data())
@fuzz_settings(40)
def test_label_model(data):
    k = data.draw(st.integers(2, 3))
    ok = valid(data)
    L, clean = label_matrix(data, k=k, ok=ok)

    def option(good, bad):
        return data.draw(st.sampled_from(good if ok else good + bad))

    params = {
        "cardinality": option([None, None, k, k + 1], [1, 2.5]),
        "class_balance": option(
            [None, None, "learn", [1 / k] * k], [[0.5], [0.9, -0.1, 0.2], "even"]
        ),
        "silence": option([4.0, 4.0, None, 0], [-1.0, np.nan]),
        "smoothing": option([1.0, 1.0, 0.01], [0, np.inf, "1"]),
        "max_iter": option([1000, 1000, 5], [0, 2.5]),
        "tol": option([1e-7, 1e-7, 1e-3], [0.0, -1.0, True]),
        "random_state": gen.random_state(data),
    }
    name = "mlkit.labeling.LabelModel"
    call(name, LabelModel, **params)  # parameters are kept, checked in fit
    with warnings.catch_warnings():
        # EM may not converge on a few rows; fit warns, as documented.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = call(name, _fit_label_model, L, **params)
    if model is None:
        unfitted = LabelModel()
        call(name, unfitted.predict_proba, L if clean is None else clean)
        return
    k_model = model.cardinality_
    in_unit_interval(*model.accuracies_, *model.coverages_)
    assert abs(model.class_balance_.sum() - 1) < 1e-9
    # Predict on the rows it was fitted on, or on another generated matrix.
    other, other_clean = (
        (L, clean) if data.draw(st.booleans()) else label_matrix(data, k=k, ok=ok)
    )
    n_other = other_clean.shape[0] if other_clean is not None else 0

    def check_proba(proba):
        assert proba.shape == (n_other, k_model)
        assert np.isfinite(proba).all()
        assert (proba >= 0).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)

    call(name, model.predict_proba, other, check=check_proba)
    call(
        name,
        model.predict,
        other,
        tie_break=data.draw(st.sampled_from(["abstain", "random", "coin"])),
        check=check_votes(n_other, k_model),
    )
    y = gen.labels(
        data, n_other + data.draw(st.sampled_from([0, 0, 0, 1])), classes=(0, 1)
    )
    call(name, model.score, other, gen.container(data, y), check=in_unit_interval)


# --------------------------------------------------------------------------- LFs


def _row_lfs():
    """Row-wise heuristics, good and bad, with the parameter named 'row'."""

    def always_one(row):
        return 1

    def abstains(row):
        return ABSTAIN

    def numpy_vote(row):
        return np.int64(0)

    def by_first_value(row):
        return 1 if isinstance(row.iloc[0], str) else ABSTAIN

    def returns_none(row):
        return None

    def returns_bool(row):
        return True

    def returns_float(row):
        return 1.0

    def returns_text(row):
        return "spam"

    def below_abstain(row):
        return -2

    def missing_column(row):
        return 1 if row["no such column"] else 0

    def divides_by_zero(row):
        return 1 // 0

    return [
        always_one,
        abstains,
        numpy_vote,
        by_first_value,
        returns_none,
        returns_bool,
        returns_float,
        returns_text,
        below_abstain,
        missing_column,
        divides_by_zero,
    ]


def _frame_lfs():
    """Vectorised heuristics, good and bad, with the parameter named 'df'."""

    def array_votes(df):
        return np.where(np.arange(len(df)) % 2 == 0, 1, ABSTAIN)

    def list_votes(df):
        return [0] * len(df)

    def series_votes(df):
        return pd.Series(ABSTAIN, index=df.index)

    def other_index(df):
        return pd.Series(0, index=pd.RangeIndex(len(df)) + 1000)

    def too_short(df):
        return np.zeros(max(len(df) - 1, 0), dtype=int)

    def two_d(df):
        return np.zeros((len(df), 2), dtype=int)

    def floats(df):
        return np.full(len(df), np.nan)

    def texts(df):
        return np.full(len(df), "spam")

    def scalar(df):
        return 1

    def raises(df):
        return df["no such column"]

    return [
        array_votes,
        list_votes,
        series_votes,
        other_index,
        too_short,
        two_d,
        floats,
        texts,
        scalar,
        raises,
    ]


ROW_LFS = _row_lfs()
FRAME_LFS = _frame_lfs()
GOOD_ROW_LFS = ROW_LFS[:4]
GOOD_FRAME_LFS = FRAME_LFS[:3]


def lf_list(data, df):
    """Labeling functions to apply to ``df``: mostly good, sometimes not."""
    good = data.draw(st.integers(0, 4)) > 0
    count = data.draw(st.integers(0 if not good else 1, 4))
    lfs = []
    for _ in range(count):
        kind = data.draw(st.sampled_from(["row", "frame", "keyword", "condition"]))
        if kind == "row":
            func = data.draw(st.sampled_from(GOOD_ROW_LFS if good else ROW_LFS))
            lf = LabelingFunction(func) if data.draw(st.booleans()) else func
        elif kind == "frame":
            func = data.draw(st.sampled_from(GOOD_FRAME_LFS if good else FRAME_LFS))
            lf = LabelingFunction(func, vectorized=True)
        elif kind == "keyword":
            texts = [c for c in df.columns if df[c].dtype in ("str", "category")]
            column = (
                texts[0] if texts and good else data.draw(st.sampled_from(gen.NAMES))
            )
            lf = labeling.keyword_lf(
                data.draw(st.sampled_from(["vert", "a b|Zoë", r"\bro", "青"])),
                1,
                column=column,
            )
        else:
            numbers = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
            column = (
                numbers[0]
                if numbers and good
                else data.draw(st.sampled_from(gen.NAMES))
            )
            lf = labeling.condition_lf(f"`{column}` > 0", 0)
        lfs.append(lf)
    names = [getattr(lf, "name", getattr(lf, "__name__", "")) for lf in lfs]
    if len(set(names)) != len(names) and good:
        lfs = list(dict(zip(names, lfs, strict=True)).values())
    shape = data.draw(st.sampled_from(["list"] * 5 + ["tuple", "single", "bad"]))
    if shape == "tuple":
        return tuple(lfs)
    if shape == "single" and lfs:
        return lfs[0]
    if shape == "bad":
        return data.draw(st.sampled_from([[*lfs, 3], "always_one", None, []]))
    return lfs


@fuzzes("mlkit.labeling.apply_lfs")
@given(st.data())
@fuzz_settings(80)
def test_apply_lfs(data):
    n = gen.rows(data, 0, 30)
    df = gen.frame(data, n) if data.draw(st.integers(0, 9)) else np.zeros((n, 2))
    lfs = lf_list(data, df if isinstance(df, pd.DataFrame) else pd.DataFrame())
    progress = data.draw(st.sampled_from([False] * 6 + ["no", 1]))
    m = 1 if callable(lfs) else len(lfs) if isinstance(lfs, list | tuple) else 0

    def check(L):
        assert isinstance(L, np.ndarray)
        assert L.dtype == np.int64
        assert L.shape == (n, m)
        assert (L >= ABSTAIN).all()

    call(
        "mlkit.labeling.apply_lfs",
        labeling.apply_lfs,
        lfs,
        df,
        progress=progress,
        check=check,
    )


FUNCS = st.sampled_from([*GOOD_ROW_LFS, *GOOD_FRAME_LFS, ROW_LFS[4], lambda row: 0])
NOT_FUNCS = st.sampled_from([3, "always_one", None, [GOOD_ROW_LFS[0]]])
LF_NAMES = st.sampled_from([None, None, "rule é 🙂", "", 3, b"x"])
VECTORIZED = st.sampled_from([False, False, True, np.bool_(True), 1, "yes"])


def _call_lf(name, data, lf):
    """Call a labeling function on a row or on a frame, as a user debugging it would."""
    n = gen.rows(data, 0, 10)
    df = gen.frame(data, n)
    if lf.vectorized or n == 0 or data.draw(st.integers(0, 4)) == 0:
        call(name, lf, df)
    else:
        call(name, lf, df.iloc[data.draw(st.integers(0, n - 1))])


@fuzzes("mlkit.labeling.LabelingFunction")
@given(st.data())
@fuzz_settings(60)
def test_labeling_function_class(data):
    name = "mlkit.labeling.LabelingFunction"
    func = data.draw(FUNCS if data.draw(st.integers(0, 5)) else NOT_FUNCS)
    vectorized = data.draw(VECTORIZED)
    if func in GOOD_FRAME_LFS and vectorized is False and data.draw(st.booleans()):
        vectorized = True
    lf_name = data.draw(LF_NAMES)
    lf = call(name, LabelingFunction, func, name=lf_name, vectorized=vectorized)
    if lf is not None:
        assert isinstance(lf, LabelingFunction)
        assert isinstance(lf.name, str)
        assert isinstance(repr(lf), str)
        _call_lf(name, data, lf)


@fuzzes("mlkit.labeling.labeling_function")
@given(st.data())
@fuzz_settings(60)
def test_labeling_function_decorator(data):
    name = "mlkit.labeling.labeling_function"
    func = data.draw(FUNCS if data.draw(st.integers(0, 5)) else NOT_FUNCS)
    vectorized = data.draw(VECTORIZED)
    lf_name = data.draw(LF_NAMES)
    decorate = labeling.labeling_function
    if data.draw(st.booleans()):  # @labeling_function(name=..., vectorized=...)
        decorator = call(name, decorate, name=lf_name, vectorized=vectorized)
        if decorator is None:
            return
        assert callable(decorator)
        assert not isinstance(decorator, LabelingFunction)
        lf = call(name, decorator, func)
    else:
        lf = call(name, decorate, func, name=lf_name, vectorized=vectorized)
    if lf is not None and func is not None:
        assert isinstance(lf, LabelingFunction)
        _call_lf(name, data, lf)


# --------------------------------------------------------------------------- rules

REGEX_CHARS = "ab.*+?()[]{}|\\^$-:<=!P1é青 "
#: Patterns that Python's re refuses, and some that it takes only with a warning.
BAD_PATTERNS = [
    "(free",
    "[a-",
    "*a",
    "a{2,1}",
    "(?P<x>a)(?P<x>b)",
    r"\p{L}",
    "a**",
    "(?<=a+)b",
    "\\",
    "[[a]",
    "[a--b]",
    "(?z)",
]
GOOD_PATTERNS = [
    "vert",
    r"\bwin\b",
    "F(?=ree)",
    r"(o)\1",
    "Zoë|青",
    "a b",
    "^r",
    "(?i)VERT",
]


def _compiles(pattern, flags):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return re.compile(pattern, flags)
        except re.error:
            return None


@fuzzes("mlkit.labeling.keyword_lf")
@given(st.data())
@fuzz_settings(60)
def test_keyword_lf(data):
    name = "mlkit.labeling.keyword_lf"
    ok = valid(data)
    pattern = data.draw(
        st.sampled_from(GOOD_PATTERNS)
        if ok
        else st.one_of(
            st.sampled_from(BAD_PATTERNS),
            st.text(REGEX_CHARS, max_size=8),
            st.sampled_from([None, 3, b"free", "  "]),
        )
    )
    label = data.draw(
        st.sampled_from([1, 0, 2, np.int64(1)] + ([] if ok else [-1, True, 1.5, "1"]))
    )
    n = gen.rows(data, 0, 20)
    df = gen.frame(data, n)
    if ok or data.draw(st.booleans()):  # a column of text to search
        df = df.assign(
            text=gen.column(
                data, n, data.draw(st.sampled_from(["str", "category"]))
            ).to_numpy()
        )
        if data.draw(st.booleans()):
            df["text"] = df["text"].astype(
                data.draw(st.sampled_from(["str", "category", object]))
            )
    texts = [
        c
        for c in df.columns
        if isinstance(df[c].dtype, pd.StringDtype | pd.CategoricalDtype)
        or df[c].dtype == object
    ]
    column = (
        data.draw(st.sampled_from(texts))
        if texts and (ok or data.draw(st.booleans()))
        else data.draw(st.sampled_from([*df.columns, "missing", 3]))
    )
    ignore_case = data.draw(st.sampled_from([True, False] + ([] if ok else ["yes"])))
    lf_name = data.draw(st.sampled_from([None, None, "free words"]))
    lf = call(
        name,
        labeling.keyword_lf,
        pattern,
        label,
        name=lf_name,
        column=column,
        ignore_case=ignore_case,
    )
    flags = re.IGNORECASE if ignore_case is True else 0
    if (
        isinstance(pattern, str)
        and pattern.strip()
        and _compiles(pattern, flags) is None
    ):
        assert lf is None, f"the invalid pattern {pattern!r} was accepted"
    if lf is None:
        return
    compiled = _compiles(pattern, flags)
    expected = (
        np.array(
            [
                label if isinstance(v, str) and compiled.search(v) else ABSTAIN
                for v in df[column].astype(object)
            ],
            dtype=np.int64,
        )
        if column in df.columns
        else None
    )

    def check(votes):
        np.testing.assert_array_equal(votes, expected)

    call(name, lf, df, check=check)


#: A file that a condition with a side effect would write.
CANARY = Path(tempfile.gettempdir()) / "mlkit_fuzz_condition_canary.csv"
ODD_EXPRESSIONS = [
    "@x > 1",
    "x > @limit",
    "'@' == 'a'",
    "import os",
    "__import__('os').system('true') == 0",
    "eval('1') == 1",
    "exec('x = 1')",
    "open('/etc/passwd') is None",
    f"`{gen.NAMES[0]}`.to_csv('{CANARY}') == 1",
    f"`{gen.NAMES[0]}`.__class__.__init__.__globals__ == 1",
    "x.__class__ == 1",
    "x.pipe(print) == 1",
    "x.fillna(0, inplace=True) == 0",
    "x = 1",
    "lambda: 1",
    "1; 2",
    "x if x else 1",
    "[v for v in x]",
    "x.y.z",
    "x > 1 and",
    "x ==",
    "((x > 1)",
    "`unclosed > 1",
    "1 > 0",
    "True",
    "x + 1",
    "x",
    "x > 'a'",
    "not x",
    "x.isna()",
    "`a b`.str.len() > 1",
    "`prix €` > 0 or Ω < 0",
    "年齢 == 年齢",
    "x in [1, 2]",
    "sin(x) > 0",
    "x / 0 > 1",
    "\x00",
    "x > 1 # comment",
    "\n",
]


class _Spy:
    """Stands in for builtins.eval and exec, and records who called it."""

    def __init__(self, real):
        self.real = real
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append(args[:1])
        return self.real(*args, **kwargs)


@contextlib.contextmanager
def no_builtin_eval():
    """Fail if anything calls Python's own eval or exec meanwhile."""
    spies = {"eval": _Spy(builtins.eval), "exec": _Spy(builtins.exec)}
    originals = {name: getattr(builtins, name) for name in spies}
    for name, spy in spies.items():
        setattr(builtins, name, spy)
    try:
        yield
    finally:
        for name, real in originals.items():
            setattr(builtins, name, real)
    for name, spy in spies.items():
        assert not spy.calls, f"builtins.{name} was called with {spy.calls[:2]}"


@fuzzes("mlkit.labeling.condition_lf")
@given(st.data())
@fuzz_settings(80)
def test_condition_lf(data):
    name = "mlkit.labeling.condition_lf"
    n = gen.rows(data, 0, 20)
    df = gen.frame(data, n)
    column = data.draw(st.sampled_from(list(df.columns)))
    threshold = data.draw(st.sampled_from([0, 0.5, -1e300, 3]))
    simple = f"`{column}` > {threshold}"
    kind = data.draw(st.sampled_from(["simple"] * 4 + ["odd"] * 4 + ["text"] * 2))
    if kind == "simple":
        expression = simple
    elif kind == "odd":
        expression = data.draw(st.sampled_from(ODD_EXPRESSIONS))
    else:
        expression = data.draw(st.text(max_size=20))
    label = data.draw(st.sampled_from([1, 1, 0, 3, -1, 1.0, None]))
    if "x" in expression and "x" not in df.columns and data.draw(st.booleans()):
        df = df.assign(x=np.arange(n, dtype=float))
    before = df.copy()
    with no_builtin_eval():
        lf = call(name, labeling.condition_lf, expression, label)
        if lf is None:
            return
        expected = None
        if kind == "simple" and pd.api.types.is_numeric_dtype(df[column]):
            holds = (df[column] > threshold).fillna(False).to_numpy(dtype=bool)
            expected = np.where(holds, label, ABSTAIN)

        def check(votes):
            assert np.isin(votes, [ABSTAIN, label]).all()
            assert votes.shape == (n,)
            if expected is not None:
                np.testing.assert_array_equal(votes, expected)

        call(name, lf, df, check=check)
    pd.testing.assert_frame_equal(df, before)
    assert not CANARY.exists(), f"{expression!r} wrote a file"


# --------------------------------------------------------------------------- annotators


def annotations(data):
    """An annotation table: items by annotators, NaN where one did not label."""
    ok = valid(data)
    n = gen.rows(data, 2 if ok else 0, 40)
    m = data.draw(st.sampled_from([2, 3, 4] + ([] if ok else [0, 1])))
    classes = data.draw(
        st.sampled_from(
            [("spam", "ham"), (0, 1, 2), (0.0, 1.0), (True, False)]
            + ([] if ok else [("a",)])
        )
    )
    columns = {}
    names = data.draw(
        st.lists(st.sampled_from(gen.NAMES), min_size=m, max_size=m, unique=True)
    )
    for name in names:
        values = every_class(data, n, classes).astype(object)
        missing = (
            np.asarray(
                data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)),
                dtype=int,
            )
            == 0
        )
        if n:
            values[missing] = None
        kind = data.draw(
            st.sampled_from(["object", "object", "category", "str", "nullable"])
        )
        column = pd.Series(values)
        if kind == "category":
            column = column.astype("category")
        elif kind == "str":
            column = column.astype("str").where(column.notna())
        elif kind == "nullable":
            column = column.convert_dtypes()
        columns[name] = column
    df = pd.DataFrame(columns, index=pd.RangeIndex(n))
    if m:
        df.index = gen.index(data, n)
    odd = data.draw(st.integers(0, 4)) if not ok else None
    if odd == 0 and m >= 2:
        df.columns = [names[0]] * m  # duplicated annotators
    elif odd == 1 and n and m:
        values = np.empty(n, dtype=object)
        values[:] = [[1, 2]] * n  # unhashable labels
        df.isetitem(0, values)
    elif odd == 2 and m:
        df = df.rename(columns={names[0]: "resolved"})
    elif odd == 3:  # not a frame; None for missing, which compares equal to itself
        values = df.to_numpy(dtype=object).copy()
        values[pd.isna(values)] = None
        return values
    return df


@fuzzes("mlkit.labeling.agreement")
@given(st.data())
@fuzz_settings(30)
def test_agreement(data):
    table = annotations(data)

    def check(result):
        pairs = result.to_frame()
        has_columns(
            pairs, ["annotator_a", "annotator_b", "items", "agreement", "cohen_kappa"]
        )
        m = table.shape[1]
        assert len(pairs) == m * (m - 1) // 2
        in_unit_interval(*pairs["agreement"])
        for value in (
            *pairs["cohen_kappa"],
            result.fleiss_kappa,
            result.krippendorff_alpha,
        ):
            assert value != value or -1 - 1e-9 <= value <= 1 + 1e-9
        assert len(result.items) == len(table)
        in_unit_interval(*result.items["agreement"])

    call(
        "mlkit.labeling.agreement",
        labeling.agreement,
        table,
        check=check,
        display=sometimes(data),
    )


@fuzzes("mlkit.labeling.resolve")
@given(st.data())
@fuzz_settings(30)
def test_resolve(data):
    table = annotations(data)

    def check(result):
        assert len(result.labels) == len(table)
        frame = result.to_frame()
        has_columns(
            frame, ["label", "confidence", "annotations", "distinct_labels", "tie"]
        )
        confidence = result.confidence.to_numpy(dtype=float)
        assert (
            (confidence > 0) & (confidence <= 1 + 1e-12) | np.isnan(confidence)
        ).all()
        labelled = table.notna().any(axis=1).to_numpy()
        assert (result.labels.notna().to_numpy() == labelled).all()
        in_unit_interval(*result.weights["accuracy"])

    call(
        "mlkit.labeling.resolve",
        labeling.resolve,
        table,
        method=data.draw(st.sampled_from(["majority", "weighted"] * 4 + ["mean"])),
        random_state=gen.random_state(data),
        check=check,
        display=sometimes(data),
    )


@fuzzes("mlkit.labeling.simulate_annotators")
@given(st.data())
@fuzz_settings(50)
def test_simulate_annotators(data):
    ok = valid(data)
    n = gen.rows(data, 2 if ok else 0, 40)
    classes = data.draw(st.sampled_from([(0, 1), ("a", "b", "c"), (False, True)]))
    truth = every_class(data, n, classes) if ok else gen.labels(data, n)
    labels = gen.container(data, truth)
    if n and not ok and data.draw(st.booleans()):
        labels = pd.Series(truth, dtype=object).where(np.arange(n) > 0)
    n_annotators = data.draw(
        st.sampled_from([2, 3, 5] + ([] if ok else [1, 2.0, True]))
    )
    k = n_annotators if isinstance(n_annotators, int) and n_annotators > 1 else 2
    accuracy = data.draw(
        st.sampled_from(
            [None, 0.8, 1.0, 0.0, [0.9] * k]
            if ok or data.draw(st.booleans())
            else [[0.9] * (k + 1), 1.5, np.nan, "0.8", -0.1]
        )
    )
    coverage = data.draw(
        st.sampled_from(
            [1.0, 2 / k, [1.0] * k, 0.6 if k >= 4 else 1.0]
            if ok or data.draw(st.booleans())
            else [0.3, 0.0, -0.5, [0.5], "all", np.inf]
        )
    )

    def check(result):
        assert isinstance(result, pd.DataFrame)
        assert result.shape == (n, n_annotators)
        assert (result.notna().sum(axis=1) >= 2).all()
        seen = set(pd.unique(result.stack().dropna()).tolist())
        assert seen <= set(pd.unique(pd.Series(truth)).tolist())

    call(
        "mlkit.labeling.simulate_annotators",
        labeling.simulate_annotators,
        labels,
        n_annotators=n_annotators,
        accuracy=accuracy,
        coverage=coverage,
        random_state=gen.random_state(data),
        check=check,
    )


# --------------------------------------------------------------------------- active


def _classifier(data, X, y):
    """A logistic regression fitted on a clean copy of the data, or an odd estimator."""
    kind = data.draw(
        st.sampled_from(["fitted"] * 5 + ["unfitted", "regressor", "text"])
    )
    if kind == "unfitted":
        return LogisticRegression()
    if kind == "regressor":
        return LinearRegression()
    if kind == "text":
        return "model"
    if len(X) and len(set(y)) > 1:
        return LogisticRegression().fit(X, y)
    # Too few rows or one class: fit on two made-up rows with the same columns.
    fake = np.array([[0.0] * X.shape[1], [1.0] * X.shape[1]])
    if isinstance(X, pd.DataFrame):
        fake = pd.DataFrame(fake, columns=X.columns)
    return LogisticRegression().fit(fake, [0, 1])


@fuzzes("mlkit.labeling.query")
@given(st.data())
@fuzz_settings(30)
def test_query(data):
    n = gen.rows(data, 0, 40)
    X = gen.numeric_frame(data, n, max_columns=3)
    y = gen.labels(data, n, classes=(0, 1, 2))
    as_frame = data.draw(st.booleans())
    clean = X.apply(lambda c: c.astype(float)).fillna(0).clip(-1e6, 1e6)
    model = _classifier(data, clean if as_frame else clean.to_numpy(), y)
    pool = X if as_frame else X.to_numpy(dtype=float, na_value=np.nan)
    if as_frame and data.draw(st.integers(0, 5)) == 0:  # columns it has not seen
        pool = gen.numeric_frame(data, n, max_columns=4)
    size = data.draw(
        st.sampled_from([1, 3, n] if valid(data) and n >= 3 else [1, n + 1, 0, 2.0])
    )

    def check(picked):
        assert picked.shape == (size,)
        assert len(set(picked.tolist())) == size
        assert ((picked >= 0) & (picked < n)).all()

    call(
        "mlkit.labeling.query",
        labeling.query,
        model,
        pool,
        size,
        strategy=data.draw(
            st.sampled_from(["least_confidence", "margin", "entropy", "random", "best"])
        ),
        random_state=gen.random_state(data),
        check=check,
    )


@fuzzes("mlkit.labeling.simulate_active_learning")
@given(st.data())
@fuzz_settings(5)
def test_simulate_active_learning(data):
    ok = valid(data, one_in=8)
    n_pool = gen.rows(data, 12 if ok else 0, 30)
    n_test = gen.rows(data, 4 if ok else 0, 20)
    classes = data.draw(st.sampled_from([(0, 1), ("no", "yes"), (0, 1, 2)]))
    X_pool = gen.numeric_frame(data, n_pool, max_columns=2)
    if ok or data.draw(st.booleans()):  # clean features, so that models fit
        X_pool = X_pool.apply(lambda c: c.astype(float)).fillna(0).clip(-3, 3)
    X_test = np.asarray(gen.floats(data, n_test * X_pool.shape[1], nasty=False))
    X_test = X_test.reshape(n_test, X_pool.shape[1]).clip(-3, 3)
    y_pool = every_class(data, n_pool, classes)
    y_test = every_class(data, n_test, classes) if ok else gen.labels(data, n_test)

    def option(good, bad):
        return data.draw(st.sampled_from(good if ok else good + bad))

    budget = option([6, 9], [n_pool + 1, 0])
    estimator = option([LogisticRegression(max_iter=200)], [LinearRegression()])

    def check(result):
        curves = result.curves
        has_columns(curves, ["strategy", "repeat", "labels", "score"])
        if result.metric == "accuracy":
            in_unit_interval(*curves["score"])
        assert curves["labels"].max() == result.budget
        has_columns(
            result.to_frame(), ["strategy", "labels", "mean", "std", "min", "max"]
        )

    # The same kind of input for the pool and the test set, as scikit-learn wants.
    as_frame = data.draw(st.booleans())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        call(
            "mlkit.labeling.simulate_active_learning",
            labeling.simulate_active_learning,
            estimator,
            X_pool if as_frame else X_pool.to_numpy(float, na_value=np.nan),
            gen.container(data, y_pool),
            pd.DataFrame(X_test, columns=X_pool.columns) if as_frame else X_test,
            gen.container(data, y_test),
            budget=budget,
            initial=option([3, 4], [1, 2.5]),
            batch_size=option([2, 3], [0]),
            strategies=option(
                [["margin", "random"], ["entropy"]], [[], ["random", "random"]]
            ),
            metric=option(["accuracy", "log_loss"], ["roc_auc", "auc"]),
            repeats=option([1, 1, 2], [0]),
            random_state=gen.random_state(data),
            check=check,
            display=sometimes(data),
        )


# --------------------------------------------------------------------------- errors


@fuzzes("mlkit.labeling.find_label_errors")
@given(st.data())
@fuzz_settings(10)
def test_find_label_errors(data):
    ok = valid(data, one_in=8)
    n = gen.rows(data, 6 if ok else 0, 60)
    classes = data.draw(st.sampled_from([(0, 1), ("cat", "dog", "fox"), (False, True)]))
    labels = every_class(data, n, classes)
    k = len(classes)
    raw = np.abs(gen.floats(data, n * k, nasty=False).reshape(n, k)) + 1e-9
    proba = raw / raw.sum(axis=1, keepdims=True)
    bad = data.draw(st.integers(0, 7)) if not ok else None
    if bad == 0 and n:
        proba[0, 0] = np.nan
    elif bad == 1:
        proba = proba[:, :1]
    elif bad == 2 and n:
        proba = proba * 2
    given_classes = None
    if data.draw(st.integers(0, 3)) == 0:
        given_classes = data.draw(
            st.sampled_from(
                [list(classes), list(classes)[::-1]]
                + ([] if ok else [["x", "y"], [0, 0]])
            )
        )

    def check(result):
        assert len(result.issues) == n
        assert result.issues.dtype == bool
        in_unit_interval(*result.quality)
        table = result.to_frame()
        has_columns(
            table,
            ["position", "given", "suggested", "quality", "suggested_probability"],
        )
        assert (table["given"].astype(str) != table["suggested"].astype(str)).all()

    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", RareClassWarning
        )  # documented, for a class of one row
        call(
            "mlkit.labeling.find_label_errors",
            labeling.find_label_errors,
            gen.container(data, labels),
            proba,
            classes=given_classes,
            check=check,
            display=sometimes(data),
        )
