"""What the deployment functions share: checks of a model, its input and its output."""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint

# Message templates, kept here so that tests can match them.
NOT_FITTED_ERROR = "'model' must be a fitted model; this {name} is not fitted."
NOT_A_MODEL_ERROR = (
    "'model' must be a fitted scikit-learn model or Pipeline; got {name}."
)
COLUMNS_ERROR = "'{name}' lacks {columns}, which the model was fitted on."


def check_model(model: Any, name: str = "model") -> None:
    """Raise unless ``model`` is a fitted scikit-learn model (or Pipeline)."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not (hasattr(model, "predict") and hasattr(model, "get_params")):
        raise MlkitTypeError(
            with_hint(
                NOT_A_MODEL_ERROR.format(name=type(model).__name__).replace(
                    "'model'", f"'{name}'"
                ),
                "pass a fitted model, for example one of mlkit.models.ladder(...) "
                "after .fit(X_train, y_train).",
            )
        )
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise MlkitValueError(
            with_hint(
                NOT_FITTED_ERROR.format(name=type(model).__name__).replace(
                    "'model'", f"'{name}'"
                ),
                "fit it on the training rows first: model.fit(X_train, y_train).",
            )
        ) from None


def model_columns(model: Any, X: pd.DataFrame, name: str) -> list[Any]:
    """The columns of ``X`` the model takes, in the order it was fitted on."""
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        n_in = getattr(model, "n_features_in_", None)
        if n_in is not None and X.shape[1] != n_in:
            raise MlkitValueError(
                with_hint(
                    f"'{name}' has {X.shape[1]} columns, but the model was fitted on "
                    f"{n_in}.",
                    "pass the columns used in fit, in the same order.",
                )
            )
        return list(X.columns)
    names = list(names)
    missing = [c for c in names if c not in X.columns]
    if missing:
        close = difflib.get_close_matches(
            str(missing[0]), [str(c) for c in X.columns], n=1
        )
        raise MlkitValueError(
            with_hint(
                COLUMNS_ERROR.format(
                    name=name, columns=", ".join(map(repr, missing[:10]))
                ),
                (f"did you mean {close[0]!r}? " if close else "")
                + "pass the rows with the feature columns used in fit; the model "
                f"takes {', '.join(map(str, names[:20]))}"
                + (" ..." if len(names) > 20 else "."),
            )
        )
    return names


def model_input(model: Any, frame: pd.DataFrame) -> Any:
    """``frame`` as the model takes it: a frame if it was fitted on names, else an array."""
    if getattr(model, "feature_names_in_", None) is None:
        return frame.to_numpy()
    return frame


def output_kind(model: Any) -> str:
    """``"probability"`` (binary classifier with predict_proba), ``"class"`` or ``"prediction"``."""
    from sklearn.base import is_classifier

    classes = getattr(model, "classes_", None)
    if is_classifier(model) or classes is not None:
        if (
            classes is not None
            and len(classes) == 2
            and hasattr(model, "predict_proba")
        ):
            return "probability"
        return "class"
    return "prediction"


def predict_scores(model: Any, X: Any, kind: str) -> np.ndarray:
    """The positive class's probability for ``"probability"``, else ``predict``."""
    if kind == "probability":
        return np.asarray(model.predict_proba(X))[:, 1].astype("float64")
    values = np.asarray(model.predict(X))
    if kind == "prediction" and values.dtype.kind in "biuf":
        return values.astype("float64")
    return values


def size_bytes(model: Any) -> int:
    """Bytes of the model serialised with skops (``skops.io.dumps``)."""
    from mlkit._optional import require

    sio = require("skops.io", purpose="measure and save models", package="skops")
    return len(sio.dumps(model))


def model_name(model: Any) -> str:
    from sklearn.pipeline import Pipeline

    final = model
    while isinstance(final, Pipeline):
        final = final.steps[-1][1]
    return type(final).__name__


# --------------------------------------------------------------------------- metrics

TASK_METRIC_ERROR = "'metric' {metric!r} scores {scores}, but the model is {kind}."


def resolve_metric(metric: Any, model: Any) -> str:
    """``metric`` checked against the model, or the default for its task.

    The default is "roc_auc" for a binary classifier with ``predict_proba``,
    "log_loss" for another classifier with it ("accuracy" without), and "mae"
    for a regressor.
    """
    from mlkit._validation import check_choice
    from mlkit.evaluation import METRICS
    from mlkit.models import BINARY_METRICS, CLASSIFICATION_METRICS, REGRESSION_METRICS

    kind = output_kind(model)
    classifier = kind != "prediction"
    scores = hasattr(model, "predict_proba")
    if metric is None:
        if kind == "probability":
            return "roc_auc"
        if classifier:
            return "log_loss" if scores else "accuracy"
        return "mae"
    check_choice(metric, tuple(METRICS), "metric")
    described = "a classifier" if classifier else "a regressor"
    if classifier and metric in REGRESSION_METRICS:
        raise MlkitValueError(
            with_hint(
                TASK_METRIC_ERROR.format(
                    metric=metric, scores="numbers", kind=described
                ),
                f"score a classifier with one of {', '.join(CLASSIFICATION_METRICS)}.",
            )
        )
    if not classifier and metric in CLASSIFICATION_METRICS:
        raise MlkitValueError(
            with_hint(
                TASK_METRIC_ERROR.format(
                    metric=metric, scores="classes", kind=described
                ),
                f"score a regressor with one of {', '.join(REGRESSION_METRICS)}.",
            )
        )
    if metric in BINARY_METRICS and len(getattr(model, "classes_", ())) != 2:
        raise MlkitValueError(
            with_hint(
                f"'metric' {metric!r} is for a binary target; the model has "
                f"{len(model.classes_)} classes.",
                "use 'log_loss', 'accuracy' or 'macro_f1' for several classes.",
            )
        )
    if metric in ("roc_auc", "pr_auc", "log_loss") and not scores:
        raise MlkitValueError(
            with_hint(
                f"'metric' {metric!r} needs predicted probabilities, which "
                f"{model_name(model)} does not give (no predict_proba).",
                "pick 'accuracy' or 'f1', or a model with predict_proba.",
            )
        )
    return metric


def metric_from_predictions(
    metric: str, y: np.ndarray, predictions: np.ndarray, classes: Any
) -> float:
    """``metric`` of a binary classifier's probabilities or a regressor's predictions.

    As :func:`mlkit.evaluation.score` computes it from the model: the positive
    class is ``classes[1]``, and a class is predicted where its probability is
    above one half.
    """
    from sklearn import metrics

    if metric == "mae":
        return float(metrics.mean_absolute_error(y, predictions))
    if metric == "rmse":
        return float(metrics.root_mean_squared_error(y, predictions))
    positive = (np.asarray(y) == classes[1]).astype("int64")
    if metric == "roc_auc":
        return float(metrics.roc_auc_score(positive, predictions))
    if metric == "pr_auc":
        return float(metrics.average_precision_score(positive, predictions))
    if metric == "log_loss":
        return float(metrics.log_loss(positive, predictions, labels=[0, 1]))
    predicted = (predictions > 0.5).astype("int64")
    if metric == "accuracy":
        return float(metrics.accuracy_score(positive, predicted))
    if metric == "f1":
        return float(metrics.f1_score(positive, predicted))
    return float(metrics.f1_score(positive, predicted, average="macro"))
