"""Features: model inputs, what a model makes of them, and how far they generalise.

Chapter 5 of the book, from missing values and encoding to the checks that
follow a first model:

- :func:`missing_values` asks, column by column, why values are missing: another
  column explains the gaps (missing at random), they relate to the target (so a
  missing indicator carries signal and must be kept), or no pattern is found; and
  suggests what to do with them.
- :func:`make_preprocessor` builds a scikit-learn ``ColumnTransformer`` from column
  kinds, the same kinds a case declares in ``[data.schema]``, so that any case gets
  a sensible baseline encoding without hand-written code: numbers imputed and
  scaled (``log1p`` first for skewed ones), categories one-hot encoded with rare
  values grouped, free text as TF-IDF, and identifiers and timestamps left out.
  :func:`encode_target` turns a binary target into 0/1; :func:`infer_kinds`
  gives the kinds of new columns from their dtypes.
- :func:`case_features` gathers a case's model inputs in a :class:`FeatureSet`:
  its feature columns and those its ``features`` hook engineers from what is
  known at prediction time, with ``X(rows)``, ``y(rows)`` and a preprocessor.
  Notebooks use it to bring a case to the stage functions, which take frames.
- :func:`feature_importance` measures how much each feature matters to a fitted
  model: SHAP values (per prediction, summed back to the original columns) or
  permutation importance on held-out rows.
- :func:`feature_leaks` flags features whose importance dominates implausibly,
  and datetime columns whose values come after the prediction time.
- :func:`generalisation` measures, per feature, the share of test rows whose
  value training never saw, or which lie outside its range.

The hashing trick and feature crossing need no helper: the notebooks use
scikit-learn's ``FeatureHasher``, ``PolynomialFeatures`` and ``OneHotEncoder``.

Examples
--------
>>> import pandas as pd
>>> from mlkit.features import make_preprocessor
>>> df = pd.DataFrame({"age": [30, None, 50], "city": ["a", "b", None]})
>>> pre = make_preprocessor({"age": "integer", "city": "category"}, min_frequency=1)
>>> pre.fit(df).get_feature_names_out().tolist()
['numbers__age', 'categories__city_a', 'categories__city_b', 'categories__city_nan']
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mlkit._exceptions import (
    MlkitError,
    MlkitTypeError,
    MlkitValueError,
    MlkitWarning,
    with_hint,
)
from mlkit._optional import require
from mlkit._results import Result, readable
from mlkit._validation import (
    as_1d,
    check_choice,
    check_columns,
    check_frame,
    check_int,
    check_number,
    check_random_state,
    model_errors,
    n_rows,
    take_rows,
)

if TYPE_CHECKING:
    import altair as alt
    from sklearn.compose import ColumnTransformer

__all__ = [
    "ENCODED_KINDS",
    "IMPORTANCE_METHODS",
    "LOG_KINDS",
    "AdditivityWarning",
    "FeatureImportance",
    "FeatureLeaks",
    "FeatureSet",
    "Generalisation",
    "MissingValues",
    "ShapUnavailableWarning",
    "case_features",
    "encode_target",
    "feature_importance",
    "feature_leaks",
    "generalisation",
    "infer_kinds",
    "make_preprocessor",
    "missing_values",
]

#: Column kinds that :func:`make_preprocessor` encodes; ``id`` and ``datetime``
#: columns are left out (an identifier does not generalise; a timestamp needs
#: features derived from it, such as the hour or the day of the week).
ENCODED_KINDS = ("numeric", "integer", "boolean", "category", "text")


def make_preprocessor(
    kinds: Mapping[str, str],
    columns: Sequence[str] | None = None,
    *,
    min_frequency: int = 10,
    max_text_features: int = 5000,
    dense: bool = False,
    log_columns: Sequence[str] = (),
) -> ColumnTransformer:
    """A ``ColumnTransformer`` that encodes columns according to their kind.

    Parameters
    ----------
    kinds : mapping of str to str
        Column name to kind, as in a case's ``[data.schema]``: ``numeric``,
        ``integer``, ``boolean``, ``category``, ``text``, ``id`` or ``datetime``.
    columns : sequence of str, optional
        The columns to use (a case's ``spec.feature_columns``); all of ``kinds``
        by default. ``id`` and ``datetime`` columns are skipped.
    min_frequency : int, default 10
        Categories seen fewer times in training are grouped into one.
    max_text_features : int, default 5000
        Vocabulary size of each text column's TF-IDF.
    dense : bool, default False
        Always return a dense array, for models that take no sparse input (such
        as ``HistGradientBoostingClassifier``); otherwise the output is sparse
        when most of it is zeros.
    log_columns : sequence of str, default ()
        Numeric or integer columns of ``columns`` with a heavy right skew
        (amounts, capital gains, counts) that get ``log1p`` (``log(1 + x)``)
        before the median imputation and the scaling, so that a few huge values
        no longer dominate the scale. Their values must be 0 or more: ``log1p``
        of a value below -1 is NaN (with a ``RuntimeWarning``), which the
        imputer would then silently replace. :meth:`FeatureSet.preprocessor`
        checks this on the data. The output keeps the column's name.

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Unfitted. Numbers: median imputation then standard scaling (``log1p``
        first for ``log_columns``). Categories: one-hot, missing
        values as their own category, rare and unseen ones grouped; booleans
        the same way. Text: TF-IDF of words and word pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"amount": [1.0, 10.0, 100.0, None], "age": [20, 30, 40, 50]})
    >>> pre = make_preprocessor({"amount": "numeric", "age": "integer"},
    ...                         log_columns=["amount"]).fit(df)
    >>> pre.get_feature_names_out().tolist()
    ['numbers__amount', 'numbers__age']
    >>> pre.transform(df)[:, 0].round(2).tolist()  # log1p, median-imputed, scaled
    [-1.32, -0.09, 1.5, -0.09]
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if not isinstance(kinds, Mapping):
        raise MlkitTypeError(
            with_hint(
                f"'kinds' must be a mapping of column name to kind; got "
                f"{type(kinds).__name__}.",
                "pass a dict such as {'age': 'integer', 'city': 'category'}, or "
                "case.spec.data.schema.",
            )
        )
    columns = _column_list(columns, "columns", list(kinds))
    check_int(min_frequency, "min_frequency", 1, "10")
    check_int(max_text_features, "max_text_features", 1, "5000")
    if not isinstance(dense, bool):
        raise MlkitTypeError(
            with_hint(
                f"'dense' must be True or False; got {dense!r}.",
                "pass dense=True for models that take no sparse input.",
            )
        )
    unknown = [c for c in columns if c not in kinds]
    if unknown:
        raise MlkitValueError(
            with_hint(
                f"'columns' names {', '.join(map(repr, unknown))}, which 'kinds' does not.",
                "give a kind for every column, for example from case.spec.data.schema.",
            )
        )
    by_kind: dict[str, list[str]] = {}
    for column in columns:
        by_kind.setdefault(kinds[column], []).append(column)
    bad = [k for k in by_kind if k not in {*ENCODED_KINDS, "id", "datetime"}]
    if bad:
        raise MlkitValueError(
            with_hint(
                f"'kinds' has unknown kind(s) [{', '.join(sorted(map(repr, bad)))}]; got "
                f"them for "
                f"{', '.join(repr(by_kind[k][0]) for k in bad)}.",
                f"use: {', '.join(ENCODED_KINDS)}, id or datetime.",
            )
        )
    steps = []
    numbers = by_kind.get("numeric", []) + by_kind.get("integer", [])
    logged = _check_log_columns(log_columns, kinds, columns)
    if numbers:
        first = [_log_step(numbers, logged)] if logged else []
        steps.append(
            (
                "numbers",
                make_pipeline(
                    *first, SimpleImputer(strategy="median"), StandardScaler()
                ),
                numbers,
            )
        )
    # Booleans are two categories (three with missing values): one-hot them too.
    categories = by_kind.get("category", []) + by_kind.get("boolean", [])
    if categories:
        steps.append(
            (
                "categories",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=min_frequency,
                    sparse_output=True,
                ),
                categories,
            )
        )
    for column in by_kind.get("text", []):
        steps.append(
            (
                f"text_{column}",
                TfidfVectorizer(
                    max_features=max_text_features,
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                ),
                column,  # a single column name: TF-IDF takes a 1-d input
            )
        )
    if not steps:
        raise MlkitValueError(
            with_hint(
                "'kinds' and 'columns' leave no column to encode: "
                + (
                    "every column is an identifier or a timestamp."
                    if columns
                    else "they name no column."
                ),
                "pass columns of kind numeric, integer, boolean, category or text.",
            )
        )
    return ColumnTransformer(
        steps, remainder="drop", sparse_threshold=0.0 if dense else 0.3
    )


def _column_list(columns: Any, name: str, default: list[str]) -> list[str]:
    """Column names as a list (``default`` for None), refusing a string or a scalar."""
    if columns is None:
        return list(default)
    if isinstance(columns, str):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must be a list of column names; got the string {columns!r}.",
                f"pass {name}=[{columns!r}].",
            )
        )
    if isinstance(columns, Mapping) or not isinstance(
        columns, Sequence | np.ndarray | pd.Index | pd.Series | set | frozenset
    ):
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must be a list of column names; got "
                f"{type(columns).__name__}.",
                f"pass a list, such as {name}=['age'].",
            )
        )
    names = list(columns)
    unhashable = [c for c in names if not isinstance(c, Hashable)]
    if unhashable:
        raise MlkitTypeError(
            with_hint(
                f"'{name}' must hold column names; got {unhashable[0]!r}.",
                f"pass a flat list, such as {name}=['age'].",
            )
        )
    return names


#: Column kinds that ``log_columns`` may name.
LOG_KINDS = ("numeric", "integer")


def _check_log_columns(
    log_columns: Any, kinds: Mapping[str, str], columns: list[str]
) -> set[str]:
    """The names of ``log_columns`` as a set, after checking each one."""
    if log_columns is None:
        return set()
    names = _column_list(log_columns, "log_columns", [])
    outside = [c for c in names if c not in set(columns)]
    if outside:
        raise MlkitValueError(
            with_hint(
                f"'log_columns' names {', '.join(map(repr, outside))}, which "
                "'columns' does not.",
                "name only columns that the preprocessor encodes, or add them to "
                "'columns'.",
            )
        )
    wrong = [c for c in names if kinds[c] not in LOG_KINDS]
    if wrong:
        listed = ", ".join(f"{c!r} ({kinds[c]})" for c in wrong)
        raise MlkitValueError(
            with_hint(
                f"'log_columns' must name numeric or integer columns; got {listed}.",
                "take the log of amounts and counts only; categories, text, "
                "identifiers and dates have no log.",
            )
        )
    return set(names)


def _log_step(numbers: list[str], logged: set[str]) -> ColumnTransformer:
    """``log1p`` of the ``logged`` columns of ``numbers``, the others as they are.

    The columns come out in the order of ``numbers`` and with their own names: one
    transformer per run of consecutive columns that are (or are not) logged. The
    output is a DataFrame, so that the nullable ``Int64`` and ``Float64`` columns
    keep their missing values for the imputer.
    """
    from itertools import groupby

    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import FunctionTransformer

    parts = []
    for i, (log, run) in enumerate(groupby(numbers, key=logged.__contains__)):
        # np.log1p itself, not a function of mlkit's: skops loads numpy's
        # functions on trust, so a saved model loads anywhere.
        transformer = (
            FunctionTransformer(np.log1p, feature_names_out="one-to-one")
            if log
            else "passthrough"
        )
        parts.append((f"{'log1p' if log else 'as_is'}_{i}", transformer, list(run)))
    return ColumnTransformer(parts, verbose_feature_names_out=False).set_output(
        transform="pandas"
    )


#: The tasks of :func:`encode_target`.
TARGET_TASKS = ("binary", "multiclass", "regression")


def encode_target(values: Any, *, task: str, positive_label: Any = None) -> pd.Series:
    """The target as models take it: 0/1 for a binary task, unchanged otherwise.

    A binary target becomes 1 where it equals ``positive_label`` (the class to
    detect) and 0 elsewhere, so that scores such as ROC-AUC and PR-AUC measure the
    right class whatever its label (``">50K"``, ``"spam"``, ``True``).

    Examples
    --------
    >>> import pandas as pd
    >>> encode_target(pd.Series([">50K", "<=50K"]), task="binary", positive_label=">50K").tolist()
    [1, 0]
    """
    import pandas as pd

    check_choice(task, TARGET_TASKS, "task")
    series = (
        values.copy()
        if isinstance(values, pd.Series)
        else pd.Series(as_1d(values, "values"))
    )
    if task != "binary":
        return series
    if np.ndim(positive_label) != 0 or not isinstance(positive_label, Hashable):
        raise MlkitTypeError(
            with_hint(
                f"'positive_label' must be a single label; got {positive_label!r}.",
                "pass the case's spec.positive_label, such as 1 or 'spam'.",
            )
        )
    if positive_label is None or not (series == positive_label).any():
        raise MlkitValueError(
            with_hint(
                f"'positive_label' must be one of the target's values for a binary task; "
                f"got {positive_label!r}.",
                "pass the case's spec.positive_label.",
            )
        )
    return (series == positive_label).astype("int64")


# --------------------------------------------------------------------------- importance

ImportanceMethod = Literal["shap", "permutation"]
#: The methods of :func:`feature_importance`.
IMPORTANCE_METHODS: tuple[str, ...] = ("shap", "permutation")

#: The model-agnostic explainer evaluates the model on many masked copies of each
#: row (background rows x evaluations), so it explains at most this many rows ...
AGNOSTIC_MAX_ROWS = 100
#: ... against this many background rows ...
AGNOSTIC_BACKGROUND = 30
#: ... with this many antithetic permutations of the features per row: exact for
#: models whose features interact at most in pairs, close for the others.
AGNOSTIC_PERMUTATIONS = 3
#: SHAP values plus the base value must give the explained output to within this
#: (relative to the outputs' size when it is above 1).
ADDITIVITY_TOLERANCE = 1e-6

