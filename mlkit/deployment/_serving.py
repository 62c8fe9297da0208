"""One feature path for batch and online requests, and models saved without pickle.

Chapter 7 of *Designing Machine Learning Systems* warns that a model served
online often gets its features from a different pipeline than the one that made
its training data, and that the two drift apart ("unifying the batch pipeline
and the streaming pipeline"). :class:`Endpoint` is one path for both: a request
(a mapping of feature to value) and a batch (a DataFrame) are turned into the
model's input by the same code, with the training data's columns and dtypes, so
that a feature cannot be computed one way offline and another way online.

:func:`save_model` writes a fitted model with skops, a format that loads
without running code from the file, and :func:`load_model` refuses any type
outside scikit-learn, numpy and scipy unless the caller names it.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> from mlkit.deployment import Endpoint
>>> X = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0], "visits": [1, 5, 2, 8]})
>>> model = LogisticRegression().fit(X, [0, 1, 0, 1])
>>> endpoint = Endpoint(model, X, defaults={"visits": 0})
>>> endpoint.features({"age": 35})
    age  visits
0  35.0       0
>>> round(endpoint.predict({"age": 35, "visits": 6}), 3)
0.888
"""

from __future__ import annotations

import difflib
import os
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._validation import check_frame
from mlkit.deployment._common import (
    check_model,
    model_input,
    model_name,
    output_kind,
    predict_scores,
)

__all__ = [
    "TRUSTED_MODULES",
    "Endpoint",
    "check_trusted",
    "load_model",
    "save_model",
]

#: Modules whose types :func:`load_model` loads without being told to trust them.
TRUSTED_MODULES: tuple[str, ...] = ("sklearn.", "numpy.", "scipy.")

# Message templates, kept here so that tests can match them.
MISSING_KEY_ERROR = "{name} lacks {keys}, which the model needs and has no default."
UNKNOWN_KEY_ERROR = "{name} has {keys}, which the model does not take."
CAST_ERROR = "{name}: {column!r} must be {dtype}, as in the schema; {detail}."
SCHEMA_ERROR = "'schema' must have the columns the model was fitted on; {details}."
UNTRUSTED_ERROR = (
    "'path' {path} contains types mlkit does not load on trust: {types}. Loading "
    "them could run code they contain."
)
NOT_SKOPS_ERROR = "'path' {path} is not a model saved with skops ({detail})."
WRITE_ERROR = "'path' {path} cannot be written: {detail}."
SUFFIX_ERROR = "'path' must end with .skops; got {path}."
PREDICT_ERROR = "{name} could not be predicted by the {model} served: {error}"


# --------------------------------------------------------------------------- endpoint


def _describe(dtype: Any) -> str:
    if isinstance(dtype, pd.CategoricalDtype):
        return (
            "one of the categories "
            + ", ".join(map(repr, list(dtype.categories)[:8]))
            + (" ..." if len(dtype.categories) > 8 else "")
        )
    return f"of dtype {dtype}"


