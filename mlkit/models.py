"""Model development: candidate models from simple to complex, and learning curves.

Chapter 6 of *Designing Machine Learning Systems*, "Model Development and Offline
Evaluation", gives tips for choosing a model that this module puts to work:

- **Start with the simplest models** and climb: :func:`ladder` builds the same
  candidates for any case from its column kinds, from a linear model (the
  baseline every complex model must beat) through a decision tree, bagging (a
  random forest) and boosting, to an average of two model families. Every rung
  gets the same preprocessing and the same seed, so that comparing them is fair
  ("avoid human biases in selecting models").
- **Evaluate good performance now versus good performance later**:
  :func:`learning_curve` fits a model on growing shares of the training rows
  and scores it on the training rows it saw and on fixed validation rows. The
  curve says whether more data would help (the validation score still rises),
  whether the model overfits (a wide gap between the two) or whether it is
  limited by its features or its flexibility (both scores close and flat).

Examples
--------
>>> from sklearn.datasets import make_classification
>>> from sklearn.linear_model import LogisticRegression
>>> from mlkit.models import learning_curve
>>> X, y = make_classification(600, n_features=8, random_state=0)
>>> curve = learning_curve(LogisticRegression(), X[:400], y[:400], X[400:], y[400:],
...                        metric="accuracy", random_state=0)
>>> curve.to_frame()["rows"].tolist()
[40, 100, 200, 300, 400]
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_int,
    check_same_columns,
    model_errors,
    n_rows,
)

if TYPE_CHECKING:
    import altair as alt
    from sklearn.pipeline import Pipeline

__all__ = [
    "BOOSTING_TEXT_FEATURES",
    "FOREST_MAX_ROWS",
    "LADDERS",
    "TASKS",
    "LearningCurve",
    "ladder",
    "learning_curve",
]

Task = Literal["binary", "multiclass", "regression"]

#: The tasks :func:`ladder` builds models for.
TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")
#: The rungs of :func:`ladder` for each kind of task, from simple to complex.
LADDERS: Mapping[str, tuple[str, ...]] = {
    "classification": ("logistic", "tree", "random_forest", "boosting", "averaging"),
    "regression": ("linear", "tree", "random_forest", "boosting", "averaging"),
}
#: Rows each tree of the random forest sees at most, when ``n_rows`` is given.
FOREST_MAX_ROWS = 50_000
#: TF-IDF vocabulary of each text column for boosting, which needs a dense input.
BOOSTING_TEXT_FEATURES = 300

#: Metrics scored on classes or class scores, and those scored on numbers.
CLASSIFICATION_METRICS: tuple[str, ...] = (
    "accuracy",
    "f1",
    "macro_f1",
    "roc_auc",
    "pr_auc",
    "log_loss",
)
REGRESSION_METRICS: tuple[str, ...] = ("mae", "rmse")
#: Metrics of a binary problem whose positive class is the label 1 (or True).
BINARY_METRICS: tuple[str, ...] = ("f1", "roc_auc", "pr_auc")
#: Metrics bounded by 0 and 1, whose tolerances are absolute; the others (errors
#: and losses) have no natural scale, and their tolerances are relative.
BOUNDED_METRICS: tuple[str, ...] = ("accuracy", "f1", "macro_f1", "roc_auc", "pr_auc")

#: A validation score still improves when it gains more than this between the last
#: two sizes: in points for a score in [0, 1] ...
IMPROVING_TOLERANCE = 0.005
#: ... and as a share of the validation error for a loss or an error.
IMPROVING_RELATIVE = 0.01
#: A gap between training and validation scores is large above this: in points
#: for a score in [0, 1] ...
LARGE_GAP = 0.05
#: ... and as a share of the validation error for a loss or an error.
LARGE_GAP_RELATIVE = 0.10

# Message templates, kept here so that tests can match them.
SIZES_ERROR = "'sizes' must be {what}; got {got!r}."
TOO_FEW_ROWS_ERROR = (
    "'sizes' starts at {share!r} of {n:,} training rows, which is {rows:,} row(s): "
    "too few to hold every one of the {k} classes."
)
DUPLICATE_ROWS_ERROR = (
    "'sizes' {a!r} and {b!r} both give {rows:,} of the {n:,} training rows."
)
SINGLE_CLASS_ERROR = "'y_train' holds a single class ({label!r})."
UNSEEN_CLASS_ERROR = "'y_val' has label(s) that 'y_train' lacks: {labels}."
TASK_METRIC_ERROR = "'metric' {metric!r} scores {scores}, but the estimator is {kind}."
NO_SCORES_ERROR = "'metric' {metric!r} needs {needs}, which {kind} does not have."
BINARY_METRIC_ERROR = "'metric' {metric!r} is for a binary target; {detail}."
MISSING_LABEL_ERROR = "'{name}' has {count:,} missing value(s)."
CLASS_WEIGHT_ERROR = "'class_weight' only applies to classification; got {got!r}."


# --------------------------------------------------------------------------- ladder


def _check_random_state(random_state: Any) -> int | None:
    """None, or the int seed that scikit-learn takes: 0 to 2**32 - 1."""
    integer = isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    )
    if random_state is None or (integer and 0 <= random_state < 2**32):
        return None if random_state is None else int(random_state)
    raise (MlkitValueError if integer else MlkitTypeError)(
        with_hint(
            f"'random_state' must be None or an int from 0 to 2**32 - 1; got "
            f"{random_state!r}.",
            "pass an int, such as random_state=0, so that every model gets the same "
            "seed and results can be reproduced.",
        )
    )


def ladder(
    task: Task,
    kinds: Mapping[str, str],
    columns: Sequence[str] | None = None,
    *,
    class_weight: Literal["balanced"] | None = None,
    log_columns: Sequence[str] = (),
    n_rows: int | None = None,
    random_state: int | None = None,
) -> dict[str, Pipeline]:
    """Candidate models for a task, from the simplest to the most complex.

    Chapter 6 of the book advises to start with the simplest model: it is quick
    to train, easy to debug, and the baseline a complex model must clearly beat
    to earn its cost. Each rung of the ladder adds a kind of flexibility:

    1. a **linear model** ("logistic" regression for classes, "linear" ridge
       regression for numbers): one weight per encoded feature;
    2. a shallow decision **"tree"** (depth 6, leaves of 20 rows or more):
       interactions and thresholds, readable but unstable;
    3. a **"random_forest"**: bagging, 150 trees each grown on a bootstrap
       sample of the rows, averaged, which lowers a tree's variance;
    4. gradient **"boosting"** (histogram-based): trees grown one after the
       other, each fixing the errors of the previous ones, which lowers bias;
       often the strongest on tabular data;
    5. **"averaging"**: the average of the linear model and boosting (soft
       voting for classes), an ensemble of two model families whose errors
       differ, the simplest way to combine models (the book's ensembles).

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}
        The case's task.
    kinds : mapping of str to str
        Column name to kind, as in a case's ``[data.schema]``; see
        :func:`mlkit.features.make_preprocessor`. Text columns are found here.
    columns : sequence of str, optional
        The feature columns; all of ``kinds`` by default.
    class_weight : {"balanced"}, optional
        Classification only: weigh each class inversely to its frequency, for
        every model of the ladder (a treatment of class imbalance, chapter 4).
    log_columns : sequence of str, default ()
        Numeric columns every model sees as ``log(1 + x)``, for skewed amounts
        and counts (see :func:`mlkit.features.make_preprocessor`).
    n_rows : int, optional
        Rows the models will be trained on. With more than 50,000, each tree of
        the random forest is grown on a bootstrap sample of about 50,000 rows
        (``max_samples``), which keeps bagging fast on large data.
    random_state : int, optional
        The seed of every model that draws random numbers, the same for all, so
        that fitting again gives the same models.

    Returns
    -------
    dict of str to sklearn.pipeline.Pipeline
        Unfitted, in order from simple to complex: "logistic" (or "linear"),
        "tree", "random_forest", "boosting", "averaging". Each is a pipeline of
        two steps, "preprocess" (:func:`mlkit.features.make_preprocessor`) and
        "model", except "averaging", whose one step "model" holds two
        pipelines, each with its own preprocessing. Boosting takes a dense
        input, so its preprocessor keeps 300 words per text column.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlkit.models import ladder
    >>> df = pd.DataFrame({"age": [23, 35, 47, 52, 61, 29, 44, 58] * 5,
    ...                    "plan": ["a", "b", "a", "c", "b", "a", "c", "b"] * 5})
    >>> y = [0, 0, 1, 1, 1, 0, 0, 1] * 5
    >>> models = ladder("binary", {"age": "integer", "plan": "category"},
    ...                 random_state=0)
    >>> list(models)
    ['logistic', 'tree', 'random_forest', 'boosting', 'averaging']
    >>> models["logistic"].fit(df, y).predict(df.head(4)).tolist()
    [0, 0, 1, 1]
    """
    from sklearn.base import clone
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
        VotingClassifier,
        VotingRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    from mlkit.features import make_preprocessor

    check_choice(task, TASKS, "task")
    seed = _check_random_state(random_state)
    rows = None if n_rows is None else check_int(n_rows, "n_rows", 1, "len(X_train)")
    classification = task != "regression"
    if class_weight is not None:
        if not classification:
            raise MlkitValueError(
                with_hint(
                    CLASS_WEIGHT_ERROR.format(got=class_weight)
                    + " The task is 'regression'.",
                    "leave class_weight out for a numeric target.",
                )
            )
        check_choice(class_weight, ("balanced",), "class_weight")
    # Validates the columns and the kinds before anything else is built.
    sparse = make_preprocessor(kinds, columns, log_columns=log_columns)
    dense = make_preprocessor(
        kinds,
        columns,
        dense=True,
        max_text_features=BOOSTING_TEXT_FEATURES,
        log_columns=log_columns,
    )
    # A float: relative to the rows each fit gets, so that a model fitted on a
    # subset (a learning curve's) draws proportionally fewer rows per tree.
    max_samples = (
        FOREST_MAX_ROWS / rows if rows is not None and rows > FOREST_MAX_ROWS else None
    )
    tree = {"max_depth": 6, "min_samples_leaf": 20, "random_state": seed}
    forest = {
        "n_estimators": 150,
        "min_samples_leaf": 3,
        "max_samples": max_samples,
        "n_jobs": -1,
        "random_state": seed,
    }
    if classification:
        weight = {"class_weight": class_weight}
        linear_name = "logistic"
        linear = LogisticRegression(max_iter=2000, random_state=seed, **weight)
        models = {
            "tree": DecisionTreeClassifier(**tree, **weight),
            "random_forest": RandomForestClassifier(**forest, **weight),
        }
        boosting = HistGradientBoostingClassifier(random_state=seed, **weight)
    else:
        linear_name = "linear"
        linear = Ridge(random_state=seed)
        models = {
            "tree": DecisionTreeRegressor(**tree),
            "random_forest": RandomForestRegressor(**forest),
        }
        boosting = HistGradientBoostingRegressor(random_state=seed)

    def pipeline(preprocess: Any, model: Any) -> Pipeline:
        return Pipeline([("preprocess", clone(preprocess)), ("model", model)])

    family = [
        (linear_name, pipeline(sparse, clone(linear))),
        ("boosting", pipeline(dense, clone(boosting))),
    ]
    if classification:
        average = VotingClassifier(family, voting="soft")
    else:
        average = VotingRegressor(family)
    return {
        linear_name: pipeline(sparse, linear),
        "tree": pipeline(sparse, models["tree"]),
        "random_forest": pipeline(sparse, models["random_forest"]),
        "boosting": pipeline(dense, boosting),
        "averaging": Pipeline([("model", average)]),
    }


# --------------------------------------------------------------------------- learning curve


def _check_sizes(sizes: Any) -> tuple[float, ...]:
    hint = (
        "pass shares of the training rows, increasing, such as (0.1, 0.25, 0.5, 1.0)."
    )
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence | np.ndarray):
        raise MlkitTypeError(
            with_hint(SIZES_ERROR.format(what="a sequence of shares", got=sizes), hint)
        )
    values = list(sizes)
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        raise MlkitTypeError(
            with_hint(SIZES_ERROR.format(what="numbers", got=sizes), hint)
        )
    if len(values) < 2:
        raise MlkitValueError(
            with_hint(
                SIZES_ERROR.format(what="at least two shares", got=sizes),
                "a curve needs two points or more; " + hint,
            )
        )
    shares = tuple(float(v) for v in values)
    outside = [v for v in shares if not 0 < v <= 1]
    if outside:
        raise MlkitValueError(
            with_hint(
                SIZES_ERROR.format(what="shares in (0, 1]", got=sizes),
                "sizes are shares of the training rows, not counts: for 100 of "
                "1,000 rows pass 0.1.",
            )
        )
    if any(b <= a for a, b in itertools.pairwise(shares)):
        raise MlkitValueError(
            with_hint(
                SIZES_ERROR.format(what="increasing, each share once", got=sizes),
                f"pass them sorted and without repeats: {tuple(sorted(set(shares)))}.",
            )
        )
    return shares


def _check_inputs(
    X_train: Any, y_train: Any, X_val: Any, y_val: Any
) -> tuple[Any, np.ndarray, int, int]:
    """Training and validation rows stacked into one X and one y, and their counts."""
    import scipy.sparse as sp

    n_train = n_rows(X_train, "X_train")
    n_val = n_rows(X_val, "X_val")
    train_y = as_1d(y_train, "y_train", length=n_train)
    val_y = as_1d(y_val, "y_val", length=n_val)
    for name, values in (("y_train", train_y), ("y_val", val_y)):
        if values.dtype.kind not in "biu":
            missing = int(pd.isna(values).sum())
            if missing:
                raise MlkitValueError(
                    with_hint(
                        MISSING_LABEL_ERROR.format(name=name, count=missing),
                        "drop the rows without a target before drawing the curve.",
                    )
                )
    frames = [isinstance(X, pd.DataFrame) for X in (X_train, X_val)]
    if not frames[0] and not sp.issparse(X_train):
        X_train = np.asarray(X_train)
    if not frames[1] and not sp.issparse(X_val):
        X_val = np.asarray(X_val)
    if frames[0] != frames[1]:
        raise MlkitTypeError(
            with_hint(
                f"'X_train' and 'X_val' must be of the same kind; got "
                f"{type(X_train).__name__} and {type(X_val).__name__}.",
                "pass two DataFrames (for a Pipeline that selects columns by name) "
                "or two arrays.",
            )
        )
    if frames[0]:
        check_same_columns(X_train, X_val, ("X_train", "X_val"))
        # New rows 0..n-1; the caller's frames are left as they are.
        X = pd.concat([X_train, X_val[X_train.columns]], ignore_index=True)
    else:
        if X_train.shape[1] != X_val.shape[1]:
            raise MlkitValueError(
                with_hint(
                    f"'X_train' has {X_train.shape[1]} columns and 'X_val' "
                    f"{X_val.shape[1]}.",
                    "pass the same features for both.",
                )
            )
        if sp.issparse(X_train) or sp.issparse(X_val):
            X = sp.vstack([sp.csr_matrix(X_train), sp.csr_matrix(X_val)], format="csr")
        else:
            X = np.concatenate([np.asarray(X_train), np.asarray(X_val)])
    return X, np.concatenate([train_y, val_y]), n_train, n_val


def _label_list(labels: Any, limit: int = 6) -> str:
    items = list(labels)
    shown = ", ".join(
        repr(v.item() if hasattr(v, "item") else v) for v in items[:limit]
    )
    return shown + (", ..." if len(items) > limit else "")


def _check_metric(
    metric: Any,
    estimator: Any,
    classifier: bool,
    y_train: np.ndarray,
    y_val: np.ndarray,
) -> np.ndarray | None:
    """Check the metric against the estimator and the target; the classes if any."""
    from mlkit.evaluation import METRICS

    if metric not in METRICS:
        raise MlkitValueError(
            with_hint(
                f"'metric' must be one of {', '.join(METRICS)}; got {metric!r}.",
                "use the names the scoping notebook records, such as 'roc_auc'.",
            )
        )
    kind = "a classifier" if classifier else "a regressor"
    if classifier and metric in REGRESSION_METRICS:
        raise MlkitValueError(
            with_hint(
                TASK_METRIC_ERROR.format(metric=metric, scores="numbers", kind=kind),
                f"score a classifier with one of {', '.join(CLASSIFICATION_METRICS)}.",
            )
        )
    if not classifier and metric in CLASSIFICATION_METRICS:
        raise MlkitValueError(
            with_hint(
                TASK_METRIC_ERROR.format(metric=metric, scores="classes", kind=kind),
                f"score a regressor with one of {', '.join(REGRESSION_METRICS)}; for "
                "classes, pass a classifier (is_classifier(estimator) must be True).",
            )
        )
    name = type(estimator).__name__
    if metric == "log_loss" and not hasattr(estimator, "predict_proba"):
        raise MlkitValueError(
            with_hint(
                NO_SCORES_ERROR.format(
                    metric=metric,
                    needs="predicted probabilities (predict_proba)",
                    kind=name,
                ),
                "pick a metric of predicted classes, such as 'accuracy', or a model "
                "with predict_proba (for an SVC, probability=True; for voting, "
                "voting='soft').",
            )
        )
    if metric in ("roc_auc", "pr_auc") and not (
        hasattr(estimator, "predict_proba") or hasattr(estimator, "decision_function")
    ):
        raise MlkitValueError(
            with_hint(
                NO_SCORES_ERROR.format(
                    metric=metric,
                    needs="scores (predict_proba or decision_function)",
                    kind=name,
                ),
                "pick a metric of predicted classes, such as 'accuracy', or a model "
                "that scores its predictions.",
            )
        )
    if not classifier:
        if y_train.dtype.kind not in "biuf" or y_val.dtype.kind not in "biuf":
            raise MlkitTypeError(
                with_hint(
                    "'y_train' and 'y_val' must hold numbers for a regressor.",
                    "pass the numeric target, or a classifier for classes.",
                )
            )
        return None
    try:
        classes = np.unique(y_train)
        unseen = np.setdiff1d(np.unique(y_val), classes)
    except TypeError:
        raise MlkitTypeError(
            with_hint(
                "the labels of 'y_train' and 'y_val' cannot be sorted: they mix types.",
                "give every label the same type, for example with y.astype(str).",
            )
        ) from None
    if len(classes) < 2:
        raise MlkitValueError(
            with_hint(
                SINGLE_CLASS_ERROR.format(label=classes[0].item()),
                "a classifier needs rows of two classes or more to learn from.",
            )
        )
    if len(unseen):
        raise MlkitValueError(
            with_hint(
                UNSEEN_CLASS_ERROR.format(labels=_label_list(unseen)),
                "split so that every class has training rows (a stratified split), "
                "or drop the validation rows of those classes.",
            )
        )
    if metric in BINARY_METRICS:
        if len(classes) != 2:
            detail = f"'y_train' has {len(classes)} classes ({_label_list(classes)})"
            fix = "for several classes use 'macro_f1', 'accuracy' or 'log_loss'."
        elif not set(classes.tolist()) <= {0, 1}:
            detail = (
                f"its positive class is the label 1, but the labels are "
                f"{_label_list(classes)}"
            )
            fix = (
                "encode the class to detect as 1, for example with "
                "mlkit.features.encode_target(y, task='binary', positive_label=...)."
            )
        else:
            return classes
        raise MlkitValueError(
            with_hint(BINARY_METRIC_ERROR.format(metric=metric, detail=detail), fix)
        )
    return classes


def _row_order(
    y_train: np.ndarray, classifier: bool, random_state: int | None
) -> np.ndarray:
    """The training rows in the order subsets take them: each subset is a prefix.

    First scikit-learn's shuffle (``check_random_state(random_state)
    .permutation``), exactly as ``sklearn.model_selection.learning_curve`` does with
    ``shuffle=True``. For a classifier, a stable sort then interleaves the
    classes: the k-th row of a class, in shuffled order, is placed at k / (rows of
    the class). So the first rows are one of each class, and every prefix holds
    each class in its training proportion to within one row.
    """
    from sklearn.utils import check_random_state

    order = check_random_state(random_state).permutation(len(y_train))
    if not classifier:
        return order
    _, codes, counts = np.unique(
        y_train[order], return_inverse=True, return_counts=True
    )
    # Rank of each row within its class, in shuffled order.
    by_class = np.argsort(codes, kind="stable")
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    rank = np.empty(len(order), dtype=np.int64)
    rank[by_class] = np.arange(len(order)) - starts
    return order[np.argsort(rank / counts[codes], kind="stable")]


def _model_name(estimator: Any) -> str:
    from sklearn.pipeline import Pipeline

    final = estimator
    while isinstance(final, Pipeline):
        final = final.steps[-1][1]
    return type(final).__name__


@dataclass(frozen=True, repr=False)
class LearningCurve(Result):
    """Training and validation scores of a model fitted on growing shares of its rows.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per size; see :meth:`to_frame` for the columns.
    metric : str
        The metric's name, a key of :data:`mlkit.evaluation.METRICS`. Scores are
        in its own sign: a loss or an error is positive, lower is better.
    higher_is_better : bool
        Whether a larger score is better.
    model : str
        The class of the estimator (of a pipeline's last step).
    n_train, n_validation : int
        Training rows (all sizes are shares of them) and validation rows.
    stratified : bool
        Whether each subset kept every class in its training proportion (for a
        classifier) or was a plain random share of the rows (for a regressor).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from mlkit.models import learning_curve
    >>> X, y = make_classification(500, n_features=6, flip_y=0.1, random_state=1)
    >>> curve = learning_curve(KNeighborsClassifier(1), X[:300], y[:300],
    ...                        X[300:], y[300:], metric="accuracy",
    ...                        sizes=(0.5, 1.0), random_state=0)
    >>> curve.to_frame()["train_score"].tolist()
    [1.0, 1.0]
    >>> curve.gap > 0.1
    True
    """

    title: ClassVar[str] = "Learning curve"
    table: pd.DataFrame
    metric: str
    higher_is_better: bool
    model: str
    n_train: int
    n_validation: int
    stratified: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per size of the training subset, from the smallest.

        Columns: ``rows`` (training rows the model was fitted on), ``share``
        (``rows`` as a share of all training rows), ``train_score`` (the metric
        on those rows), ``validation_score`` (on the validation rows, the same
        for every size) and ``fit_seconds`` (time to fit).
        """
        return self.table.copy()

    def _sign(self) -> float:
        return 1.0 if self.higher_is_better else -1.0

    def _scale(self) -> float:
        """What tolerances are relative to: 1 for a score in [0, 1], else the error."""
        if self.metric in BOUNDED_METRICS:
            return 1.0
        return max(abs(float(self.table["validation_score"].iloc[-1])), 1e-12)

    @property
    def gap(self) -> float:
        """Training minus validation score at the largest size; positive: overfitting."""
        last = self.table.iloc[-1]
        return self._sign() * float(last["train_score"] - last["validation_score"])

    @property
    def gain(self) -> float:
        """Improvement of the validation score between the last two sizes."""
        scores = self.table["validation_score"]
        return self._sign() * float(scores.iloc[-1] - scores.iloc[-2])

    @property
    def still_improving(self) -> bool:
        """Whether the validation score gained more than a small tolerance at the end.

        The tolerance is 0.005 for a score in [0, 1] (half a point of accuracy)
        and 1 % of the validation error for a loss or an error.
        """
        if self.metric in BOUNDED_METRICS:
            tolerance = IMPROVING_TOLERANCE
        else:
            tolerance = IMPROVING_RELATIVE * self._scale()
        return self.gain > tolerance

    @property
    def large_gap(self) -> bool:
        """Whether the gap is above 0.05 for a score in [0, 1], or 10 % of the error."""
        limit = LARGE_GAP if self.metric in BOUNDED_METRICS else LARGE_GAP_RELATIVE
        return self.gap > limit * self._scale()

    def _metric_title(self) -> str:
        return self.metric + ("" if self.higher_is_better else " (lower is better)")

    def chart(self) -> alt.LayerChart:
        """Training and validation score against training rows, on one y-axis."""
        from mlkit.charts import line_chart

        long = pd.concat(
            [
                pd.DataFrame(
                    {
                        "rows": self.table["rows"],
                        "score": self.table[column],
                        "scored on": name,
                    }
                )
                for column, name in (
                    ("train_score", "training rows"),
                    ("validation_score", "validation rows"),
                )
            ],
            ignore_index=True,
        )
        return line_chart(
            long,
            x="rows",
            y="score",
            color="scored on",
            title=f"Learning curve of {self.model}: {self.metric}",
            subtitle=(
                f"gap at {self.table['rows'].iloc[-1]:,} rows: {self.gap:+.3g}; "
                f"validation on {self.n_validation:,} rows"
            ),
            x_title="training rows",
            y_title=self._metric_title(),
        )

    def explain(self) -> str:
        first, last = self.table.iloc[0], self.table.iloc[-1]
        text = (
            f"As {self.model}'s training rows grew from {int(first['rows']):,} to "
            f"{int(last['rows']):,}, its validation {self.metric} went from "
            f"{first['validation_score']:.3f} to {last['validation_score']:.3f} "
            f"(on its training rows: {first['train_score']:.3f} to "
            f"{last['train_score']:.3f}). "
        )
        gain = (
            f"gained {self.gain:.3g} between the last two sizes"
            if self.gain >= 0
            else f"lost {-self.gain:.3g} between the last two sizes"
        )
        if self.large_gap:
            text += (
                f"At the full size, the training score beats the validation score by "
                f"{self.gap:.3g}: the model fits the rows it saw much better than new "
                "ones, a sign of high variance (overfitting). Remedies: more data, "
                "stronger regularisation, or a simpler model. "
            )
            if self.still_improving:
                text += (
                    f"The validation score still {gain}, so more data would likely "
                    "help and narrow the gap. "
                )
            else:
                text += (
                    f"The validation score has levelled off ({gain}): more rows "
                    "alone are unlikely to close the gap soon; regularise or "
                    "simplify first. "
                )
        elif self.still_improving:
            text += (
                f"Training and validation scores are close (gap {self.gap:.3g}) and "
                f"the validation score still {gain}: the model is not overfitting, "
                "and more data would likely help. "
            )
        else:
            text += (
                f"Training and validation scores are close (gap {self.gap:.3g}) and "
                f"the validation score has flattened ({gain}): more rows of the same "
                "kind will not help much. If this score is not good enough (compare "
                "it with the baselines), the model is limited by bias: better "
                "features or a more flexible model will help more than more data. "
            )
        text += (
            "Chapter 6 of the book reads learning curves to weigh good performance "
            "now against good performance later, with more data."
        )
        return text


def learning_curve(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_val: Any,
    y_val: Any,
    *,
    metric: str,
    sizes: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 1.0),
    random_state: int | None = None,
) -> LearningCurve:
    """Score a model trained on growing shares of its training rows.

    For each share in ``sizes``, a clone of ``estimator`` is fitted on that many
    training rows, drawn at random, and scored with ``metric`` on those rows and
    on all the validation rows, which stay the same for every size. Subsets are
    nested: each holds the rows of the smaller ones. For a classifier they are
    stratified: every subset holds at least one row of each class and otherwise
    each class in its training proportion, to within one row, so that a small
    subset does not miss a rare class by chance.

    The fits and scores are those of ``sklearn.model_selection.learning_curve``,
    given the training rows followed by the validation rows and one split
    between them. For a regressor the subsets are exactly its
    ``shuffle=True`` ones (with ``cv=PredefinedSplit`` of the two parts and the
    same ``random_state``); for a classifier they start from the same shuffle,
    reordered so that the classes interleave, since scikit-learn's subsets are
    not stratified and may lack a class.

    Parameters
    ----------
    estimator : scikit-learn estimator or Pipeline
        Unfitted; it is cloned for each size and not changed. A classifier
        (``sklearn.base.is_classifier``) gets stratified subsets.
    X_train, X_val : DataFrame, array or sparse matrix
        Training and validation features, of the same kind: DataFrames with the
        same columns for a Pipeline that selects columns by name.
    y_train, y_val : array-like
        Their targets.
    metric : str
        A name of :data:`mlkit.evaluation.METRICS`; see
        :func:`mlkit.evaluation.higher_is_better` for its direction.
        "log_loss" needs ``predict_proba``, "roc_auc" and "pr_auc" need
        ``predict_proba`` or ``decision_function``; "f1", "roc_auc" and
        "pr_auc" need a 0/1 target.
    sizes : sequence of float, default (0.1, 0.25, 0.5, 0.75, 1.0)
        Increasing shares of the training rows, in (0, 1]; each gives
        ``int(share * len(X_train))`` rows, as in scikit-learn.
    random_state : int, optional
        Seed of the subsets (and nothing else: seed the estimator itself).

    Returns
    -------
    LearningCurve
        The table of scores per size, with the gap between training and
        validation scores and whether the validation score still improves.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from mlkit.models import learning_curve
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1_000, 20))
    >>> y = X @ rng.normal(size=20) + rng.normal(scale=2.0, size=1_000)
    >>> curve = learning_curve(Ridge(), X[:600], y[:600], X[600:], y[600:],
    ...                        metric="mae", sizes=(0.05, 0.2, 1.0), random_state=0)
    >>> scores = curve.to_frame()["validation_score"]
    >>> bool(scores.is_monotonic_decreasing)  # a smaller error with more rows
    True
    """
    from sklearn.base import is_classifier
    from sklearn.model_selection import learning_curve as sklearn_learning_curve

    from mlkit.evaluation import METRICS, higher_is_better

    if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
        raise MlkitTypeError(
            with_hint(
                f"'estimator' must be a scikit-learn estimator or Pipeline; got "
                f"{type(estimator).__name__}.",
                "pass an unfitted model, for example one of mlkit.models.ladder(...).",
            )
        )
    shares = _check_sizes(sizes)
    seed = _check_random_state(random_state)
    X, y, n_train, n_val = _check_inputs(X_train, y_train, X_val, y_val)
    classifier = is_classifier(estimator)
    classes = _check_metric(metric, estimator, classifier, y[:n_train], y[n_train:])

    # As scikit-learn turns shares into rows: truncated, at least one.
    rows = np.clip((np.asarray(shares) * n_train).astype(int), 1, n_train)
    for i in range(1, len(rows)):
        if rows[i] == rows[i - 1]:
            raise MlkitValueError(
                with_hint(
                    DUPLICATE_ROWS_ERROR.format(
                        a=shares[i - 1], b=shares[i], rows=int(rows[i]), n=n_train
                    ),
                    "pass shares further apart, or fewer of them.",
                )
            )
    if classes is not None and rows[0] < len(classes):
        raise MlkitValueError(
            with_hint(
                TOO_FEW_ROWS_ERROR.format(
                    share=shares[0], n=n_train, rows=int(rows[0]), k=len(classes)
                ),
                f"use larger sizes: the smallest share must give at least "
                f"{len(classes)} rows, {math.ceil(len(classes) / n_train * 1000) / 1000} "
                "or more.",
            )
        )

    order = _row_order(y[:n_train], classifier, seed)
    validation = np.arange(n_train, n_train + n_val)
    with model_errors("estimator", "be fitted and scored on 'X_train' and 'X_val'"):
        _, train_scores, val_scores, fit_times, _ = sklearn_learning_curve(
            estimator,
            X,
            y,
            train_sizes=rows,
            cv=[(order, validation)],
            scoring=METRICS[metric],
            shuffle=False,
            error_score="raise",
            return_times=True,
        )
    sign = -1.0 if METRICS[metric].startswith("neg_") else 1.0
    table = pd.DataFrame(
        {
            "rows": rows.astype("int64"),
            "share": rows / n_train,
            "train_score": sign * train_scores[:, 0],
            "validation_score": sign * val_scores[:, 0],
            "fit_seconds": fit_times[:, 0],
        }
    )
    return LearningCurve(
        table=table,
        metric=metric,
        higher_is_better=higher_is_better(metric),
        model=_model_name(estimator),
        n_train=n_train,
        n_validation=n_val,
        stratified=classifier,
    )