# Message templates, kept here so that tests can match them.
NOT_FITTED_ERROR = "'model' must be a fitted model; this {name} is not fitted."
COLUMNS_ERROR = "'X' must have the columns the model was fitted on; {details}."
CATEGORICAL_ERROR = (
    "'model' is a {name} with native categorical features, which shap's "
    "TreeExplainer explains wrongly (shap issue #3436)."
)
ROW_ERROR = (
    "'i' must be the position of an explained row, from 0 to {last}; got {got!r}."
)

# The warnings that importing shap 0.51 raises through matplotlib 3.11.
_SHAP_IMPORT_WARNINGS = r"The set_(bad|over|under) function will be deprecated"


class ShapUnavailableWarning(MlkitWarning):
    """shap is not installed (it has no wheels for Intel Macs): permutation importance
    was computed instead.

    Silence it with
    ``warnings.simplefilter("ignore", mk.features.ShapUnavailableWarning)``.
    """


class AdditivityWarning(MlkitWarning):
    """SHAP values that do not add up to the model's output: do not trust them."""


def _import_shap(purpose: str) -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", _SHAP_IMPORT_WARNINGS, category=PendingDeprecationWarning
        )
        return require("shap", purpose=purpose)


def _sklearn_seed(random_state: Any) -> Any:
    """What scikit-learn takes: None or an int as given, one drawn from a Generator."""
    if random_state is None or (
        isinstance(random_state, numbers.Integral)
        and not isinstance(random_state, bool)
    ):
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).integers(2**31 - 1))


def _split_model(model: Any) -> tuple[Any, Any]:
    """(preprocessing or None, final estimator) of a model or Pipeline."""
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline) and len(model.steps) > 1:
        return model[:-1], model.steps[-1][1]
    if isinstance(model, Pipeline):
        return None, model.steps[-1][1]
    return None, model