def _cast(values: pd.Series, dtype: Any, column: Any, name: str) -> pd.Series:
    """``values`` as ``dtype``, refusing a cast that loses or invents a value."""
    if values.dtype == dtype:
        return values

    def fail(detail: str) -> MlkitValueError:
        return MlkitValueError(
            with_hint(
                CAST_ERROR.format(
                    name=name, column=column, dtype=_describe(dtype), detail=detail
                ),
                f"send {column!r} as the training data held it, or fix the schema "
                "(the frame the Endpoint was built from).",
            )
        )

    def shown(value: Any) -> str:
        return repr(value.item() if isinstance(value, np.generic) else value)

    present = values.notna().to_numpy()
    if isinstance(dtype, pd.CategoricalDtype):
        outside = present & ~values.isin(dtype.categories).to_numpy()
        if outside.any():
            raise fail(f"got {shown(values[outside].iloc[0])}")
    elif pd.api.types.is_bool_dtype(dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        # astype(bool) turns "False", 2 and NaN into True: accept only 0 and 1.
        numeric = pd.api.types.is_numeric_dtype(values.dtype)
        bad = ~present if dtype == np.bool_ else np.zeros(len(values), dtype=bool)
        if numeric:
            bad |= present & ~values.isin([0, 1]).to_numpy()
        else:
            bad |= present
        if bad.any():
            raise fail(f"got {shown(values[bad].iloc[0])}")
    try:
        out = values.astype(dtype)
    except (TypeError, ValueError, OverflowError) as error:
        raise fail(
            f"got {shown(values.iloc[0])} ({str(error).splitlines()[0]})"
        ) from None
    lost = present & out.isna().to_numpy()
    if lost.any():
        raise fail(f"got {shown(values[lost].iloc[0])}, which becomes missing")
    if pd.api.types.is_integer_dtype(dtype) and pd.api.types.is_float_dtype(
        values.dtype
    ):
        whole = out.to_numpy(dtype="float64", na_value=np.nan)
        cut = present & (whole != values.to_numpy(dtype="float64", na_value=np.nan))
        if cut.any():
            raise fail(f"got {shown(values[cut].iloc[0])}, which is not a whole number")
    return out


class Endpoint:
    """The one feature path that serves a model to batch and online requests.

    A request (a mapping of feature to value) and a batch (a DataFrame) go
    through the same code: their columns are checked against the schema (the
    training features), missing ones take their default, and each column is
    cast to the schema's dtype, refusing a cast that would lose a value. So a
    prediction one request at a time gets the same input as the same rows in
    a batch: the feature consistency between training and inference of
    chapter 7.

    Parameters
    ----------
    model : fitted scikit-learn model or Pipeline
        The model to serve. A model fitted on a DataFrame must get the schema's
        columns in the order it was fitted on; one fitted on an array gets the
        schema's columns as an array.
    schema : pandas.DataFrame
        The training features: only its columns (in order) and dtypes are kept,
        so an empty frame such as ``X_train.head(0)`` is enough.
    defaults : mapping, optional
        Value of a feature when a request or a batch lacks it. A feature
        without a default must be given: it never becomes missing silently
        (pass ``float("nan")`` as its default for that).

    Attributes
    ----------
    model : estimator
        The served model.
    columns : tuple
        The features, in the order the model takes them.
    dtypes : pandas.Series
        The schema's dtype of each feature.
    defaults : dict
        The defaults, cast to their feature's dtype.
    output : {"probability", "class", "prediction"}
        What :meth:`predict` returns: the probability of the positive class
        (``model.classes_[1]``) for a binary classifier with
        ``predict_proba``, the predicted class for another classifier, the
        prediction of a regressor.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from mlkit.deployment import Endpoint
    >>> X = pd.DataFrame({"rooms": [1, 2, 3, 4], "area": [30.0, 55.0, 80.0, 95.0]})
    >>> model = DecisionTreeRegressor(random_state=0).fit(X, [100, 180, 260, 310])
    >>> endpoint = Endpoint(model, X)
    >>> endpoint.predict({"rooms": 2, "area": 50})
    180.0
    >>> endpoint.predict_batch(X.head(2)).tolist()
    [100.0, 180.0]
    >>> endpoint.predict({"rooms": 2})
    Traceback (most recent call last):
    ...
    mlkit._exceptions.MlkitValueError: 'record' lacks 'area', which the model needs and has no default.
    Hint: ...
    """

    def __init__(
        self,
        model: Any,
        schema: pd.DataFrame,
        *,
        defaults: Mapping[Any, Any] | None = None,
    ) -> None:
        check_model(model)
        check_frame(schema, "schema", allow_empty=True)
        columns = list(schema.columns)
        if len(set(columns)) != len(columns):
            raise MlkitValueError(
                with_hint(
                    "'schema' has duplicate column names.",
                    "give every feature its own name.",
                )
            )
        names = getattr(model, "feature_names_in_", None)
        if names is not None and [str(c) for c in names] != [str(c) for c in columns]:
            expected = list(names)
            missing = [c for c in expected if c not in columns]
            extra = [c for c in columns if c not in set(expected)]
            details = []
            if missing:
                details.append(f"it lacks {', '.join(map(repr, missing[:8]))}")
            if extra:
                details.append(
                    f"it has {', '.join(map(repr, extra[:8]))}, which the model never saw"
                )
            if not details:
                details.append("they are in another order")
            raise MlkitValueError(
                with_hint(
                    SCHEMA_ERROR.format(details="; ".join(details)),
                    "pass X_train[list(model.feature_names_in_)]: the training "
                    "features, in the order of fit, without the target.",
                )
            )
        n_in = getattr(model, "n_features_in_", None)
        if names is None and n_in is not None and len(columns) != n_in:
            raise MlkitValueError(
                with_hint(
                    SCHEMA_ERROR.format(
                        details=f"it has {len(columns)} columns, the model {n_in}"
                    ),
                    "pass the training features, in the order of fit.",
                )
            )
        self._model = model
        self._columns = tuple(columns)
        self._dtypes = {c: schema[c].dtype for c in columns}
        self._kind = output_kind(model)
        self._defaults: dict[Any, Any] = {}
        if defaults is not None:
            if not isinstance(defaults, Mapping):
                raise MlkitTypeError(
                    with_hint(
                        f"'defaults' must be a mapping of feature to value; got "
                        f"{type(defaults).__name__}.",
                        "pass a dict such as defaults={'visits': 0}.",
                    )
                )
            unknown = [k for k in defaults if k not in self._dtypes]
            if unknown:
                raise MlkitValueError(
                    with_hint(
                        UNKNOWN_KEY_ERROR.format(
                            name="'defaults'", keys=", ".join(map(repr, unknown))
                        ),
                        f"the features are: {', '.join(map(str, columns[:30]))}.",
                    )
                )
            for key, value in defaults.items():
                cast = _cast(pd.Series([value]), self._dtypes[key], key, "'defaults'")
                self._defaults[key] = cast.iloc[0]

    # ---------------------------------------------------------------- attributes

    @property
    def model(self) -> Any:
        """The served model."""
        return self._model

    @property
    def columns(self) -> tuple[Any, ...]:
        """The features, in the order the model takes them."""
        return self._columns

    @property
    def dtypes(self) -> pd.Series:
        """The schema's dtype of each feature."""
        return pd.Series(self._dtypes, dtype=object)

    @property
    def defaults(self) -> dict[Any, Any]:
        """The default of each feature that has one."""
        return dict(self._defaults)

    @property
    def output(self) -> str:
        """``"probability"``, ``"class"`` or ``"prediction"``: what predict returns."""
        return self._kind

    def __repr__(self) -> str:
        what = {
            "probability": f"the probability of class {self._positive()!r}",
            "class": "a class",
            "prediction": "a number",
        }[self._kind]
        return (
            f"<Endpoint: {model_name(self._model)} on {len(self._columns)} features; "
            f"predicts {what}>"
        )

    def _positive(self) -> Any:
        classes = getattr(self._model, "classes_", None)
        if classes is None:
            return None
        value = classes[-1]
        return value.item() if isinstance(value, np.generic) else value

    # ---------------------------------------------------------------- features

    def _conform(self, data: pd.DataFrame, name: str) -> pd.DataFrame:
        """The model's input from ``data``: the one path of requests and batches."""
        unknown = [c for c in data.columns if c not in self._dtypes]
        if unknown:
            close = difflib.get_close_matches(
                str(unknown[0]), [str(c) for c in self._columns], n=1
            )
            raise MlkitValueError(
                with_hint(
                    UNKNOWN_KEY_ERROR.format(
                        name=name, keys=", ".join(map(repr, unknown[:10]))
                    ),
                    (f"did you mean {close[0]!r}? " if close else "")
                    + "send only the features: "
                    + ", ".join(map(str, self._columns[:30]))
                    + (" ..." if len(self._columns) > 30 else "."),
                )
            )
        lacking = [
            c
            for c in self._columns
            if c not in data.columns and c not in self._defaults
        ]
        if lacking:
            raise MlkitValueError(
                with_hint(
                    MISSING_KEY_ERROR.format(
                        name=name, keys=", ".join(map(repr, lacking[:10]))
                    ),
                    "send every feature, or build the Endpoint with "
                    f"defaults={{{lacking[0]!r}: ...}} for a feature that may be absent.",
                )
            )
        out = {}
        for column in self._columns:
            if column in data.columns:
                values = data[column]
            else:
                values = pd.Series(
                    [self._defaults[column]] * len(data),
                    index=data.index,
                    dtype=self._dtypes[column],
                )
            out[column] = _cast(values, self._dtypes[column], column, name)
        return pd.DataFrame(out, index=data.index)

    def features(self, record: Mapping[Any, Any]) -> pd.DataFrame:
        """The one-row frame the model sees for ``record``.

        Columns in the schema's order, with its dtypes; a key missing from the
        record takes its default, or raises if it has none; an unknown key
        raises.
        """
        if not isinstance(record, Mapping):
            raise MlkitTypeError(
                with_hint(
                    f"'record' must be a mapping of feature to value; got "
                    f"{type(record).__name__}.",
                    "pass a dict such as {'age': 35, 'plan': 'pro'}; for many rows "
                    "use predict_batch(frame).",
                )
            )
        # One column per key, each a list of one value, so that a list or an
        # array sent as a value stays one value.
        index = pd.RangeIndex(1)
        raw = pd.DataFrame(
            {
                key: pd.Series([value], index=index, dtype=_infer(value))
                for key, value in record.items()
            },
            index=index,
        )
        return self._conform(raw, "'record'")

    def frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """The frame the model sees for the rows of ``X``, as :meth:`features` for each."""
        check_frame(X, "X", allow_empty=True)
        return self._conform(X, "'X'")

    # ---------------------------------------------------------------- predictions

    def predict(self, record: Mapping[Any, Any]) -> Any:
        """The model's output for one request: see :attr:`output`.

        A float for a probability or a number, the class label for a classifier
        without ``predict_proba`` or with more than two classes.
        """
        value = self._predict(self.features(record), "'record'")[0]
        return value.item() if isinstance(value, np.generic) else value

    def predict_batch(self, X: pd.DataFrame) -> np.ndarray:
        """The model's outputs for the rows of ``X``, the same as :meth:`predict` on each."""
        frame = self.frame(X)
        if len(frame) == 0:
            return np.empty(0, dtype="float64" if self._kind != "class" else object)
        return self._predict(frame, "'X'")

    def _predict(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        from mlkit._exceptions import MlkitError
        from mlkit._validation import MODEL_ERRORS

        try:
            return predict_scores(
                self._model, model_input(self._model, frame), self._kind
            )
        except MlkitError:
            raise
        except MODEL_ERRORS as error:
            # Values the schema accepts but the model does not, such as a missing
            # value for a model without an imputer.
            first = (str(error).strip().split("\n") or [""])[0][:300]
            raise MlkitValueError(
                with_hint(
                    PREDICT_ERROR.format(
                        name=name,
                        model=model_name(self._model),
                        error=f"{type(error).__name__}: {first}",
                    ),
                    "send values the model was trained to take; for missing values, "
                    "serve a Pipeline with a SimpleImputer, or give the feature a "
                    "default when it is absent.",
                )
            ) from error


def _infer(value: Any) -> Any:
    # A lone None is missing: float rather than object, so that a nullable or float
    # column takes it.
    return "float64" if value is None else None


# --------------------------------------------------------------------------- saving


def _check_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise MlkitTypeError(
            with_hint(
                f"'path' must be a str or a pathlib.Path; got {type(path).__name__}.",
                "pass a path such as 'models/churn.skops'.",
            )
        )
    return Path(path)


def save_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save a fitted model with skops, a format that loads without running code.

    Parameters
    ----------
    model : fitted scikit-learn model or Pipeline
    path : str or pathlib.Path
        Where to write; ``.skops`` is added to a path without a suffix, and
        another suffix is refused. Missing folders are created.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.deployment import load_model, save_model
    >>> X = np.arange(10.0).reshape(-1, 1); y = (X[:, 0] > 4).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> path = save_model(model, tempfile.mkdtemp() + "/model")
    >>> path.suffix
    '.skops'
    >>> (load_model(path).predict(X) == model.predict(X)).all()
    np.True_
    """
    check_model(model)
    target = _check_path(path)
    if target.suffix == "":
        target = target.with_suffix(".skops")
    elif target.suffix != ".skops":
        raise MlkitValueError(
            with_hint(
                SUFFIX_ERROR.format(path=target),
                f"name it {target.with_suffix('.skops').name}: the suffix says how the "
                "file loads.",
            )
        )
    from mlkit._optional import require

    sio = require("skops.io", purpose="save models safely", package="skops")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(model, target)
    except OSError as error:
        # A folder where the file should be, or a file where a folder should be.
        raise MlkitValueError(
            with_hint(
                WRITE_ERROR.format(
                    path=target, detail=f"{type(error).__name__}: {error.strerror}"
                ),
                "pass the path of a file in a folder you can write to, such as "
                "'models/churn.skops'.",
            )
        ) from error
    return target


def _type_name(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, type) or callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    raise MlkitTypeError(
        with_hint(
            f"'trusted' must list type names (str), classes or functions; got "
            f"{value!r}.",
            "pass the names that skops.io.get_untrusted_types(file=path) lists.",
        )
    )


def check_trusted(
    path: str | os.PathLike[str], trusted: Iterable[Any] | None = None
) -> list[str]:
    """The types of a skops file that need trust, once each is found trustworthy.

    Types from scikit-learn, numpy and scipy (:data:`TRUSTED_MODULES`) are
    trusted; any other type must be named in ``trusted``, or the file is
    refused: loading it could run code that the type brings.

    Parameters
    ----------
    path : str or pathlib.Path
        A file written by :func:`save_model` or ``skops.io.dump``.
    trusted : iterable of str, class or function, optional
        Further types to trust, by the names ``skops.io.get_untrusted_types``
        gives (``"module.Class"``), or the classes and functions themselves.

    Returns
    -------
    list of str
        Every type of the file that skops does not trust by default, all of
        them checked: what ``skops.io.load(path, trusted=...)`` takes.

    Raises
    ------
    MlkitValueError
        A missing file, a file that is not skops, or a type not trusted.
    """
    target = _check_path(path)
    if isinstance(trusted, (str, bytes)):
        raise MlkitTypeError(
            with_hint(
                f"'trusted' must be a list of type names; got the string {trusted!r}.",
                f"pass trusted=[{trusted!r}].",
            )
        )
    allowed = set() if trusted is None else {_type_name(t) for t in trusted}
    if not target.is_file():
        raise MlkitValueError(
            with_hint(
                f"'path' {str(target)!r} is not a file.",
                "pass the path save_model returned.",
            )
        )
    from mlkit._optional import require

    sio = require("skops.io", purpose="load models safely", package="skops")
    try:
        untrusted = list(sio.get_untrusted_types(file=target))
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        # A zip without skops' schema raises a KeyError.
        raise MlkitValueError(
            with_hint(
                NOT_SKOPS_ERROR.format(path=target, detail=str(error).strip("\"'")),
                "load only files written by save_model or skops.io.dump; mlkit "
                "never unpickles files, since a pickle can run any code.",
            )
        ) from None
    refused = [
        t for t in untrusted if not t.startswith(TRUSTED_MODULES) and t not in allowed
    ]
    if refused:
        raise MlkitValueError(
            with_hint(
                UNTRUSTED_ERROR.format(path=target, types=", ".join(refused)),
                "mlkit loads scikit-learn, numpy and scipy types only. Inspect the "
                "file with skops.io.get_untrusted_types(file=path); if you wrote it "
                "or trust where it comes from, load it with "
                f"load_model(path, trusted={refused!r}).",
            )
        )
    return untrusted


def load_model(
    path: str | os.PathLike[str], *, trusted: Iterable[Any] | None = None
) -> Any:
    """Load a model saved with :func:`save_model`, after checking its types.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.skops`` file.
    trusted : iterable of str, class or function, optional
        Types beyond scikit-learn, numpy and scipy to load, such as a custom
        estimator you wrote; see :func:`check_trusted`.

    Returns
    -------
    The model.

    Raises
    ------
    MlkitValueError
        A file that is not skops, or that holds a type outside scikit-learn,
        numpy and scipy not named in ``trusted``: the message lists them.
    """
    types = check_trusted(path, trusted)
    from mlkit._optional import require

    sio = require("skops.io", purpose="load models safely", package="skops")
    return sio.load(Path(path), trusted=types)