def _check_model(model: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(model, "predict"):
        raise MlkitTypeError(
            with_hint(
                f"'model' must be a fitted scikit-learn model or Pipeline; got "
                f"{type(model).__name__}.",
                "pass the fitted model, for example the Pipeline of a preprocessor and "
                "a classifier.",
            )
        )
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise MlkitValueError(
            with_hint(
                NOT_FITTED_ERROR.format(name=type(model).__name__),
                "fit it on the training rows first: model.fit(X_train, y_train).",
            )
        ) from None
    except TypeError:
        raise MlkitTypeError(
            with_hint(
                f"'model' must be a fitted scikit-learn model or Pipeline; got "
                f"{type(model).__name__}.",
                "wrap other models so that they follow scikit-learn's API.",
            )
        ) from None
    _, estimator = _split_model(model)
    flags = getattr(estimator, "is_categorical_", None)
    if flags is not None and np.any(flags):
        raise MlkitValueError(
            with_hint(
                CATEGORICAL_ERROR.format(name=type(estimator).__name__),
                "one-hot encode the categories in the preprocessing (make_preprocessor "
                "does) and fit again, or use method='permutation'.",
            )
        )


def _check_X(model: Any, X: Any) -> tuple[Any, list[str], pd.DataFrame]:
    """(X as the model takes it, column names, X as a frame for display)."""
    names_in = getattr(model, "feature_names_in_", None)
    n_in = getattr(model, "n_features_in_", None)
    if isinstance(X, pd.DataFrame):
        check_frame(X, "X")
        if names_in is not None:
            expected = [str(c) for c in names_in]
            missing = [c for c in expected if c not in X.columns]
            extra = [c for c in X.columns if c not in set(expected)]
            if missing or extra:
                parts = []
                if missing:
                    parts.append(f"it lacks {', '.join(map(repr, missing[:8]))}")
                if extra:
                    parts.append(
                        f"it has {', '.join(map(repr, extra[:8]))}, which the model "
                        "never saw"
                    )
                raise MlkitValueError(
                    with_hint(
                        COLUMNS_ERROR.format(details="; ".join(parts)),
                        "pass X[list(model.feature_names_in_)]: the held-out rows with "
                        "the columns used in fit, without the target.",
                    )
                )
            frame = X[expected]
            return frame, expected, frame
        if n_in is not None and X.shape[1] != n_in:
            raise MlkitValueError(
                with_hint(
                    COLUMNS_ERROR.format(
                        details=f"it has {X.shape[1]} columns, the model {n_in}"
                    ),
                    "pass the columns used in fit, in the same order.",
                )
            )
        # Fitted on an array: give it an array, or scikit-learn warns about names.
        return X.to_numpy(), [str(c) for c in X.columns], X
    n_rows(X, "X")
    if sp.issparse(X):
        X = X.toarray()
    array = np.asarray(X)
    if n_in is not None and array.shape[1] != n_in:
        raise MlkitValueError(
            with_hint(
                COLUMNS_ERROR.format(
                    details=f"it has {array.shape[1]} columns, the model {n_in}"
                ),
                "pass the columns used in fit, in the same order.",
            )
        )
    if names_in is not None:
        frame = pd.DataFrame(array, columns=[str(c) for c in names_in])
        return frame, list(frame.columns), frame
    columns = [f"x{i}" for i in range(array.shape[1])]
    return array, columns, pd.DataFrame(array, columns=columns)


# ----------------------------------------------------------------- transformed features


def _input_labels(ct: Any, columns: Any) -> list[str]:
    """The input column names a ColumnTransformer's entry selects."""
    if isinstance(columns, str):
        return [columns]
    names = getattr(ct, "feature_names_in_", None)
    if names is None:
        names = np.array([f"x{i}" for i in range(ct.n_features_in_)], dtype=object)
    if callable(columns):
        columns = columns(names)
    if isinstance(columns, slice) and isinstance(columns.start or columns.stop, str):
        listed = list(names)
        start = listed.index(columns.start) if columns.start is not None else 0
        stop = listed.index(columns.stop) + 1 if columns.stop is not None else None
        return [str(c) for c in listed[start:stop]]
    if isinstance(columns, slice):
        return [str(c) for c in names[columns]]
    array = np.atleast_1d(np.asarray(columns))
    if array.dtype.kind in "biu":
        return [str(c) for c in names[array]]
    return [str(c) for c in array]


def _outputs_to_inputs(trans: Any, inputs: list[str], n_out: int) -> list[str | None]:
    """For each output of one transformer, the input column it comes from."""
    if len(inputs) == 1:
        return [inputs[0]] * n_out
    own: list[str] | None = None
    if isinstance(trans, str) and trans == "passthrough":
        own = list(inputs)
    elif hasattr(trans, "get_feature_names_out"):
        try:
            own = [str(n) for n in trans.get_feature_names_out(inputs)]
        except (AttributeError, ValueError, TypeError):
            own = None
    if own is None or len(own) != n_out:
        return [None] * n_out
    if own == inputs:
        return list(inputs)
    # One-hot and similar encoders name their outputs "<column>_<value>"; the
    # longest matching column wins, so that "a_b_x" goes to "a_b" rather than "a".
    by_length = sorted(inputs, key=len, reverse=True)
    return [
        next((c for c in by_length if name == c or name.startswith(f"{c}_")), None)
        for name in own
    ]


def _column_map(first: Any, inputs: list[str]) -> dict[str, str | None]:
    """Output name of the first preprocessing step -> original column."""
    from sklearn.compose import ColumnTransformer

    if isinstance(first, ColumnTransformer):
        names = [str(n) for n in first.get_feature_names_out()]
        mapping: dict[str, str | None] = {}
        for name, trans, columns in first.transformers_:
            if isinstance(trans, str) and trans == "drop":
                continue
            part = first.output_indices_.get(name, slice(0, 0))
            outputs = names[part]
            if not outputs:
                continue
            origins = _outputs_to_inputs(
                trans, _input_labels(first, columns), len(outputs)
            )
            mapping.update(zip(outputs, origins, strict=True))
        return mapping
    try:
        names = [str(n) for n in first.get_feature_names_out(inputs)]
    except (AttributeError, ValueError, TypeError):
        return {}
    return dict(zip(names, _outputs_to_inputs(first, inputs, len(names)), strict=True))


def _transformed_features(
    pre: Any, inputs: list[str], n_out: int
) -> tuple[list[str], list[str | None]]:
    """Names of the transformed features, and the original column of each (or None)."""
    from sklearn.pipeline import Pipeline

    try:
        names = [str(n) for n in pre.get_feature_names_out()]
    except (AttributeError, ValueError, TypeError):
        names = []
    if len(names) != n_out:
        return [f"x{i}" for i in range(n_out)], [None] * n_out
    steps = [s for _, s in pre.steps] if isinstance(pre, Pipeline) else [pre]
    first = next((s for s in steps if not (s is None or s == "passthrough")), None)
    if first is None:
        return names, [n if n in inputs else None for n in names]
    # Later steps that keep names (scalers, selectors) keep the mapping; others
    # (PCA, splines of several columns) make new features that map to no column.
    mapping = _column_map(first, inputs)
    return names, [mapping.get(n) for n in names]


def _dense(values: Any) -> np.ndarray:
    if sp.issparse(values):
        values = values.toarray()
    elif isinstance(values, pd.DataFrame):
        values = values.to_numpy()
    try:
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise MlkitValueError(
            with_hint(
                "'model' gets inputs that are not all numbers after its preprocessing, "
                "which SHAP cannot explain.",
                "encode categories and text in the Pipeline (make_preprocessor does), "
                "or use method='permutation'.",
            )
        ) from None


# ---------------------------------------------------------------------------- explainers

_TREES = (
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
)
# Trees whose leaves hold class probabilities; the boosted ones hold log-odds.
_PROBABILITY_TREES = (
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
)


def _sklearn_class(estimator: Any) -> str | None:
    """The name of a scikit-learn class that ``estimator`` is an instance of."""
    for cls in type(estimator).__mro__:
        if cls.__module__.startswith("sklearn."):
            return cls.__name__
    return None


def _explainer_kind(estimator: Any) -> tuple[str, str | None]:
    """("tree" | "linear" | "agnostic", a note when the obvious choice was not made)."""
    name = _sklearn_class(estimator)
    if name in _TREES:
        if name == "GradientBoostingClassifier" and len(estimator.classes_) > 2:
            return "agnostic", (
                "shap's TreeExplainer supports GradientBoostingClassifier for two "
                "classes only, so the model-agnostic explainer was used."
            )
        return "tree", None
    module = type(estimator).__module__
    linear = module.startswith("sklearn.linear_model") or name in {
        "LinearSVC",
        "LinearSVR",
    }
    if linear and hasattr(estimator, "coef_") and hasattr(estimator, "intercept_"):
        return "linear", None
    return "agnostic", None


def _frame_for(estimator: Any, values: np.ndarray) -> Any:
    # An estimator fitted on a frame warns when given an array: give it a frame.
    names = getattr(estimator, "feature_names_in_", None)
    return values if names is None else pd.DataFrame(values, columns=list(names))


def _linear_parts(estimator: Any) -> tuple[np.ndarray, np.ndarray]:
    coef = estimator.coef_
    coef = np.asarray(coef.toarray() if sp.issparse(coef) else coef, dtype="float64")
    return np.atleast_2d(coef), np.atleast_1d(
        np.asarray(estimator.intercept_, dtype="float64")
    )


def _log_link(estimator: Any, name: str | None) -> bool:
    """Regressors whose trees or coefficients give the log of the prediction."""
    if name in {"HistGradientBoostingRegressor"}:
        return getattr(estimator, "loss", None) in {"poisson", "gamma"}
    if name in {"PoissonRegressor", "GammaRegressor"}:
        return True
    if name == "TweedieRegressor":
        link = getattr(estimator, "link", "auto")
        return link == "log" or (link == "auto" and estimator.power > 0)
    return False


def _outputs(estimator: Any, kind: str) -> tuple[Any, str]:
    """(f(X) -> the outputs SHAP explains, in one or more columns; what they are)."""
    from sklearn.base import is_classifier

    name = _sklearn_class(estimator)
    if not is_classifier(estimator):
        if kind == "linear":
            coef, intercept = _linear_parts(estimator)
            what = (
                "the linear predictor (the log of the prediction)"
                if _log_link(estimator, name)
                else "the prediction"
            )
            return (lambda X: X @ coef.T + intercept), what
        log = _log_link(estimator, name)

        def predict(X: np.ndarray) -> np.ndarray:
            out = np.asarray(estimator.predict(_frame_for(estimator, X)), "float64")
            if out.ndim > 1 and out.shape[1] > 1:
                raise MlkitValueError(
                    with_hint(
                        "'model' predicts several targets at once; SHAP values here "
                        "explain one output.",
                        "explain one model per target.",
                    )
                )
            out = out.reshape(-1, 1)
            return np.log(out) if log else out

        what = "the log of the prediction" if log else "the prediction"
        return predict, what
    classes = list(estimator.classes_)
    positive = (
        f"class {_plain(classes[-1])!r}" if len(classes) == 2 else "the predicted class"
    )
    log_odds = name in {
        "LogisticRegression",
        "LogisticRegressionCV",
        "GradientBoostingClassifier",
        "HistGradientBoostingClassifier",
    }
    if len(classes) > 2:
        # One score per class, turned into probabilities by a softmax.
        what = "raw score (softmax logit)" if log_odds else "decision function (margin)"
    else:
        what = "log-odds" if log_odds else "decision function (margin)"
    if kind == "linear":
        coef, intercept = _linear_parts(estimator)
        return (lambda X: X @ coef.T + intercept), f"the {what} of {positive}"

    def proba(X: np.ndarray) -> np.ndarray:
        return np.asarray(estimator.predict_proba(_frame_for(estimator, X)))

    def decision(X: np.ndarray) -> np.ndarray:
        return np.asarray(estimator.decision_function(_frame_for(estimator, X)))

    if kind == "tree":
        if name in _PROBABILITY_TREES:
            return proba, f"the probability of {positive}"
        return decision, f"the {what} of {positive}"
    # The model-agnostic explainer: the margin where the model has one, one
    # output rather than two mirror images for two classes.
    if hasattr(estimator, "decision_function"):
        return decision, f"the {what} of {positive}"
    if len(classes) == 2:
        return (lambda X: proba(X)[:, 1]), f"the probability of {positive}"
    return proba, f"the probability of {positive}"


def _shap_arrays(
    shap: Any,
    estimator: Any,
    kind: str,
    f: Any,
    Xt: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, str]:
    """(values (n, p, k), base values (n, k), explainer name) for the rows of Xt."""
    n = len(Xt)
    if kind == "tree":
        explainer = shap.TreeExplainer(estimator)
        # mlkit checks additivity itself, on the output it explains, for every
        # explainer alike.
        values = np.asarray(explainer.shap_values(Xt, check_additivity=False))
        base = np.atleast_1d(np.asarray(explainer.expected_value, dtype="float64"))
        name = "TreeExplainer"
    elif kind == "linear":
        coef, intercept = _linear_parts(estimator)
        model = (coef[0], intercept[0]) if len(coef) == 1 else (coef, intercept)
        # The background is the explained sample: the base value is the mean
        # output over it, and each feature's values average to zero there.
        explainer = shap.LinearExplainer(model, shap.maskers.Independent(Xt, n))
        values = np.asarray(explainer.shap_values(Xt))
        base = np.atleast_1d(np.asarray(explainer.expected_value, dtype="float64"))
        name = "LinearExplainer"
    else:
        size = min(AGNOSTIC_BACKGROUND, n)
        background = Xt[np.sort(rng.choice(n, size=size, replace=False))]
        p = Xt.shape[1]
        # shap's permutation explainer seeds and draws from numpy's global
        # generator; the caller's state is put back afterwards.
        state = np.random.get_state()  # noqa: NPY002
        try:
            explainer = shap.PermutationExplainer(
                f,
                shap.maskers.Independent(background, max_samples=size),
                seed=int(rng.integers(2**31 - 1)),
            )
            explanation = explainer(
                Xt, max_evals=AGNOSTIC_PERMUTATIONS * (2 * p + 1), silent=True
            )
        finally:
            np.random.set_state(state)  # noqa: NPY002
        values = np.asarray(explanation.values)
        base = np.asarray(explanation.base_values, dtype="float64")
        name = "PermutationExplainer"
    if values.ndim == 2:
        values = values[:, :, None]
    # One base value per output (tree, linear) or per row and output (agnostic).
    k = values.shape[2]
    base = np.broadcast_to(base.reshape(-1, k), (n, k))
    return values, base, name


# ------------------------------------------------------------------------------ result


@dataclass(frozen=True, repr=False)
class FeatureImportance(Result):
    """How much each feature matters to a model's predictions (chapter 5).

    Attributes
    ----------
    global_importance : pandas.DataFrame
        One row per feature, most important first: ``feature``, ``importance``
        (mean absolute SHAP value, or mean drop of the score when the feature is
        shuffled), ``std`` (of the absolute SHAP values over the explained rows,
        or of the drop over the repeats) and ``share`` of the total importance
        (negative permutation importances count as 0).
    values : pandas.DataFrame or None
        SHAP values: one row per explained row (on the index of ``X``), one
        column per feature, in the unit of :attr:`output`. None for permutation.
    data : pandas.DataFrame or None
        The explained rows' feature values, the same shape as :attr:`values`:
        original values for original columns, encoded ones for transformed
        features.
    base_values : pandas.Series or None
        The model's average output that each row's values start from; the same
        for every row but in a multiclass model, where each row explains its
        predicted class.
    transformed_values : pandas.DataFrame or None
        SHAP values of the transformed features, before they are summed back to
        original columns; :attr:`values` itself when they are not.
    feature_groups : pandas.Series or None
        For each transformed feature, the original column it is summed into.
    method : {"shap", "permutation"}
    explainer : str
        ``TreeExplainer``, ``LinearExplainer``, ``PermutationExplainer`` (the
        model-agnostic one) or ``permutation_importance``.
    output : str
        What the SHAP values explain (``"the log-odds of class 1"``), or the score
        whose drop permutation importance measures.
    additivity_error : float or None
        The largest difference between a row's SHAP values plus its base value
        and the model's output: zero up to rounding when the values are right.
    notes : tuple of str
        What the reader should know about how the numbers were made.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    >>> y = 3 * X["a"] + rng.normal(size=200)
    >>> model = LinearRegression().fit(X[:100], y[:100])
    >>> result = feature_importance(model, X[100:], y[100:], method="permutation",
    ...                             random_state=0)
    >>> result.to_frame()["feature"].tolist()
    ['a', 'b']
    >>> result.values is None
    True
    """

    title: ClassVar[str] = "Feature importance"
    global_importance: pd.DataFrame
    values: pd.DataFrame | None
    data: pd.DataFrame | None
    base_values: pd.Series | None
    transformed_values: pd.DataFrame | None
    feature_groups: pd.Series | None
    method: str
    explainer: str
    output: str
    model_name: str
    n_rows: int
    n_total: int
    additivity_error: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def base_value(self) -> float | None:
        """The base value shared by every explained row; None for permutation
        importance and for a multiclass model (see :attr:`base_values`)."""
        if self.base_values is None or self.base_values.nunique() > 1:
            return None
        return float(self.base_values.iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """The :attr:`global_importance` table: ``feature``, ``importance``, ``std``,
        ``share``."""
        return self.global_importance.copy()

    def _row(self, i: Any) -> int:
        if self.values is None:
            raise MlkitValueError(
                with_hint(
                    "Contributions to one prediction exist for method='shap' only; this "
                    "is permutation importance.",
                    "call feature_importance(..., method='shap').",
                )
            )
        n = len(self.values)
        integer = not isinstance(i, bool) and isinstance(i, numbers.Integral)
        if not integer or not -n <= i < n:
            raise MlkitValueError(
                with_hint(
                    ROW_ERROR.format(last=n - 1, got=i),
                    "rows are numbered in the order of .values; its index holds the "
                    "labels of the rows of X.",
                )
            )
        return int(i) % n

    def for_row(self, i: int) -> pd.DataFrame:
        """One explained row: ``feature``, its ``value`` and its ``contribution``.

        ``i`` is the row's position in :attr:`values` (whose index holds its label
        in ``X``). Sorted by the size of the contribution; the contributions add up
        to the row's output minus its base value.
        """
        row = self._row(i)
        contributions = self.values.iloc[row]
        frame = pd.DataFrame(
            {
                "feature": list(self.values.columns),
                "value": list(self.data.iloc[row]),
                "contribution": contributions.to_numpy(dtype="float64"),
            }
        )
        order = np.argsort(-np.abs(frame["contribution"].to_numpy()), kind="stable")
        return frame.iloc[order].reset_index(drop=True)

    def row_chart(self, i: int, *, max_features: int = 12) -> alt.LayerChart:
        """A waterfall of one prediction: from the base value, feature by feature,
        to the model's output; the smallest contributions are summed as one step."""
        from mlkit.charts import waterfall_chart

        row = self._row(i)
        frame = self.for_row(row)
        max_features = check_int(max_features, "max_features", 1, "12")
        shown = frame.head(max_features)
        labels = [
            f"{f} = {_text(v)}"
            for f, v in zip(shown["feature"], shown["value"], strict=True)
        ]
        steps = pd.DataFrame({"feature": labels, "contribution": shown["contribution"]})
        rest = frame.iloc[max_features:]
        if len(rest):
            steps.loc[len(steps)] = [
                f"{len(rest)} other features",
                float(rest["contribution"].sum()),
            ]
        base = float(self.base_values.iloc[row])
        total = base + float(frame["contribution"].sum())
        return waterfall_chart(
            steps,
            base=base,
            title=f"Why row {self.values.index[row]!r} gets {total:.4g}",
            subtitle=f"SHAP values of {self.output}, from the base value {base:.4g}",
            x_title=self.output,
        )

    def chart(self) -> alt.LayerChart:
        """The most important features (at most 20) as bars; permutation importance
        with a line of ± one standard deviation over the repeats."""
        from mlkit.charts import importance_chart

        permutation = self.method == "permutation"
        n = len(self.global_importance)
        return importance_chart(
            self.global_importance,
            error="std" if permutation else None,
            title=("Permutation importance" if permutation else "Mean |SHAP value|")
            + f" of {self.model_name}",
            subtitle=(f"Top 20 of {n} features; " if n > 20 else "")
            + (
                f"drop in {self.output} when the feature is shuffled, over "
                f"{self.n_rows:,} rows"
                if permutation
                else f"effect on {self.output}, over {self.n_rows:,} rows"
            ),
            x_title=(
                f"drop in {self.output}"
                if permutation
                else f"mean |SHAP| ({self.output})"
            ),
        )

    def explain(self) -> str:
        top = self.global_importance.iloc[0] if len(self.global_importance) else None
        lead = (
            f"{top['feature']!r} matters most, with {top['share']:.0%} of the total"
            if top is not None and top["importance"] > 0
            else "no feature matters"
        )
        caveat = (
            "Importance describes the model, not the world: it is not causation, and "
            "features that carry the same information share the credit, so each can "
            "look less important than what it carries."
        )
        if self.method == "shap":
            text = (
                f"SHAP values of {self.model_name} ({self.explainer}) on {self.n_rows:,} "
                f"rows, explaining {self.output}: {lead}. Each value is how much one "
                "feature moved one prediction away from the model's average output; a "
                "feature's importance is the mean of their sizes, and a row's values add "
                "up to its output minus that average"
                + (
                    f" (here to within {self.additivity_error:.1g})"
                    if self.additivity_error is not None
                    else ""
                )
                + f". {caveat}"
            )
        else:
            text = (
                f"Permutation importance of {self.model_name} on {self.n_rows:,} rows: "
                f"{lead}. A feature's importance is how much {self.output} drops when its "
                "column is shuffled, which cuts its link to the target. On held-out "
                "rows this shows what the model relies on to generalise; on its "
                f"training rows it would show what it memorised. {caveat} Shuffling "
                "one of two correlated features costs little, as the other covers for "
                "it, and makes rows that never occur."
            )
        notes = " ".join(self.notes)
        return f"{text} {notes + ' ' if notes else ''}Chapter 5, feature importance."


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _text(value: Any, limit: int = 30) -> str:
    """A feature's value as short text, for labels and examples."""
    value = _plain(value)
    if isinstance(value, float):
        text = "missing" if math.isnan(value) else f"{value:.4g}"
    elif value is None or value is pd.NaT or value is pd.NA:
        text = "missing"
    else:
        text = str(value)
    return readable(text, limit)


def _global_table(
    features: list[str], importance: np.ndarray, std: np.ndarray
) -> pd.DataFrame:
    positive = np.clip(importance, 0.0, None)
    total = positive.sum()
    share = positive / total if total > 0 else np.zeros(len(positive))
    table = pd.DataFrame(
        {
            "feature": pd.Series(features, dtype="str"),
            "importance": importance.astype("float64"),
            "std": std.astype("float64"),
            "share": share,
        }
    )
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(
        drop=True
    )


def _scorer(scoring: Any, model: Any) -> tuple[Any, str]:
    """(what permutation_importance takes, the score's name)."""
    from sklearn.base import is_classifier
    from sklearn.metrics import get_scorer_names

    if scoring is None:
        # permutation_importance then uses the model's own score method.
        return None, "accuracy" if is_classifier(model) else "R²"
    if callable(scoring):
        return scoring, getattr(scoring, "__name__", "the score")
    if isinstance(scoring, str):
        if scoring in get_scorer_names():
            return scoring, scoring
        # mlkit.evaluation is imported only here, for mlkit's own metric names.
        from mlkit.evaluation._metrics import METRICS

        if scoring in METRICS:
            return METRICS[scoring], scoring
        allowed = sorted(METRICS)
    else:
        allowed = []
    raise MlkitValueError(
        with_hint(
            f"'scoring' must be None, a metric name or a scikit-learn scorer; got "
            f"{scoring!r}.",
            f"pass one of {', '.join(allowed)} or a name from "
            "sklearn.metrics.get_scorer_names().",
        )
    )


def _permutation(
    model: Any,
    X_model: Any,
    columns: list[str],
    y: Any,
    *,
    n_repeats: int,
    scoring: Any,
    random_state: Any,
    notes: tuple[str, ...] = (),
) -> FeatureImportance:
    from sklearn.inspection import permutation_importance

    n = n_rows(X_model, "X")
    if y is None:
        raise MlkitValueError(
            with_hint(
                "method='permutation' needs 'y', the true targets of the rows of X.",
                "pass held-out rows and their targets: feature_importance(model, "
                "X_test, y_test, method='permutation').",
            )
        )
    target = as_1d(y, "y", length=n)
    if pd.isna(target).any():
        raise MlkitValueError(
            with_hint(
                f"'y' has {int(pd.isna(target).sum()):,} missing value(s).",
                "drop the rows without a target from X and y.",
            )
        )
    scorer, score_name = _scorer(scoring, model)
    with model_errors("model", "be scored on 'X' and 'y'"):
        result = permutation_importance(
            model,
            X_model,
            target,
            scoring=scorer,
            n_repeats=n_repeats,
            random_state=_sklearn_seed(random_state),
        )
    _, estimator = _split_model(model)
    return FeatureImportance(
        global_importance=_global_table(
            columns, result.importances_mean, result.importances_std
        ),
        values=None,
        data=None,
        base_values=None,
        transformed_values=None,
        feature_groups=None,
        method="permutation",
        explainer="permutation_importance",
        output=score_name,
        model_name=type(estimator).__name__,
        n_rows=n,
        n_total=n,
        notes=(
            *notes,
            f"Each feature was shuffled {n_repeats} times; 'std' is the spread of the "
            "drop over the repeats.",
        ),
    )


def feature_importance(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    method: ImportanceMethod = "shap",
    n_samples: int = 1000,
    n_repeats: int = 5,
    scoring: Any = None,
    group_columns: bool = True,
    random_state: Any = None,
) -> FeatureImportance:
    """How much each feature matters to a fitted model: SHAP values or permutation.

    **SHAP** (``method="shap"``) splits each prediction into one contribution per
    feature, which add up to the prediction minus the model's average output. For
    a Pipeline, the final estimator is explained on the transformed inputs
    (numbers and one-hot columns, with their ``get_feature_names_out`` names), on
    a random sample of ``n_samples`` rows of ``X``:

    - trees (scikit-learn's forests, gradient boosting, histogram gradient
      boosting) with shap's ``TreeExplainer``, exact and fast;
    - linear models with ``LinearExplainer``, against the mean of the sample;
    - any other model with a model-agnostic permutation explainer against a
      background of rows of the sample; it is far slower, so it explains at most
      :data:`AGNOSTIC_MAX_ROWS` rows.

    What is explained is the model's raw output: the log-odds of the positive
    class for boosted trees and logistic regression, the probability for forests,
    the decision function of other linear classifiers, the prediction for a
    regressor. A multiclass model's rows are each explained for the class the
    model predicts for them. With ``group_columns``, the contributions of the
    transformed features are summed back to the column they come from (a
    category's one-hot columns, a text's TF-IDF terms), through the Pipeline's
    ColumnTransformer.

    **Permutation** (``method="permutation"``) shuffles one original column at a
    time (the Pipeline encodes inside) and measures how much the score drops,
    with scikit-learn's ``permutation_importance``. Pass **held-out** rows as
    ``X`` and ``y``: on training rows it measures what the model memorised.

    Parameters
    ----------
    model : fitted scikit-learn model or Pipeline
        A Pipeline's last step is the model; the steps before it transform the
        data, for example :func:`make_preprocessor`.
    X : pandas.DataFrame or array-like
        Rows with the columns the model was fitted on. Not modified.
    y : array-like, optional
        The true targets of ``X``; needed for permutation importance.
    method : {"shap", "permutation"}, default "shap"
        Where shap is not installed (Intel Macs), SHAP falls back to permutation
        importance when ``y`` is given, with a :class:`ShapUnavailableWarning`.
    n_samples : int, default 1000
        Rows of ``X`` to explain with SHAP; all of them when there are fewer.
        Permutation importance uses every row.
    n_repeats : int, default 5
        Shuffles of each column for permutation importance.
    scoring : str or callable, optional
        The score for permutation importance: a metric name of
        ``mlkit.evaluation.METRICS`` (``"pr_auc"``, ``"mae"``, ...), any
        scikit-learn scorer name, or a scorer; the model's ``score`` by default.
    group_columns : bool, default True
        Report SHAP values per original column rather than per transformed
        feature; both are kept.
    random_state : None, int or numpy.random.Generator
        Seed for the sample of rows and the shuffles.

    Returns
    -------
    FeatureImportance
        ``.global_importance``, ``.values``, ``.for_row(i)``, ``.chart()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    >>> y = 2 * X["a"] + 0.1 * rng.normal(size=300)
    >>> model = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y)
    >>> result = feature_importance(model, X, n_samples=50, random_state=0)
    >>> result.explainer, result.to_frame()["feature"].iloc[0]
    ('TreeExplainer', 'a')
    >>> bool(result.additivity_error < 1e-6)
    True
    """
    method = check_choice(method, IMPORTANCE_METHODS, "method")
    n_samples = check_int(n_samples, "n_samples", 1, "1000")
    n_repeats = check_int(n_repeats, "n_repeats", 1, "5")
    if not isinstance(group_columns, bool):
        raise MlkitTypeError(
            with_hint(
                f"'group_columns' must be True or False; got {group_columns!r}.",
                "pass group_columns=False to keep the transformed features apart.",
            )
        )
    _check_model(model)
    X_model, columns, display = _check_X(model, X)
    if method == "permutation":
        return _permutation(
            model,
            X_model,
            columns,
            y,
            n_repeats=n_repeats,
            scoring=scoring,
            random_state=random_state,
        )
    try:
        shap = _import_shap(
            "compute SHAP values (or pass held-out y with method='permutation')"
        )
    except ImportError:
        if y is None:
            raise
        warnings.warn(
            "shap is not installed, so permutation importance was computed instead, "
            "on the rows of X as held-out data.",
            ShapUnavailableWarning,
            stacklevel=2,
        )
        return _permutation(
            model,
            X_model,
            columns,
            y,
            n_repeats=n_repeats,
            scoring=scoring,
            random_state=random_state,
            notes=(
                "shap is not installed here (it has no wheels for Intel Macs), so "
                "these are permutation importances.",
            ),
        )
    return _shap_importance(
        shap,
        model,
        X_model,
        columns,
        display,
        n_samples=n_samples,
        group_columns=group_columns,
        rng=check_random_state(random_state),
    )


def _shap_importance(
    shap: Any,
    model: Any,
    X_model: Any,
    columns: list[str],
    display: pd.DataFrame,
    *,
    n_samples: int,
    group_columns: bool,
    rng: np.random.Generator,
) -> FeatureImportance:
    pre, estimator = _split_model(model)
    kind, note = _explainer_kind(estimator)
    notes = [note] if note else []
    n_total = len(display)
    size = min(n_samples, n_total)
    if kind == "agnostic" and size > AGNOSTIC_MAX_ROWS:
        size = AGNOSTIC_MAX_ROWS
        notes.append(
            f"The model-agnostic explainer is slow, so it explained {size} rows only."
        )
    positions = (
        np.arange(n_total)
        if size == n_total
        else np.sort(rng.choice(n_total, size=size, replace=False))
    )
    if size < n_total:
        notes.append(
            f"A random sample of {size:,} of the {n_total:,} rows was explained."
        )
    rows = take_rows(X_model, positions)
    if pre is None:
        Xt = _dense(rows)
        names, origins = list(columns), list(columns)
    else:
        with model_errors("model", "transform 'X' with the steps before its model"):
            transformed = pre.transform(rows)
        Xt = _dense(transformed)
        names, origins = _transformed_features(pre, columns, Xt.shape[1])
    f, output = _outputs(estimator, kind)
    with model_errors("model", "be explained on the rows of 'X'"):
        values3, base2, explainer = _shap_arrays(shap, estimator, kind, f, Xt, rng)
        outputs = np.asarray(f(Xt), dtype="float64").reshape(len(Xt), -1)
        if outputs.shape[1] == 1:
            picked = np.zeros(len(Xt), dtype=int)
        elif outputs.shape[1] == 2 and len(getattr(estimator, "classes_", ())) == 2:
            picked = np.ones(len(Xt), dtype=int)
        else:
            # Multiclass: each row explains the class the model predicts for it.
            predicted = np.asarray(estimator.predict(_frame_for(estimator, Xt)))
            index = {c: i for i, c in enumerate(estimator.classes_)}
            picked = np.array([index[c] for c in predicted])
    take = np.arange(len(Xt))
    values = values3[take, :, picked]
    base = base2[take, picked]
    explained = outputs[take, picked]
    error = float(np.max(np.abs(values.sum(axis=1) + base - explained)))
    scale = max(1.0, float(np.max(np.abs(explained))))
    if error > ADDITIVITY_TOLERANCE * scale:
        warnings.warn(
            f"The SHAP values of this {type(estimator).__name__} miss the model's output "
            f"by up to {error:.3g}: do not trust them.",
            AdditivityWarning,
            stacklevel=3,
        )
        notes.append(
            f"The SHAP values miss the model's output by up to {error:.3g}: do not "
            "trust them."
        )
    index = display.index[positions]
    transformed = pd.DataFrame(values, index=index, columns=names)
    transformed_data = pd.DataFrame(Xt, index=index, columns=names)
    groups = pd.Series(
        [o if o is not None else n for n, o in zip(names, origins, strict=True)],
        index=pd.Index(names, name="feature"),
        name="column",
        dtype="str",
    )
    untraced = [n for n, o in zip(names, origins, strict=True) if o is None]
    if group_columns and pre is not None and len(untraced) < len(names):
        if untraced:
            notes.append(
                f"{len(untraced)} transformed feature(s) could not be traced to an "
                f"original column and are shown as they are, such as {untraced[0]!r}."
            )
        # Original columns in the order of X, then features traced to none.
        present = set(groups)
        order = [c for c in columns if c in present] + [
            g for g in dict.fromkeys(groups) if g not in set(columns)
        ]
        codes = pd.Index(order).get_indexer(groups)
        summed = np.zeros((len(values), len(order)))
        np.add.at(summed.T, codes, values.T)
        shown = pd.DataFrame(summed, index=index, columns=order)
        source = display.iloc[positions]
        data = pd.DataFrame(
            {
                g: source[g].to_numpy() if g in source.columns else transformed_data[g]
                for g in order
            },
            index=index,
        )
    else:
        if group_columns and pre is not None:
            notes.append(
                "The transformed features could not be traced to original columns, "
                "so they are shown as they are."
            )
        shown, data = transformed, transformed_data
    magnitude = shown.abs()
    return FeatureImportance(
        global_importance=_global_table(
            list(shown.columns),
            magnitude.mean().to_numpy(),
            magnitude.std(ddof=0).to_numpy(),
        ),
        values=shown,
        data=data,
        base_values=pd.Series(base, index=index, name="base_value"),
        transformed_values=transformed,
        feature_groups=groups,
        method="shap",
        explainer=explainer,
        output=output,
        model_name=type(estimator).__name__,
        n_rows=len(positions),
        n_total=n_total,
        additivity_error=error,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- leaks

#: The most features that :func:`feature_leaks` flags together as dominant: leaks
#: come in pairs or trios that add up to the target (casual + registered = count).
MAX_LEADERS = 3
#: A feature with less than this share of the importance leads nothing.
MIN_LEADER_SHARE = 0.05
_FINDING_COLUMNS = ["check", "feature", "evidence", "what to do"]


@dataclass(frozen=True, repr=False)
class FeatureLeaks(Result):
    """Signs that features leak the target or the future (chapter 5).

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per finding: ``check`` (``"dominant importance"`` or
        ``"value after prediction time"``), ``feature``, ``evidence`` and
        ``what to do``. Empty when nothing was found.
    importance : pandas.DataFrame
        The importance table checked, with a boolean column ``flagged``.
    checks : tuple of str
        The checks that ran.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlkit.features import FeatureImportance
    >>> table = pd.DataFrame({"feature": ["x", "y"], "importance": [0.9, 0.1],
    ...                       "std": [0.0, 0.0], "share": [0.9, 0.1]})
    >>> importance = FeatureImportance(
    ...     global_importance=table, values=None, data=None, base_values=None,
    ...     transformed_values=None, feature_groups=None, method="permutation",
    ...     explainer="permutation_importance", output="r2", model_name="Ridge",
    ...     n_rows=100, n_total=100)
    >>> leaks = feature_leaks(importance)
    >>> leaks.ok, leaks.findings["feature"].tolist()
    (False, ['x'])
    """

    title: ClassVar[str] = "Leaks through features"
    findings: pd.DataFrame
    importance: pd.DataFrame
    checks: tuple[str, ...]
    max_share: float
    ratio: float

    @property
    def ok(self) -> bool:
        """True when no check found anything."""
        return self.findings.empty

    def to_frame(self) -> pd.DataFrame:
        """The :attr:`findings`."""
        return self.findings.copy()

    def chart(self) -> alt.LayerChart:
        """The importance of each feature, flagged ones in vermillion."""
        from mlkit.charts import importance_chart

        return importance_chart(
            self.importance,
            value="share",
            highlight="flagged",
            title="Share of the importance per feature",
            subtitle=(
                f"Flagged: over {self.max_share:.0%} of the total and {self.ratio:g} "
                "times the next feature"
            ),
            x_title="share of the total importance",
        )

    def explain(self) -> str:
        if self.ok:
            verdict = "No feature looks like a leak"
        else:
            flagged = ", ".join(map(repr, dict.fromkeys(self.findings["feature"])))
            verdict = f"{len(self.findings)} sign(s) of leakage, about {flagged}"
        return (
            f"{verdict}. Checks run: {', '.join(self.checks)}. A feature that carries "
            "most of a model's importance, far ahead of the next one, is often the "
            "target under another name or a value recorded after the prediction "
            "would be made; legitimate features rarely dominate like that. A leak "
            "makes offline metrics better than deployment will be. Look at how each "
            "flagged feature is made and when its value is known, and keep only what "
            "exists at prediction time (chapter 5, data leakage)."
        )


def _dominant(table: pd.DataFrame, max_share: float, ratio: float) -> list[str]:
    """The leading features, if together they take more than ``max_share`` of the
    importance and the last of them has ``ratio`` times the next one's.

    The leaders end at the largest drop of importance between consecutive
    features among the first :data:`MAX_LEADERS` + 1, counting only features with
    at least :data:`MIN_LEADER_SHARE` of the total as leaders: two leaks that
    share the importance are flagged together, and a legitimate feature after a
    single leak is not.
    """
    # A missing importance counts as none.
    importance = np.clip(
        np.nan_to_num(table["importance"].to_numpy(dtype="float64"), nan=0.0),
        0.0,
        None,
    )
    total = importance.sum()
    if not total > 0:
        return []
    k_max = min(
        MAX_LEADERS,
        len(importance) - 1,
        int((importance / total >= MIN_LEADER_SHARE).sum()),
    )
    if k_max < 1:
        return []
    head, following = importance[:k_max], importance[1 : k_max + 1]
    drops = np.full(k_max, np.inf)
    with np.errstate(over="ignore"):  # a ratio past 1e308 is infinite, as meant
        np.divide(head, following, out=drops, where=following > 0)
    k = int(np.argmax(drops)) + 1
    if importance[:k].sum() / total > max_share and drops[k - 1] >= ratio:
        return table["feature"].iloc[:k].tolist()
    return []


def _ratio(a: float, b: float) -> str:
    """``a / b`` to one decimal, for a message; beyond floats it is "over 1e308"."""
    with np.errstate(over="ignore"):
        value = np.float64(a) / np.float64(b)
    return f"{value:.1f}" if np.isfinite(value) else "over 1e308"


def feature_leaks(
    importance: FeatureImportance,
    *,
    max_share: float = 0.5,
    ratio: float = 3.0,
    data: pd.DataFrame | None = None,
    time_column: str | None = None,
) -> FeatureLeaks:
    """Features that look like leaks: implausibly dominant, or known too late.

    - **dominant importance**: a feature whose share of the total importance
      exceeds ``max_share`` and is at least ``ratio`` times the next feature's.
      Leaked columns often come in pairs that add up to the target (casual and
      registered riders make the total count) and share the importance between
      them, so the leaders may be two or three features: they end at the largest
      drop of importance among the first four (a feature with under 5 % of the
      total never leads), their shares are summed, and the last of them is
      compared with the next feature. The finding asks for a check, not a
      verdict: with few features, strong legitimate ones can dominate too.
    - **value after prediction time** (with ``data`` and ``time_column``):
      datetime columns whose value is later than the row's time, so that it would
      not exist when the prediction is made (a closing date, a last login).

    Parameters
    ----------
    importance : FeatureImportance
        From :func:`feature_importance`; held-out permutation importance or SHAP.
    max_share : float, default 0.5
        Share of the total importance, in (0, 1), above which leaders are
        suspicious.
    ratio : float, default 3.0
        How many times the next feature's importance they must have, above 1.
    data : pandas.DataFrame, optional
        Rows with the time of each prediction and the other datetime columns.
    time_column : str, optional
        The column of ``data`` with when each prediction is made.

    Returns
    -------
    FeatureLeaks
        ``.findings`` and ``.ok``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"applied": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...                      "closed": pd.to_datetime(["2024-03-01", "2024-01-15"])})
    >>> table = pd.DataFrame({"feature": ["a", "b", "c"], "importance": [0.4, 0.35, 0.25],
    ...                       "std": 0.0, "share": [0.4, 0.35, 0.25]})
    >>> importance = FeatureImportance(
    ...     global_importance=table, values=None, data=None, base_values=None,
    ...     transformed_values=None, feature_groups=None, method="permutation",
    ...     explainer="permutation_importance", output="r2", model_name="Ridge",
    ...     n_rows=2, n_total=2)
    >>> leaks = feature_leaks(importance, data=data, time_column="applied")
    >>> leaks.findings[["check", "feature"]].values.tolist()
    [['value after prediction time', 'closed']]
    """
    from mlkit.splitting import _check_unique_columns, _times

    if not isinstance(importance, FeatureImportance):
        raise MlkitTypeError(
            with_hint(
                f"'importance' must be a FeatureImportance; got {type(importance).__name__}.",
                "pass the result of mk.features.feature_importance(model, X, y).",
            )
        )
    max_share = check_number(
        max_share,
        "max_share",
        low=0,
        high=1,
        open_low=True,
        open_high=True,
        example="0.5",
    )
    ratio = check_number(
        ratio, "ratio", low=1, open_low=True, open_high=True, example="3.0"
    )
    if (data is None) != (time_column is None):
        given, missing = (
            ("data", "time_column") if data is not None else ("time_column", "data")
        )
        raise MlkitValueError(
            with_hint(
                f"'{given}' was given without '{missing}'; the time check needs both.",
                "pass the rows as data= and the column with the prediction time as "
                "time_column=, or neither.",
            )
        )
    findings: list[dict[str, str]] = []
    checks = ["dominant importance"]
    table = importance.global_importance
    leaders = _dominant(table, max_share, ratio)
    if leaders:
        k = len(leaders)
        importances = np.clip(
            np.nan_to_num(table["importance"].to_numpy(dtype="float64"), nan=0.0),
            0,
            None,
        )
        shares = table["share"].to_numpy(dtype="float64")
        following = str(table["feature"].iloc[k])
        if importances[k] <= 0:
            gap = f"; the next feature, {following!r}, has none"
        elif k == 1:
            gap = (
                f", {_ratio(importances[0], importances[1])} times that of the next "
                f"feature, {following!r}"
            )
        else:
            gap = (
                f", and the next feature, {following!r}, has "
                f"{_ratio(importances[k - 1], importances[k])} times less than "
                f"{leaders[-1]!r}"
            )
        for j, feature in enumerate(leaders):
            others = [f for f in leaders if f != feature]
            together = (
                f"; with {', '.join(map(repr, others))} it takes {shares[:k].sum():.0%}"
                if others
                else ""
            )
            findings.append(
                {
                    "check": "dominant importance",
                    "feature": str(feature),
                    "evidence": (
                        f"{feature!r} has {shares[j]:.0%} of the total importance"
                        f"{together}{gap}."
                    ),
                    "what to do": (
                        "check how it is made and when its value is known: is it the "
                        "target under another name, a part of it, or recorded after "
                        "the prediction? Drop it if so, and see how much the metric "
                        "falls."
                    ),
                }
            )
    if data is not None:
        check_frame(data, "data")
        _check_unique_columns(data, "data")
        checks.append("value after prediction time")
        times = _times(data, time_column)
        if not pd.api.types.is_datetime64_any_dtype(times):
            raise MlkitValueError(
                with_hint(
                    f"'time_column' names {time_column!r}, which holds numbers, not dates.",
                    "convert it with pandas.to_datetime.",
                )
            )
        for column in data.columns:
            if column == time_column or not pd.api.types.is_datetime64_any_dtype(
                data[column]
            ):
                continue
            try:
                later = (data[column] > times).fillna(False).to_numpy(dtype=bool)
            except TypeError:
                raise MlkitValueError(
                    with_hint(
                        f"'data' has the column {column!r} and 'time_column' "
                        f"{time_column!r}, which cannot be compared: one has a time "
                        "zone and the other not.",
                        "convert both to UTC with .dt.tz_convert('UTC') or "
                        ".dt.tz_localize('UTC').",
                    )
                ) from None
            count = int(later.sum())
            if count:
                ahead = (data[column] - times)[later]
                findings.append(
                    {
                        "check": "value after prediction time",
                        "feature": str(column),
                        "evidence": (
                            f"{count:,} of {len(data):,} rows ({count / len(data):.1%}) "
                            f"have {column!r} later than {time_column!r}, by "
                            f"{ahead.median()} in the median row."
                        ),
                        "what to do": (
                            "a value from after the prediction does not exist when the "
                            "model predicts: drop the column, or use its value as of the "
                            "prediction time (a point-in-time join)."
                        ),
                    }
                )
    flagged = table.assign(flagged=table["feature"].isin(leaders))
    return FeatureLeaks(
        findings=pd.DataFrame(findings, columns=_FINDING_COLUMNS),
        importance=flagged,
        checks=tuple(checks),
        max_share=max_share,
        ratio=ratio,
    )


# --------------------------------------------------------------------------- generalisation

_GENERALISATION_COLUMNS = [
    "feature",
    "kind",
    "unseen share",
    "below share",
    "above share",
    "examples",
    "seen in training",
]
#: Unseen values listed as examples per feature.
MAX_EXAMPLES = 3


@dataclass(frozen=True, repr=False)
class Generalisation(Result):
    """How far the test rows' values go beyond what training saw (chapter 5).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per feature, the least covered first: ``feature``; ``kind``
        (``number``, ``date``, ``category``, ``boolean`` or ``identifier``);
        ``unseen share``, the share of test rows whose value training never
        saw (outside the training range for numbers and dates); ``below share``
        and ``above share`` (numbers and dates; missing otherwise); up to three
        ``examples`` of unseen values; and what was ``seen in training``.
    skipped : tuple of str
        Free-text columns, which are not checked.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"n": [1, 2, 3], "c": ["a", "b", "a"]})
    >>> test = pd.DataFrame({"n": [2, 5], "c": ["a", "z"]})
    >>> result = generalisation(train, test)
    >>> result.to_frame()[["feature", "unseen share", "above share"]].values.tolist()
    [['n', 0.5, 0.5], ['c', 0.5, nan]]
    """

    title: ClassVar[str] = "Values beyond training"
    table: pd.DataFrame
    skipped: tuple[str, ...]
    n_train: int
    n_test: int

    def to_frame(self) -> pd.DataFrame:
        """The :attr:`table`."""
        return self.table.copy()

    def chart(self) -> alt.Chart:
        """Per feature, the share of test rows below or above the training range,
        or with a value never seen."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title, message_chart

        table = self.table
        if table.empty or not (table["unseen share"] > 0).any():
            return message_chart(
                "Every test value was seen in training, or lies within its range.",
                title="Values beyond training",
            )
        parts = []
        for _, row in table.iterrows():
            if row["kind"] in {"number", "date"}:
                parts.append(
                    (row["feature"], "below the training range", row["below share"])
                )
                parts.append(
                    (row["feature"], "above the training range", row["above share"])
                )
            else:
                parts.append(
                    (row["feature"], "never seen in training", row["unseen share"])
                )
        long = pd.DataFrame(parts, columns=["feature", "where", "share"])
        kinds = [
            "below the training range",
            "above the training range",
            "never seen in training",
        ]
        return (
            alt.Chart(long)
            .mark_bar()
            .encode(
                y=alt.Y(
                    "feature:N",
                    sort=table["feature"].tolist(),
                    title=None,
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=220),
                ),
                x=alt.X(
                    "share:Q",
                    stack="zero",
                    title="share of test rows",
                    axis=alt.Axis(format="%", tickCount=5, labelFontSize=FONT_SIZE),
                ),
                color=alt.Color(
                    "where:N",
                    sort=kinds,
                    scale=alt.Scale(
                        domain=kinds, range=[PALETTE[0], PALETTE[3], PALETTE[1]]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("feature:N"),
                    alt.Tooltip("where:N"),
                    alt.Tooltip("share:Q", format=".1%"),
                ],
            )
            .properties(
                width=380,
                height=alt.Step(18),
                title=_title(
                    "Test values beyond what training saw",
                    f"{self.n_test:,} test rows against {self.n_train:,} training rows",
                ),
            )
        )

    def explain(self) -> str:
        table = self.table
        worst = table.iloc[0] if len(table) else None
        if worst is None or worst["unseen share"] == 0:
            lead = "Every test value lies within what training saw"
        else:
            lead = (
                f"{worst['feature']!r} has the most test rows beyond training, "
                f"{worst['unseen share']:.1%}"
            )
        skipped = (
            f" Free text was not checked: {', '.join(map(repr, self.skipped))}."
            if self.skipped
            else ""
        )
        dates = table[(table["kind"] == "date") & (table["above share"] > 0.5)]
        if len(dates):
            skipped = (
                f" The dates of {', '.join(map(repr, dates['feature']))} lie beyond "
                "training, as they must in a later test part: a model should use "
                "features derived from a date (hour, day of the week), not the date "
                "itself." + skipped
            )
        return (
            f"{lead}. A model generalises only to values like those it saw: a tree "
            "predicts a number above the training range as if it were the largest one "
            "seen, and a category it never saw gets no weight of its own. Give new "
            "categories a fallback (scikit-learn's handle_unknown, an 'other' bucket, "
            "the hashing trick), watch the features with the largest shares in "
            "production, and collect data that cover the feature space the model "
            f"will meet (chapter 5, feature generalisation).{skipped}"
        )


def _kind(values: pd.Series) -> str:
    from mlkit.splitting import MIN_WORDS, _mean_words

    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_timedelta64_dtype(
        values
    ):
        return "number"
    if isinstance(values.dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_string_dtype(values) and _mean_words(values) >= MIN_WORDS:
        return "text"
    present = values.dropna()
    if len(present) and present.nunique() >= 0.99 * len(present) and len(present) >= 20:
        # (Almost) never repeated: an identifier, which never generalises.
        return "identifier"
    return "category"


def generalisation(
    train: pd.DataFrame, test: pd.DataFrame, *, columns: Sequence[str] | None = None
) -> Generalisation:
    """Per feature, the share of test rows whose value training never saw.

    Categories and booleans: a value absent from the training rows. Numbers and
    dates: a value below the training minimum or above its maximum. Missing
    values count as neither; free-text columns (whose values average five words
    or more) are skipped. Shares are of all test rows.

    Parameters
    ----------
    train, test : pandas.DataFrame
        The rows a model learns from, and the rows it will meet (a later test
        part, or production data). Not modified.
    columns : sequence of str, optional
        The features to check; by default every column of ``train``.

    Returns
    -------
    Generalisation
        ``.to_frame()``, ``.chart()``, ``.explain()``.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"temp": [10.0, 20.0, 30.0]})
    >>> test = pd.DataFrame({"temp": [5.0, 25.0, 35.0, 40.0]})
    >>> generalisation(train, test).to_frame()[["below share", "above share"]].values
    array([[0.25, 0.5 ]])
    """
    from mlkit.splitting import _check_unique_columns

    check_frame(train, "train")
    check_frame(test, "test")
    _check_unique_columns(train, "train")
    _check_unique_columns(test, "test")
    if columns is None:
        columns = list(train.columns)
    else:
        columns = _column_list(columns, "columns", [])
        check_columns(train, columns, "columns")
    check_columns(test, columns, "columns")
    n = len(test)
    rows = []
    skipped = []
    for column in columns:
        seen, new = train[column], test[column]
        kind = _kind(seen)
        if kind == "text":
            skipped.append(str(column))
            continue
        present = new.notna().to_numpy()
        below = above = float("nan")
        if kind in {"number", "date"}:
            low, high = seen.min(), seen.max()
            if pd.isna(low):
                # Training has no value at all: every test value is new, on no side.
                out_low = out_high = np.zeros(n, dtype=bool)
                unseen_mask = present
            else:
                out_low = present & (new < low).fillna(False).to_numpy(dtype=bool)
                out_high = present & (new > high).fillna(False).to_numpy(dtype=bool)
                below, above = out_low.sum() / n, out_high.sum() / n
                unseen_mask = out_low | out_high
            examples = [
                f"{_text(new[out_low].min())} (below)" if out_low.any() else "",
                f"{_text(new[out_high].max())} (above)" if out_high.any() else "",
            ]
            examples = [e for e in examples if e]
            span = "nothing" if pd.isna(low) else f"{_text(low)} to {_text(high)}"
        else:
            known = pd.unique(seen.dropna())
            unseen_mask = present & ~new.isin(known).to_numpy(dtype=bool)
            counts = new[unseen_mask].value_counts()
            examples = [_text(v) for v in counts.index[:MAX_EXAMPLES]]
            span = f"{len(known):,} values"
        rows.append(
            {
                "feature": str(column),
                "kind": kind,
                "unseen share": float(unseen_mask.sum() / n),
                "below share": float(below),
                "above share": float(above),
                "examples": ", ".join(examples),
                "seen in training": span,
            }
        )
    table = pd.DataFrame(rows, columns=_GENERALISATION_COLUMNS)
    table = table.astype(
        {"unseen share": "float64", "below share": "float64", "above share": "float64"}
    )
    table = table.sort_values(
        "unseen share", ascending=False, kind="stable"
    ).reset_index(drop=True)
    return Generalisation(
        table=table, skipped=tuple(skipped), n_train=len(train), n_test=n
    )


# --------------------------------------------------------------------------- missing values

#: A column whose groups explain at least this share (eta squared) of a missing
#: indicator's variance explains the missingness: missing at random (MAR) ...
MAR_ETA_SQUARED = 0.5
#: ... and at least this share, part of it.
PARTLY_ETA_SQUARED = 0.2
#: Columns with more distinct values than this (identifiers, free text) explain
#: nothing: each group would hold a handful of rows.
MAX_GROUPS = 50
#: Numbers and dates are cut into this many groups of equal size (quintiles).
N_BINS = 5
#: A share of missing values up to which dropping the rows costs little.
SMALL_SHARE = 0.05
#: A share of missing values above which the column itself may go.
DROP_COLUMN_SHARE = 0.5

#: What :func:`missing_values` finds for a column, from most to least telling.
MECHANISM_MAR = "MAR: explained by {column}"
MECHANISM_TOGETHER = "missing together with {column}"
MECHANISM_PARTLY = "partly explained by {column}"
MECHANISM_TARGET = "related to the target"
MECHANISM_NONE = "no pattern found (MCAR-like)"
MECHANISM_EMPTY = "no value at all"
#: The colours of :meth:`MissingValues.chart`.
PATTERNS = (
    "explained by other columns",
    "related to the target",
    "both",
    "no pattern found",
)

_MISSING_COLUMNS = [
    "column",
    "kind",
    "missing",
    "share",
    "rate_missing",
    "rate_present",
    "p_value",
    "effect",
    "explained_by",
    "eta_squared",
    "mechanism",
    "suggestion",
]
_ASSOCIATION_COLUMNS = [
    "column",
    "explaining",
    "groups",
    "eta_squared",
    "together",
    "p_value",
]
TargetType = Literal["binary", "multiclass", "regression"]


def _infer_kind(values: pd.Series) -> str | None:
    """The kind of a column from its dtype, as in a case's schema; None if none fits."""
    types = pd.api.types
    dtype = values.dtype
    if types.is_bool_dtype(dtype):
        return "boolean"
    if types.is_integer_dtype(dtype):
        return "integer"
    if types.is_float_dtype(dtype):
        return "numeric"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if (
        isinstance(dtype, pd.CategoricalDtype)
        or types.is_string_dtype(dtype)
        or types.is_object_dtype(dtype)
    ):
        return "category"
    return None


def infer_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """The kind of each column of ``frame``, from its dtype.

    The kinds of a case's ``[data.schema]``, which :func:`make_preprocessor`
    takes: booleans are ``boolean``, integers (``int64``, ``Int64``) ``integer``,
    floats ``numeric``, categoricals, strings and objects ``category``, and
    datetimes ``datetime``. Free text and identifiers cannot be told from their
    dtype: declare them ``text`` or ``id`` yourself.

    Parameters
    ----------
    frame : pandas.DataFrame
        Not modified; it may have no rows.

    Returns
    -------
    dict of str to str

    Raises
    ------
    MlkitTypeError
        For a column of another dtype (timedelta, complex, period, interval).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"n": [1.5], "i": [2], "b": [True], "c": ["x"],
    ...                       "t": pd.to_datetime(["2024-01-01"])})
    >>> infer_kinds(frame)
    {'n': 'numeric', 'i': 'integer', 'b': 'boolean', 'c': 'category', 't': 'datetime'}
    """
    from mlkit.splitting import _check_unique_columns

    check_frame(frame, "frame", allow_empty=True)
    # One kind per name: a name twice would lose a column's kind.
    _check_unique_columns(frame, "frame")
    kinds = {}
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        kind = _infer_kind(values)
        if kind is None:
            raise MlkitTypeError(
                with_hint(
                    f"'frame' has the column {column!r} of dtype {values.dtype}, which "
                    "has no kind.",
                    "convert it: a duration to a number of seconds with "
                    ".dt.total_seconds(), other types to numbers or strings.",
                )
            )
        kinds[str(column)] = kind
    return kinds


def _as_float(values: pd.Series) -> np.ndarray:
    """Numbers, dates and durations as floats, missing values as NaN."""
    types = pd.api.types
    if types.is_datetime64_any_dtype(values) or types.is_timedelta64_dtype(values):
        unit = "datetime64[ns]" if types.is_datetime64_any_dtype(values) else None
        stamps = values.to_numpy(dtype=unit or "timedelta64[ns]")
        out = stamps.astype("int64").astype("float64")
        out[np.isnat(stamps)] = np.nan
        return out
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _quantiles(values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile(values, q)``, with the infinite values a column may hold.

    numpy interpolates an infinity with ``inf - inf`` or ``inf * 0``, which is NaN
    (with a warning) where the quantile is that infinity or the value next to
    it: there the nearer of the two order statistics is the quantile.
    """
    with np.errstate(invalid="ignore"):
        edges = np.quantile(values, q)
    undefined = np.isnan(edges)
    if undefined.any():
        position = (len(values) - 1) * q
        low = np.quantile(values, q, method="lower")
        high = np.quantile(values, q, method="higher")
        nearer = np.where(position - np.floor(position) < 0.5, low, high)
        edges = np.where(undefined, nearer, edges)
    return edges


def _groups(values: pd.Series) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(group code of each row, the code of the missing values' group or None).

    Categories and booleans as they are, numbers and dates in quintiles; missing
    values form a group of their own. None for a column with more than
    :data:`MAX_GROUPS` values, which explains nothing.
    """
    types = pd.api.types
    numeric = not types.is_bool_dtype(values) and (
        types.is_numeric_dtype(values)
        or types.is_datetime64_any_dtype(values)
        or types.is_timedelta64_dtype(values)
    )
    if numeric:
        x = _as_float(values)
        nan = np.isnan(x)
        present = x[~nan]
        distinct, counts = np.unique(present, return_counts=True)
        if len(distinct) <= N_BINS:
            codes = np.searchsorted(distinct, np.where(nan, 0.0, x))
            k = len(distinct)
        else:
            edges = _quantiles(present, np.arange(1, N_BINS) / N_BINS)
            codes = np.searchsorted(edges, np.where(nan, 0.0, x), side="right")
            # A value that holds a fifth of the rows or more (the zeros of a count
            # that is mostly 0) is a group of its own: among the quintiles it would
            # share the group of the values above it, or be in the only group.
            heavy = distinct[counts * N_BINS >= len(present)]
            codes = np.where(
                np.isin(x, heavy), N_BINS + np.searchsorted(heavy, x), codes
            )
            k = N_BINS + len(heavy)
        codes = np.where(nan, k, codes)
        return codes, (np.array(k) if nan.any() else None)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    missing = pd.isna(np.asarray(uniques, dtype=object))
    if len(uniques) - missing.sum() > MAX_GROUPS:
        return None
    return codes, (np.flatnonzero(missing)[0] if missing.any() else None)


def _eta_squared(
    codes: np.ndarray, indicators: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """(eta squared of each indicator column on the groups, group sizes, sums).

    Eta squared is the share of the variance of a 0/1 indicator between the
    groups: ``sum_g n_g (p_g - p)**2 / (n p (1 - p))``, with ``p_g`` the
    indicator's mean in group ``g``. One sparse product gives every group's sums
    for all the indicators at once.
    """
    n = len(codes)
    k = int(codes.max()) + 1
    onehot = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(k, n))
    sums = np.asarray(onehot @ indicators)  # (k, q)
    sizes = np.bincount(codes, minlength=k).astype("float64")
    filled = sizes > 0
    p = indicators.mean(axis=0)
    between = (sums[filled] ** 2 / sizes[filled, None]).sum(axis=0) - n * p**2
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.clip(between / (n * p * (1 - p)), 0.0, 1.0)
    return eta, sizes, sums


def _target_kind(y: pd.Series, positive_label: Any, target: str) -> tuple[str, Any]:
    """("binary" | "multiclass" | "regression", the values the tests take)."""
    types = pd.api.types
    if positive_label is not None:
        positive = (y == positive_label).to_numpy(dtype=bool)
        if not positive.any():
            shown = ", ".join(map(repr, pd.unique(y)[:5]))
            raise MlkitValueError(
                with_hint(
                    f"'positive_label' must be one of the values of {target!r}; got "
                    f"{positive_label!r}.",
                    f"pass one of: {shown}.",
                )
            )
        return "binary", positive
    if types.is_bool_dtype(y):
        return "binary", y.to_numpy(dtype=bool)
    if types.is_numeric_dtype(y):
        values = y.to_numpy(dtype="float64")
        if np.isin(values, (0.0, 1.0)).all():
            return "binary", values == 1.0
        infinite = int(np.isinf(values).sum())
        if infinite:
            raise MlkitValueError(
                with_hint(
                    f"'target' names {target!r}, which has {infinite:,} infinite "
                    "value(s); no mean can be compared.",
                    "replace them (for example with NaN, left out of the tests) or "
                    "clip them first.",
                )
            )
        return "regression", values
    return "multiclass", pd.factorize(y)[0]


def _target_tests(
    y: pd.Series, indicators: np.ndarray, positive_label: Any, target: str
) -> tuple[str, dict[str, np.ndarray]]:
    """The target among rows where each column is missing against present.

    ``y`` and ``indicators`` hold the rows with a target only. Returns the
    target's type and, per indicator column, ``rate_missing``, ``rate_present``,
    ``p_value`` and ``effect``.
    """
    from scipy import stats

    kind, values = _target_kind(y, positive_label, target)
    if len(np.unique(values)) < 2:
        raise MlkitValueError(
            with_hint(
                f"'target' names {target!r}, which has a single value where it is "
                "known; nothing can relate to it.",
                "pass a target with at least two values, or no target.",
            )
        )
    n = len(values)
    n1 = indicators.sum(axis=0)
    n2 = n - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "binary":
            positive = values.astype("float64")
            x1 = positive @ indicators
            x2 = positive.sum() - x1
            p1, p2 = x1 / n1, x2 / n2
            pooled = positive.mean()
            z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            p_value = 2 * stats.norm.sf(np.abs(z))
            effect = np.abs(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2)))
            rates = (p1, p2)
        elif kind == "multiclass":
            k = int(values.max()) + 1
            onehot = sp.csr_matrix((np.ones(n), (np.arange(n), values)), shape=(n, k))
            observed_missing = np.asarray((onehot.T @ indicators).T)  # (q, k)
            totals = np.bincount(values, minlength=k).astype("float64")
            observed_present = totals - observed_missing
            expected_missing = n1[:, None] * totals / n
            expected_present = n2[:, None] * totals / n
            chi2 = (
                (observed_missing - expected_missing) ** 2 / expected_missing
                + (observed_present - expected_present) ** 2 / expected_present
            ).sum(axis=1)
            p_value = stats.chi2.sf(chi2, k - 1)
            share_missing = observed_missing / n1[:, None]
            share_present = observed_present / n2[:, None]
            effect = np.abs(
                2 * np.arcsin(np.sqrt(share_missing))
                - 2 * np.arcsin(np.sqrt(share_present))
            ).max(axis=1)
            rates = (np.full(len(n1), np.nan), np.full(len(n1), np.nan))
        else:
            # Scaled to at most 1 (the tests and effects do not depend on the
            # scale) so that 1e300 does not overflow, and centred so that the
            # sums of squares lose no precision.
            scale = float(np.max(np.abs(values))) or 1.0
            mean = (values / scale).mean()
            centred = values / scale - mean
            s1, ss1 = centred @ indicators, (centred**2) @ indicators
            m1, m2 = s1 / n1, (centred.sum() - s1) / n2
            v1 = (ss1 - n1 * m1**2) / (n1 - 1)
            v2 = ((centred**2).sum() - ss1 - n2 * m2**2) / (n2 - 1)
            se2 = v1 / n1 + v2 / n2
            t = (m1 - m2) / np.sqrt(se2)
            dof = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
            p_value = 2 * stats.t.sf(np.abs(t), dof)
            pooled_sd = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n - 2))
            effect = np.abs(m1 - m2) / pooled_sd
            rates = ((m1 + mean) * scale, (m2 + mean) * scale)
            few = (n1 < 2) | (n2 < 2)
            p_value = np.where(few, np.nan, p_value)
            effect = np.where(few, np.nan, effect)
    empty = (n1 == 0) | (n2 == 0)
    return kind, {
        "rate_missing": np.where(n1 == 0, np.nan, rates[0]),
        "rate_present": np.where(n2 == 0, np.nan, rates[1]),
        "p_value": np.where(empty, np.nan, p_value),
        "effect": np.where(empty, np.nan, effect),
    }


def _suggestion(
    kind: str, share: float, explanation: str, explainer: str, related: bool
) -> str:
    """What to do with a column's missing values, in a sentence or three."""
    if share >= 1:
        return "The column has no value at all: drop it."
    number = kind in {"numeric", "integer"}
    category = kind in {"category", "boolean"}
    if number:
        impute = "impute the median"
        indicator = (
            "add a missing indicator (SimpleImputer(strategy='median', "
            "add_indicator=True))"
        )
    elif category:
        impute = "keep 'missing' as a category of its own (make_preprocessor does)"
        indicator = "keep 'missing' as a category of its own (it is the indicator)"
    else:
        impute = "derive features from the values present"
        indicator = "add a 0/1 column that says the value is missing"
    parts = []
    if share > DROP_COLUMN_SHARE:
        parts.append(
            f"{share:.0%} of the values are missing: consider dropping the column"
            + (", but keep its missing indicator." if related else ".")
        )
    if explanation == "MAR":
        fill = impute if category or related else f"{impute}, {indicator}"
        parts.append(
            f"{fill[0].upper()}{fill[1:]} and keep {explainer!r} as a feature: the "
            "model can then tell why the value is missing."
        )
    elif explanation == "together":
        parts.append(
            f"It is blank together with {explainer!r}: one cause for both. Find out "
            "which, and encode the two gaps as one."
        )
    elif explanation == "partly":
        parts.append(
            f"{impute[0].upper()}{impute[1:]} and keep {explainer!r} as a feature, "
            "which explains part of the gaps."
        )
    if related:
        parts.append(
            f"The target differs where it is missing: {indicator}, and never drop "
            "these rows blindly."
        )
        parts.append(
            f"The link may come through {explainer!r}, which the model sees too."
            if explanation == "MAR"
            else "Ask why first: a gap made by how the data were collected will not "
            "exist in production."
        )
    if not explanation and not related:
        simple = "the median" if number else "the most frequent value"
        if category:
            simple += ", or 'missing' as a category"
        if share <= SMALL_SHARE:
            parts.append(
                f"Few and with no pattern: impute ({simple}) or drop the rows."
            )
        else:
            parts.append(
                f"No pattern found: impute ({simple}); dropping the rows would lose "
                f"{share:.0%} of the data."
            )
    return " ".join(parts)


def _pattern(mechanism: str) -> str:
    explained = mechanism.startswith(
        tuple(
            m.split("{")[0]
            for m in (MECHANISM_MAR, MECHANISM_TOGETHER, MECHANISM_PARTLY)
        )
    )
    related = MECHANISM_TARGET in mechanism
    if explained and related:
        return PATTERNS[2]
    if related:
        return PATTERNS[1]
    return PATTERNS[0] if explained else PATTERNS[3]


@dataclass(frozen=True, repr=False)
class MissingValues(Result):
    """Why values are missing, column by column (chapter 5).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per column with missing values, the most missing first:

        - ``column``, its ``kind`` (as :func:`infer_kinds` gives it, ``other``
          for other dtypes), the number ``missing`` and their ``share`` of rows;
        - ``rate_missing`` and ``rate_present``: the target among the rows where
          the column is missing and where it is present: the positive rate for a
          binary target, the mean for a regression target; missing for other
          targets and without one;
        - ``p_value`` of the test that the target is the same in both (a pooled
          two-proportion z-test, Welch's t-test, or a chi-squared test of the
          class distribution) and the ``effect``: Cohen's h between the positive
          rates (the largest over the classes for classes), or Cohen's d between
          the means;
        - ``explained_by``: the column whose groups explain the most of the
          missingness, among those that explain a significant part (missing
          when none does), and that share, ``eta_squared``;
        - ``mechanism`` and ``suggestion``.
    complete : tuple of str
        The columns checked that have no missing value.
    associations : pandas.DataFrame
        Every pair of a column with missing values and a column that may explain
        it: ``column``, ``explaining``, its number of ``groups``, ``eta_squared``,
        ``together`` (the eta squared of the explaining column's own
        missingness alone) and the ``p_value`` of the chi-squared test of
        independence (``n * eta_squared`` with ``groups - 1`` degrees of
        freedom).
    target_type : {"binary", "multiclass", "regression"} or None

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"channel": rng.choice(["shop", "online"], 500),
    ...                    "distance": rng.exponential(5, 500)})
    >>> df.loc[df["channel"] == "online", "distance"] = np.nan
    >>> result = missing_values(df)
    >>> result.to_frame()[["column", "explained_by", "mechanism"]].values.tolist()
    [['distance', 'channel', 'MAR: explained by channel']]
    >>> result.complete
    ('channel',)
    """

    title: ClassVar[str] = "Missing values"
    table: pd.DataFrame
    complete: tuple[str, ...]
    associations: pd.DataFrame
    n_rows: int
    target: str | None = None
    target_type: str | None = None
    positive_label: Any = None
    n_without_target: int = 0
    alpha: float = 0.001
    min_effect: float = 0.1

    def to_frame(self) -> pd.DataFrame:
        """The :attr:`table`."""
        return self.table.copy()

    def chart(self) -> alt.Chart:
        """The share of missing values per column, coloured by why they are missing."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, _title, message_chart

        if self.table.empty:
            return message_chart(
                f"No missing value in the {len(self.complete)} columns checked.",
                title="Missing values",
            )
        frame = self.table.assign(
            why=self.table["mechanism"].map(_pattern),
            explained_by=self.table["explained_by"].fillna(""),
        )[["column", "missing", "share", "why", "mechanism", "explained_by"]]
        return (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                y=alt.Y(
                    "column:N",
                    sort=frame["column"].tolist(),
                    title=None,
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=220),
                ),
                x=alt.X(
                    "share:Q",
                    title="share of rows missing",
                    scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%", tickCount=5, labelFontSize=FONT_SIZE),
                ),
                color=alt.Color(
                    "why:N",
                    scale=alt.Scale(
                        domain=list(PATTERNS),
                        range=[PALETTE[0], PALETTE[3], PALETTE[4], GREY],
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("column:N"),
                    alt.Tooltip("missing:Q", format=","),
                    alt.Tooltip("share:Q", format=".1%"),
                    alt.Tooltip("mechanism:N"),
                ],
            )
            .properties(
                width=380,
                height=alt.Step(18),
                title=_title(
                    "Missing values per column",
                    f"{self.n_rows:,} rows; the colour says why they may be missing",
                ),
            )
        )

    def _target_text(self, row: Any) -> str:
        if self.target_type == "binary":
            return (
                f"the positive rate is {row['rate_missing']:.1%} where it is missing "
                f"and {row['rate_present']:.1%} where it is not"
            )
        if self.target_type == "regression":
            return (
                f"the mean target is {row['rate_missing']:.4g} where it is missing "
                f"and {row['rate_present']:.4g} where it is not"
            )
        return "the classes are distributed differently where it is missing"

    def explain(self) -> str:
        table = self.table
        checked = len(table) + len(self.complete)
        if table.empty:
            lead = f"No missing value in the {checked} column(s) checked."
        else:
            top = table.iloc[0]
            lead = (
                f"{len(table)} of {checked} column(s) have missing values, "
                f"{top['column']!r} the most ({top['share']:.1%})."
            )
        findings = []
        for _, row in table.head(6).iterrows():
            pieces = []
            for piece in row["mechanism"].split("; "):
                if piece == MECHANISM_TARGET:
                    piece += f" ({self._target_text(row)}, p = {row['p_value']:.2g})"
                elif piece.startswith(("MAR", "missing together", "partly")):
                    piece += f" (eta² {row['eta_squared']:.2f})"
                pieces.append(piece)
            findings.append(f"{row['column']!r}: {', '.join(pieces)}")
        found = (" Found: " + "; ".join(findings) + ".") if findings else ""
        target = ""
        if self.target is None and not table.empty:
            target = (
                " No target was given, so no relation to it was tested: pass "
                "target= to find the gaps that carry signal."
            )
        elif self.target is not None and self.n_without_target:
            target = (
                f" {self.n_without_target:,} row(s) without a target were left out of "
                "the target tests."
            )
        if self.target_type == "multiclass" and not table.empty:
            target += (
                " Rates are shown for a binary target only: pass positive_label= "
                "to compare the rate of one class."
            )
        return (
            f"{lead}{found} Why a value is missing decides what to do with it "
            "(chapter 5). Missing completely at random (MCAR): the gaps have nothing "
            "to do with any value, and imputing or dropping rows is safe. Missing at "
            "random (MAR): another observed column explains them (a distance is "
            "missing for every online payment), so a model that has that column can "
            "allow for them. Missing not at random (MNAR): a value is missing because "
            "of what it is (high earners leave their income blank). MNAR cannot be "
            "proven from the data, since the missing values are not there to "
            "compare; a relation with the target is the sign that the gap itself "
            "carries signal, and a missing indicator must be kept. 'No pattern "
            "found' means only that no column tested explains the gaps and that they "
            "do not relate to the target, not that they are MCAR. A column explains "
            f"the gaps when its groups hold at least {MAR_ETA_SQUARED:.0%} of the "
            f"missing indicator's variance (eta²; {PARTLY_ETA_SQUARED:.0%} for "
            f"'partly'); the target counts when p < {self.alpha:g} and the effect "
            f"(Cohen's h or d) is at least {self.min_effect:g}.{target}"
        )


def missing_values(
    df: pd.DataFrame,
    *,
    target: str | None = None,
    columns: Sequence[str] | None = None,
    positive_label: Any = None,
    min_effect: float = 0.1,
    alpha: float = 0.001,
) -> MissingValues:
    """Why values are missing, column by column: MCAR, MAR, or related to the target.

    Chapter 5 of the book: the reason a value is missing decides what to do
    with it. For each column with missing values:

    - **related to the target?** The target where the column is missing
      against where it is present. A binary target (``positive_label`` given,
      or a boolean or 0/1 target): the positive rates, compared with a pooled
      two-proportion z-test, and Cohen's h, ``|2 asin sqrt(p1) - 2 asin
      sqrt(p2)|``, as the effect (unlike a difference of rates it does not
      vanish for rare positives: 1 % against 5 % is h = 0.25). A numeric
      target: the means, Welch's t-test, and Cohen's d (the difference of the
      means over their pooled standard deviation). Any other target
      (categories, strings): a chi-squared test of the class distribution, and
      the largest Cohen's h over the classes. The relation counts when
      ``p < alpha`` and the effect is at least ``min_effect``.
    - **explained by another column?** For every other column but the target,
      the share of the missing indicator's variance that lies between the
      column's groups (eta squared): categories and booleans as they are,
      numbers and dates in quintiles, missing values as a group of their own;
      columns with more than :data:`MAX_GROUPS` distinct values (identifiers,
      free text) are skipped. The best column among those whose chi-squared
      test of independence gives ``p < alpha`` (which guards against small
      groups that explain by chance) is reported; it explains the gaps (MAR)
      from an eta squared of :data:`MAR_ETA_SQUARED`, a part of them from
      :data:`PARTLY_ETA_SQUARED`. When the explaining column's own gaps do it,
      the two are *missing together*.

    Parameters
    ----------
    df : pandas.DataFrame
        The data. Not modified.
    target : str, optional
        The target column; without it, no relation to the target is tested. Rows
        without a target are left out of the target tests.
    columns : sequence of str, optional
        The columns to check; all but the target by default. Every other column
        but the target may explain their gaps.
    positive_label : optional
        The positive class of a binary target (a case's
        ``spec.positive_label``). Needed for a target of strings or categories
        to compare rates; a boolean or 0/1 target needs none. Numbers other than
        0/1 are a regression target: make class codes a category to test them
        as classes.
    min_effect : float, default 0.1
        The smallest effect (Cohen's h or d) for a relation with the target to
        count; 0.2 is conventionally a small effect.
    alpha : float, default 0.001
        Significance level of the tests, in (0, 1); small because many columns
        are tested.

    Returns
    -------
    MissingValues
        ``.to_frame()``, ``.complete``, ``.associations``, ``.chart()``,
        ``.explain()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> df = pd.DataFrame({"income": rng.lognormal(10, 1, n), "churn": rng.random(n) < 0.2})
    >>> df.loc[df["churn"] & (rng.random(n) < 0.5), "income"] = np.nan
    >>> row = missing_values(df, target="churn").to_frame().iloc[0]
    >>> row["mechanism"], round(float(row["rate_missing"]), 2)
    ('related to the target', 1.0)
    """
    check_frame(df, "df")
    alpha = check_number(
        alpha, "alpha", low=0, high=1, open_low=True, open_high=True, example="0.001"
    )
    min_effect = check_number(
        min_effect,
        "min_effect",
        low=0,
        open_high=True,
        example="0.2 (a small effect; 0.5 is a medium one)",
    )
    if df.columns.duplicated().any():
        twice = list(dict.fromkeys(df.columns[df.columns.duplicated()]))
        raise MlkitValueError(
            with_hint(
                f"'df' has the column(s) {', '.join(map(repr, twice))} more than once.",
                "give every column its own name.",
            )
        )
    if target is not None:
        check_columns(df, [target], "target")
        if np.ndim(positive_label) != 0 or not isinstance(positive_label, Hashable):
            raise MlkitTypeError(
                with_hint(
                    f"'positive_label' must be a single label; got {positive_label!r}.",
                    f"pass one value of {target!r}, such as 1 or 'spam'.",
                )
            )
    elif positive_label is not None:
        raise MlkitValueError(
            with_hint(
                "'positive_label' was given without 'target'.",
                "pass the target column too: target='label', positive_label=1.",
            )
        )
    if columns is None:
        columns = [c for c in df.columns if c != target]
    else:
        if isinstance(columns, str):
            raise MlkitTypeError(
                with_hint(
                    f"'columns' must be a list of column names; got the string "
                    f"{columns!r}.",
                    f"pass columns=[{columns!r}].",
                )
            )
        columns = list(dict.fromkeys(columns))
        check_columns(df, columns, "columns")
        if target is not None and target in columns:
            raise MlkitValueError(
                with_hint(
                    f"'columns' includes the target {target!r}.",
                    "leave the target out of 'columns'; rows without a target are "
                    "left out of the target tests.",
                )
            )
    if not columns:
        raise MlkitValueError(
            with_hint(
                "There is no column to check: 'df' has only the target.",
                "pass a frame with feature columns.",
            )
        )
    n = len(df)
    gaps = df[columns].isna()
    counts = gaps.sum().to_numpy()
    incomplete = [c for c, k in zip(columns, counts, strict=True) if k > 0]
    complete = tuple(str(c) for c, k in zip(columns, counts, strict=True) if k == 0)
    indicators = gaps[incomplete].to_numpy(dtype="float64")
    q = len(incomplete)
    share = indicators.mean(axis=0)

    # Related to the target?
    target_type, n_without = None, 0
    tests = {
        name: np.full(q, np.nan)
        for name in ("rate_missing", "rate_present", "p_value", "effect")
    }
    if target is not None:
        y = df[target]
        known = y.notna().to_numpy()
        n_without = int(n - known.sum())
        if not known.any():
            raise MlkitValueError(
                with_hint(
                    f"'target' names {target!r}, which has no value.",
                    "pass the column with the labels or outcomes.",
                )
            )
        target_type, found = _target_tests(
            y[known], indicators[known], positive_label, target
        )
        if q:
            tests = found

    # Explained by another column? One grouping per column explains every gap.
    best = np.full(q, np.nan)
    best_together = np.full(q, np.nan)
    explainers = np.full(q, None, dtype=object)
    pairs = []
    if q:
        from scipy import stats

        for position, other in enumerate(df.columns):
            if other == target:
                continue
            grouped = _groups(df.iloc[:, position])
            if grouped is None:
                continue
            codes, missing_code = grouped
            eta, sizes, sums = _eta_squared(codes, indicators)
            groups = int((sizes > 0).sum())
            if groups < 2:
                continue
            if missing_code is None:
                together = np.zeros(q)
            else:
                # The same with two groups: the explaining column missing or not.
                two = np.stack([sums[missing_code], indicators.sum(axis=0)])
                two[1] -= two[0]
                size = sizes[missing_code]
                p = share
                with np.errstate(invalid="ignore", divide="ignore"):
                    between = two[0] ** 2 / size + two[1] ** 2 / (n - size) - n * p**2
                    together = np.clip(between / (n * p * (1 - p)), 0.0, 1.0)
            p_value = stats.chi2.sf(n * eta, groups - 1)
            for j, column in enumerate(incomplete):
                if column == other or np.isnan(eta[j]):
                    continue
                pairs.append(
                    (
                        str(column),
                        str(other),
                        groups,
                        eta[j],
                        together[j],
                        p_value[j],
                    )
                )
                if p_value[j] < alpha and not eta[j] <= best[j]:
                    best[j], best_together[j] = eta[j], together[j]
                    explainers[j] = str(other)
    associations = pd.DataFrame(pairs, columns=_ASSOCIATION_COLUMNS).astype(
        {"column": "str", "explaining": "str", "groups": "int64"}
    )
    associations = associations.sort_values(
        ["column", "eta_squared"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)

    rows = []
    for j, column in enumerate(incomplete):
        kind = _infer_kind(df[column]) or "other"
        related = bool(tests["p_value"][j] < alpha and tests["effect"][j] >= min_effect)
        explainer = explainers[j]
        explanation = ""
        if explainer is not None and best[j] >= MAR_ETA_SQUARED:
            explanation = "together" if best_together[j] >= MAR_ETA_SQUARED else "MAR"
        elif explainer is not None and best[j] >= PARTLY_ETA_SQUARED:
            explanation = "partly"
        template = {
            "MAR": MECHANISM_MAR,
            "together": MECHANISM_TOGETHER,
            "partly": MECHANISM_PARTLY,
        }.get(explanation)
        parts = [template.format(column=explainer)] if template else []
        if related:
            parts.append(MECHANISM_TARGET)
        if share[j] >= 1:
            mechanism = MECHANISM_EMPTY
        else:
            mechanism = "; ".join(parts) or MECHANISM_NONE
        rows.append(
            {
                "column": str(column),
                "kind": kind,
                "missing": int(counts[columns.index(column)]),
                "share": float(share[j]),
                "rate_missing": float(tests["rate_missing"][j]),
                "rate_present": float(tests["rate_present"][j]),
                "p_value": float(tests["p_value"][j]),
                "effect": float(tests["effect"][j]),
                "explained_by": explainer,
                "eta_squared": float(best[j]),
                "mechanism": mechanism,
                "suggestion": _suggestion(
                    kind, float(share[j]), explanation, str(explainer), related
                ),
            }
        )
    table = pd.DataFrame(rows, columns=_MISSING_COLUMNS).astype(
        {
            "column": "str",
            "kind": "str",
            "missing": "int64",
            "share": "float64",
            "rate_missing": "float64",
            "rate_present": "float64",
            "p_value": "float64",
            "effect": "float64",
            "explained_by": "str",
            "eta_squared": "float64",
            "mechanism": "str",
            "suggestion": "str",
        }
    )
    table = table.sort_values("share", ascending=False, kind="stable").reset_index(
        drop=True
    )
    return MissingValues(
        table=table,
        complete=complete,
        associations=associations,
        n_rows=n,
        target=None if target is None else str(target),
        target_type=target_type,
        positive_label=positive_label,
        n_without_target=n_without,
        alpha=alpha,
        min_effect=min_effect,
    )


# --------------------------------------------------------------------------- feature sets

HOOK_ERROR = "{file}: the features() hook of 'case' {problem}"
_HOOK_HINT = (
    "features(df) must return a pandas DataFrame of new columns on df's index, "
    "such as pd.DataFrame({'hour': df['timestamp'].dt.hour}, index=df.index); see "
    "case_studies/README.md."
)


@dataclass(frozen=True, repr=False)
class FeatureSet:
    """A case's data with its engineered features, and which columns a model uses.

    Made by :func:`case_features`. It gives a model's inputs and target for any
    rows, and a preprocessor for its columns, so that every notebook encodes a
    case the same way.

    Attributes
    ----------
    data : pandas.DataFrame
        The case's data and the engineered columns, on the data's index.
    columns : tuple of str
        The model's inputs: the case's ``spec.feature_columns``, then the
        engineered columns.
    kinds : dict of str to str
        The kind of every column of :attr:`data`: the case's schema, and the
        kinds of the engineered columns inferred from their dtypes
        (:func:`infer_kinds`).
    engineered : tuple of str
        The columns that the case's ``features`` hook added.
    target : str
    task : {"binary", "multiclass", "regression"}
    positive_label
        The positive class of a binary task; None otherwise.

    Examples
    --------
    >>> fs = case_features("spam")
    >>> fs
    <FeatureSet: 1,956 rows, 2 inputs (0 engineered), target 'CLASS' (binary)>
    >>> fs.X().columns.tolist(), round(float(fs.y().mean()), 3)
    (['CONTENT', 'VIDEO'], 0.514)
    """

    data: pd.DataFrame
    columns: tuple[str, ...]
    kinds: dict[str, str]
    engineered: tuple[str, ...]
    target: str
    task: str
    positive_label: Any = None

    def __post_init__(self) -> None:
        check_frame(self.data, "data", allow_empty=True)
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "engineered", tuple(self.engineered))
        object.__setattr__(self, "kinds", dict(self.kinds))
        check_columns(self.data, [*self.columns, self.target], "columns")
        unknown = [c for c in self.columns if c not in self.kinds]
        if unknown:
            raise MlkitValueError(
                with_hint(
                    f"'kinds' lacks the column(s) {', '.join(map(repr, unknown))}.",
                    "give a kind for every column, for example with infer_kinds().",
                )
            )
        if self.target in self.columns:
            raise MlkitValueError(
                with_hint(
                    f"'columns' includes the target {self.target!r}.",
                    "leave the target out of the model's inputs.",
                )
            )

    def __repr__(self) -> str:
        return (
            f"<FeatureSet: {len(self.data):,} rows, {len(self.columns)} inputs "
            f"({len(self.engineered)} engineered), target {self.target!r} "
            f"({self.task})>"
        )

    def _rows(self, frame: Any, rows: Any) -> Any:
        if rows is None:
            return frame
        try:
            return frame.loc[rows]
        except (KeyError, IndexError, ValueError) as error:
            raise MlkitValueError(
                with_hint(
                    f"'rows' must be labels of the data's index or a boolean mask "
                    f"of {len(self.data):,} values: {error}",
                    "positions from a splitter are labels too when the index is a "
                    "RangeIndex; otherwise pass fs.data.index[positions].",
                )
            ) from None

    def X(self, rows: Any = None) -> pd.DataFrame:
        """The model's inputs, :attr:`columns`, for ``rows`` (all by default).

        ``rows`` are labels of the data's index (a split's part) or a boolean
        mask. The frame is new: changing it leaves :attr:`data` as it is.
        """
        return self._rows(self.data[list(self.columns)], rows)

    def y(self, rows: Any = None) -> pd.Series:
        """The target for ``rows`` (all by default), as models take it: 0/1 for a
        binary task (1 for the positive label), unchanged otherwise."""
        encoded = encode_target(
            self.data[self.target], task=self.task, positive_label=self.positive_label
        )
        return self._rows(encoded, rows)

    def preprocessor(self, **options: Any) -> ColumnTransformer:
        """:func:`make_preprocessor` for :attr:`kinds` and :attr:`columns`.

        ``options`` are those of :func:`make_preprocessor` (``min_frequency``,
        ``dense``, ``log_columns``, ...). The columns of ``log_columns`` are
        checked here to have no value below 0 in :attr:`data`.
        """
        pre = make_preprocessor(self.kinds, self.columns, **options)
        for column in options.get("log_columns", ()):
            values = _as_float(self.data[column])
            below = values < 0
            if below.any():
                raise MlkitValueError(
                    with_hint(
                        f"'log_columns' names {column!r}, which has {int(below.sum()):,} "
                        f"value(s) below 0 (the lowest is {np.nanmin(values):.4g}); "
                        "log1p of a value below -1 is not a number.",
                        "leave it out of log_columns, or shift it to 0 or more in "
                        "the case's features hook.",
                    )
                )
        return pre

    def without(self, *columns: str) -> FeatureSet:
        """The same features without ``columns`` among the model's inputs.

        :attr:`data` keeps them, so that they can still be looked at.
        """
        unknown = [c for c in columns if c not in self.columns]
        if unknown:
            raise MlkitValueError(
                with_hint(
                    f"'columns' names {', '.join(map(repr, unknown))}, which is not "
                    "among the model's inputs.",
                    f"pass some of: {', '.join(self.columns[:30])}"
                    + (" ..." if len(self.columns) > 30 else "."),
                )
            )
        gone = set(columns)
        return FeatureSet(
            data=self.data,
            columns=tuple(c for c in self.columns if c not in gone),
            kinds=self.kinds,
            engineered=tuple(c for c in self.engineered if c not in gone),
            target=self.target,
            task=self.task,
            positive_label=self.positive_label,
        )


def _check_engineered(new: Any, data: pd.DataFrame, file: Any) -> dict[str, str]:
    """The kinds of the columns a ``features`` hook returned, after checking them."""

    def fail(problem: str, hint: str = _HOOK_HINT) -> MlkitValueError:
        return MlkitValueError(
            with_hint(HOOK_ERROR.format(file=file, problem=problem), hint)
        )

    if not isinstance(new, pd.DataFrame):
        raise MlkitTypeError(
            with_hint(
                HOOK_ERROR.format(
                    file=file,
                    problem=f"returned {type(new).__name__}, not a DataFrame.",
                ),
                _HOOK_HINT,
            )
        )
    if len(new) != len(data) or not new.index.equals(data.index):
        raise fail(
            f"returned {len(new):,} rows on another index than the data's "
            f"{len(data):,} rows.",
            "return one row per row of df, on df's index: pass index=df.index, and "
            "neither sort, filter nor reset the index.",
        )
    unnamed = [c for c in new.columns if not isinstance(c, str) or not c.strip()]
    if unnamed:
        raise fail(
            f"returned column(s) without a name: {', '.join(map(repr, unnamed))}.",
            "give every new column a non-empty string name.",
        )
    twice = list(dict.fromkeys(new.columns[new.columns.duplicated()]))
    if twice:
        raise fail(
            f"returned the column(s) {', '.join(map(repr, twice))} more than once.",
            "give every new column its own name.",
        )
    clash = [c for c in new.columns if c in data.columns]
    if clash:
        raise fail(
            "returned column(s) that the data already have: "
            f"{', '.join(map(repr, clash))}.",
            "return only new columns, under new names; to change a column, "
            "return it under another name and leave the original out of the model.",
        )
    try:
        return infer_kinds(new)
    except MlkitTypeError as error:
        raise MlkitTypeError(
            HOOK_ERROR.format(
                file=file, problem=f"returned a column of no kind. {error}"
            )
        ) from None


def case_features(
    case: Any, data: pd.DataFrame | None = None, *, engineered: bool = True
) -> FeatureSet:
    """A case's model inputs: its feature columns and those its hooks engineer.

    A case's ``hooks.py`` may define ``features(df)``, which returns a DataFrame
    of new columns on ``df``'s index, computed for each row from what is known
    when it is predicted (the fraud case's card and terminal histories). This
    calls it, checks what it returns, infers the kinds of the new columns and
    puts everything together.

    Parameters
    ----------
    case : Case, str or path
        A case, or its name or folder (:func:`mlkit.cases.load`).
    data : pandas.DataFrame, optional
        The case's rows; ``case.load_data()`` by default. Not modified.
    engineered : bool, default True
        Add the columns of the case's ``features`` hook, if it has one.

    Returns
    -------
    FeatureSet
        ``.X(rows)``, ``.y(rows)``, ``.preprocessor()``, ``.without(...)``.

    Raises
    ------
    MlkitTypeError, MlkitValueError
        When ``data`` lacks the case's columns, or the hook returns something
        other than new, named columns on the data's index; the message names
        the hooks file.

    Examples
    --------
    >>> fs = case_features("income")
    >>> fs.engineered, fs.task, fs.positive_label
    ((), 'binary', '>50K')
    >>> fs.preprocessor(log_columns=["capital_gain"]).fit(fs.X(), fs.y()).n_features_in_
    13
    """
    from mlkit.cases import load
    from mlkit.splitting import _check_unique_columns

    if not isinstance(engineered, bool):
        raise MlkitTypeError(
            with_hint(
                f"'engineered' must be True or False; got {engineered!r}.",
                "pass engineered=False to leave out the case's engineered features.",
            )
        )
    try:
        case = load(case)
    except MlkitError as error:
        if "'case'" in str(error):
            raise
        # Say which argument could not be loaded, keeping the loader's hint.
        raise type(error)(f"'case' {case!r} could not be loaded: {error}") from error
    spec = case.spec
    if data is None:
        data = case.load_data()
    else:
        check_frame(data, "data")
        _check_unique_columns(data, "data")
        needed = [*spec.feature_columns, spec.target]
        lacking = [c for c in needed if c not in data.columns]
        if lacking:
            raise MlkitValueError(
                with_hint(
                    f"'data' lacks the column(s) {', '.join(map(repr, lacking))} of the "
                    f"case {spec.name!r}.",
                    "pass the rows of case.load_data(), or a part of them.",
                )
            )
    kinds = {str(c): k for c, k in spec.data.schema.items()}
    hook = getattr(case.hooks, "features", None) if engineered else None
    if callable(hook):
        # A shallow copy: with copy-on-write, the hook cannot change the caller's
        # frame, and nothing is copied unless it writes.
        new = hook(data.copy(deep=False))
        kinds.update(_check_engineered(new, data, case.hooks_file))
        combined = pd.concat([data, new.set_axis(data.index, axis=0)], axis=1)
        added = tuple(str(c) for c in new.columns)
    else:
        combined, added = data.copy(deep=False), ()
    return FeatureSet(
        data=combined,
        columns=(*spec.feature_columns, *added),
        kinds=kinds,
        engineered=added,
        target=spec.target,
        task=spec.task,
        positive_label=spec.positive_label if spec.task == "binary" else None,
    )
