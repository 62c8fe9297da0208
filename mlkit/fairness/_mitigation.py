"""Mitigating unfairness: the same model trained and decided four ways, compared.

Chapter 11 of the book sorts mitigations by where they act: on the data before
training (pre-processing), in the training objective (in-processing), or on the
model's outputs (post-processing). :func:`compare_mitigations` runs one of each on
the same split and puts their accuracy, business cost and disparities in one table,
so that the price of each unit of fairness is visible. The algorithms are
fairlearn's, except reweighing, which is a few lines of counting.
"""

from __future__ import annotations

import functools
import numbers
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import (
    as_1d,
    check_choice,
    check_int,
    check_number,
    check_random_state,
    model_errors,
    n_rows,
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    import altair as alt

    from mlkit.fairness._metrics import GroupMetrics

__all__ = ["METHODS", "MitigationComparison", "compare_mitigations", "reweighing"]

#: The mitigations :func:`compare_mitigations` knows, in the order of its table.
METHODS: tuple[str, ...] = (
    "none",
    "reweighing",
    "exponentiated_gradient",
    "threshold_optimizer",
)
#: Where each one acts, in the book's terms.
STAGE_OF = {
    "none": "none",
    "reweighing": "pre-processing",
    "exponentiated_gradient": "in-processing",
    "threshold_optimizer": "post-processing",
}
CONSTRAINTS = ("demographic_parity", "equalized_odds")
#: The disparity each constraint asks to close.
DISPARITY_OF = {
    "demographic_parity": "demographic_parity_difference",
    "equalized_odds": "equalized_odds_difference",
}


def _codes(sensitive: Any, name: str, n: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group codes (intersections for several columns) and the columns."""
    if isinstance(sensitive, pd.DataFrame):
        frame = sensitive.reset_index(drop=True)
    elif isinstance(sensitive, pd.Series):
        frame = sensitive.reset_index(drop=True).to_frame(
            sensitive.name if sensitive.name is not None else "sensitive_feature_0"
        )
    else:
        values = np.asarray(sensitive, dtype=object)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2:
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must be one column or a table of columns; got "
                    f"{type(sensitive).__name__} of {values.ndim} dimensions.",
                    f"pass a Series or a DataFrame, for example {name}=X_train['sex'].",
                )
            )
        frame = pd.DataFrame(
            values, columns=[f"sensitive_feature_{i}" for i in range(values.shape[1])]
        )
    if frame.shape[1] == 0 or frame.columns.has_duplicates:
        raise MlkitValueError(
            with_hint(
                f"'{name}' must have one or more columns, each named once; got the "
                f"columns {list(frame.columns)[:10]}.",
                f"pass the sensitive column(s), for example {name}=X_train[['sex']].",
            )
        )
    if len(frame) != n:
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {len(frame):,} rows, but the data has {n:,}; one "
                "per row is needed.",
                "pass the sensitive columns of the same rows.",
            )
        )
    missing = int(frame.isna().to_numpy().sum())
    if missing:
        raise MlkitValueError(
            with_hint(
                f"'{name}' has missing values: {missing:,} of them; every row needs "
                "a group.",
                "fill them with a group of their own, for example "
                ".fillna('missing'), so that their rows are counted.",
            )
        )
    # Each column factorised in order of appearance: values of mixed types (1 and
    # "1") need no ordering, and the codes only have to tell the groups apart.
    codes = np.zeros(n, dtype=np.intp)
    for j in range(frame.shape[1]):
        column_codes, uniques = pd.factorize(frame.iloc[:, j], sort=False)
        codes = codes * len(uniques) + column_codes
    _, codes = np.unique(codes, return_inverse=True)
    return codes.reshape(-1), frame


def reweighing(y: Any, sensitive: Any) -> np.ndarray:
    """Kamiran and Calders' reweighing: weights that make the label independent of the group.

    Each row of group ``g`` and label ``y`` gets the weight
    ``P(g) P(y) / P(g, y)``: what the count of its cell would be if group and label
    were independent, over what it is. Rare cells (women with a high income, in
    the census data) weigh more, common ones less; a model trained with these
    weights sees a world in which every group has the same base rate. When every
    group has rows of every label, the weights sum to the number of rows; a
    group with one label only cannot be balanced (its rows weigh ``P(y)``), and
    the weights then sum to less.

    Parameters
    ----------
    y : array-like
        Training labels, of any two or more values.
    sensitive : array-like, Series or DataFrame
        The sensitive attribute(s) of the same rows; several columns give their
        intersections.

    Returns
    -------
    numpy.ndarray of float
        One weight per row.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.fairness import reweighing
    >>> y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    >>> group = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    >>> reweighing(y, group).round(3).tolist()
    [0.667, 0.667, 0.667, 2.0, 2.0, 0.667, 0.667, 0.667]
    """
    labels = as_1d(y, "y")
    if len(labels) == 0:
        raise MlkitValueError(
            with_hint(
                "'y' must hold at least one label; got none (0 rows).",
                "pass the training labels, one per row.",
            )
        )
    label_codes, uniques = pd.factorize(labels, sort=False)
    if (label_codes < 0).any():
        raise MlkitValueError(
            with_hint(
                f"'y' has {int((label_codes < 0).sum()):,} missing label(s); every "
                "row needs one.",
                "drop the rows without a label (from y and sensitive) first.",
            )
        )
    groups, _ = _codes(sensitive, "sensitive", len(labels))
    n_labels = len(uniques)
    cell = groups * n_labels + label_codes
    n = len(labels)
    cells = np.bincount(cell, minlength=(int(groups.max()) + 1) * n_labels)
    by_group = np.bincount(groups).astype(float)
    by_label = np.bincount(label_codes, minlength=n_labels).astype(float)
    expected = by_group[groups] * by_label[label_codes] / n
    return expected / cells[cell]


@functools.cache
def _sample_weighted_class() -> type:
    """A shell that routes ``fit(X, y, sample_weight=w)`` into a pipeline.

    ExponentiatedGradient calls ``fit(X, y, sample_weight=w)``; ``Pipeline.fit``
    takes a weight only as ``<last step>__sample_weight``. Made on first use, so
    that importing mlkit.fairness does not import scikit-learn.
    """
    from sklearn.base import BaseEstimator, ClassifierMixin, clone

    class SampleWeighted(ClassifierMixin, BaseEstimator):
        def __init__(self, estimator: Any = None):
            self.estimator = estimator

        def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
            self.estimator_ = clone(self.estimator)
            self.estimator_.fit(X, y, **_weight_kwargs(self.estimator_, sample_weight))
            self.classes_ = self.estimator_.classes_
            return self

        def predict(self, X: Any) -> np.ndarray:
            return self.estimator_.predict(X)

        def predict_proba(self, X: Any) -> np.ndarray:
            return self.estimator_.predict_proba(X)

    return SampleWeighted


def _weight_kwargs(estimator: Any, sample_weight: Any) -> dict[str, Any]:
    if sample_weight is None:
        return {}
    steps = getattr(estimator, "steps", None)
    if steps:
        return {f"{steps[-1][0]}__sample_weight": np.asarray(sample_weight)}
    return {"sample_weight": np.asarray(sample_weight)}


@dataclass(frozen=True, repr=False)
class MitigationComparison(Result):
    """Mitigations of unfairness side by side. Made by :func:`compare_mitigations`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per method: ``method``, ``stage`` (pre-, in- or post-processing),
        ``accuracy``, ``expected_cost`` (when costs were given), ``selection_rate``,
        ``tpr``, ``fpr``, the five disparities of
        :meth:`GroupMetrics.disparities`, and ``fit_seconds``.
    results : dict of str to GroupMetrics
        Each method's group metrics on the test rows.
    models : dict of str to estimator
        Each method's fitted model (for "threshold_optimizer", fairlearn's
        ThresholdOptimizer, which needs the sensitive features to predict).
    constraint : str
        The fairness criterion the in- and post-processing methods were asked to
        meet.
    """

    table: pd.DataFrame
    results: dict[str, GroupMetrics] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    constraint: str = "equalized_odds"
    n_test: int = 0

    title: ClassVar[str] = "Mitigations compared"

    @property
    def disparity(self) -> str:
        """The disparity the constraint targets, such as "equalized_odds_difference"."""
        return DISPARITY_OF[self.constraint]

    @property
    def cost_metric(self) -> str:
        """What the methods pay: "expected_cost" when costs were given, else "error_rate"."""
        return "expected_cost" if "expected_cost" in self.table else "error_rate"

    def to_frame(self) -> pd.DataFrame:
        """:attr:`table`, a copy."""
        return self.table.copy()

    def _costs(self) -> pd.Series:
        if self.cost_metric == "expected_cost":
            return self.table["expected_cost"]
        return 1.0 - self.table["accuracy"]

    def chart(self) -> alt.LayerChart:
        """The trade-off: the cost of each method against its disparity."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, _title

        data = pd.DataFrame(
            {
                "method": [
                    m.replace("_", " ") + ("" if m == "none" else f" ({STAGE_OF[m]})")
                    for m in self.table["method"]
                ],
                "disparity": self.table[self.disparity],
                "cost": self._costs(),
                "accuracy": self.table["accuracy"],
            }
        )
        y_title = (
            "expected cost per prediction"
            if self.cost_metric == "expected_cost"
            else "error rate"
        )
        # A legend, not labels by the points: methods often land close together.
        points = (
            alt.Chart(data)
            .mark_point(filled=True, size=130, opacity=0.9)
            .encode(
                x=alt.X(
                    "disparity:Q",
                    title=self.disparity.replace("_", " ") + " (lower is fairer)",
                    scale=alt.Scale(zero=True),
                    axis=alt.Axis(labelFontSize=FONT_SIZE),
                ),
                y=alt.Y(
                    "cost:Q",
                    title=y_title + " (lower is better)",
                    scale=alt.Scale(zero=False),
                    axis=alt.Axis(labelFontSize=FONT_SIZE),
                ),
                color=alt.Color(
                    "method:N",
                    sort=data["method"].tolist(),
                    scale=alt.Scale(
                        range=[GREY, *PALETTE[:3]][: len(data)]
                        if self.table["method"].iloc[0] == "none"
                        else list(PALETTE[: len(data)])
                    ),
                    legend=alt.Legend(title=None, orient="right", labelLimit=300),
                ),
                tooltip=[
                    alt.Tooltip("method:N"),
                    alt.Tooltip("disparity:Q", format=".3f"),
                    alt.Tooltip("cost:Q", format=".4g"),
                    alt.Tooltip("accuracy:Q", format=".3f"),
                ],
            )
        )
        return alt.layer(points).properties(
            width=420,
            height=280,
            title=_title(
                "The price of fairness: cost against disparity",
                f"{self.n_test:,} test rows; each method asked to meet "
                f"{self.constraint.replace('_', ' ')}; down and left is better",
            ),
        )

    def explain(self) -> str:
        table = self.table.set_index("method")
        disparity = self.disparity
        costs = self._costs().set_axis(self.table["method"])
        label = "expected cost" if self.cost_metric == "expected_cost" else "error rate"
        fairest = str(table[disparity].idxmin())
        text = (
            f"On {self.n_test:,} test rows, {disparity.replace('_', ' ')} goes from "
            f"{table.loc['none', disparity]:.3f} without mitigation"
            if "none" in table.index
            else f"On {self.n_test:,} test rows"
        )
        text += (
            f"; the fairest is {fairest} ({table.loc[fairest, disparity]:.3f}), at "
            f"{'an' if label[0] in 'aeiou' else 'a'} {label} of {costs[fairest]:.4g}"
        )
        if "none" in table.index:
            text += f" against {costs['none']:.4g} without mitigation"
        text += (
            ". Mitigation acts on the data (reweighing), on what training "
            "optimises (exponentiated gradient) or on the decisions (thresholds per "
            "group); each closes some of the gap at some cost, and none removes the "
            "reasons for it, such as different base rates or labels that encode past "
            "decisions. Which trade-off is acceptable is a decision for the people "
            "accountable for the system, not a number to optimise (chapter 11). "
            "Post-processing needs the sensitive attribute at prediction time, which "
            "the law may forbid; reweighing and the in-processing model do not. "
        )
        if self.cost_metric == "expected_cost" and "threshold_optimizer" in table.index:
            text += (
                "The threshold optimizer maximises accuracy (fairlearn has no cost "
                "objective for it), so its cost is that of accuracy-driven decisions."
            )
        return text


def _check_methods(methods: Any) -> tuple[str, ...]:
    if isinstance(methods, str) or not isinstance(methods, Sequence):
        raise MlkitTypeError(
            with_hint(
                f"'methods' must be a list of method names; got {methods!r}.",
                f"pass some of {', '.join(map(repr, METHODS))}.",
            )
        )
    for method in methods:
        check_choice(method, METHODS, "methods")
    if not methods:
        raise MlkitValueError(
            with_hint("'methods' is empty.", f"pass some of {', '.join(METHODS)}.")
        )
    return tuple(dict.fromkeys(methods))


def _binary(y: Any, name: str, length: int) -> np.ndarray:
    values = as_1d(y, name, length=length)
    found = pd.unique(values)
    if pd.isna(values).any() or not all(
        isinstance(v, numbers.Number) and v in (0, 1) for v in found.tolist()
    ):
        raise MlkitValueError(
            with_hint(
                f"'{name}' must hold 0/1 labels; got the values "
                f"{sorted(map(str, found))[:5]}.",
                "encode the target first: mk.features.encode_target(y, task='binary', "
                "positive_label=...).",
            )
        )
    return values.astype(int)


def compare_mitigations(
    estimator: Any,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    sensitive_train: Any,
    sensitive_test: Any,
    constraint: Literal["demographic_parity", "equalized_odds"] = "equalized_odds",
    methods: Sequence[str] = METHODS,
    threshold: float = 0.5,
    cost_fp: float | None = None,
    cost_fn: float | None = None,
    max_iter: int = 20,
    random_state: int | None = None,
) -> MitigationComparison:
    """Train and decide the same model with each mitigation, and compare them.

    Four ways, each fitted on the training rows and judged on the test rows with
    :func:`group_metrics`:

    - ``"none"``: ``estimator`` as it is, flagging from ``threshold``;
    - ``"reweighing"`` (pre-processing): the same model trained with the weights
      of :func:`reweighing`, which make label and group independent;
    - ``"exponentiated_gradient"`` (in-processing): fairlearn's
      ``ExponentiatedGradient``, which trains a randomised mix of models that
      minimises the error subject to ``constraint`` (the expected cost, with
      fairlearn's ``ErrorRate(costs=...)``, when the costs are given);
    - ``"threshold_optimizer"`` (post-processing): fairlearn's
      ``ThresholdOptimizer`` on the untreated model, which picks a (randomised)
      threshold per group so that ``constraint`` holds, maximising accuracy:
      fairlearn offers no cost objective for it, so with unequal costs its
      cost is that of accuracy-driven decisions.

    The last two decide on their own (their thresholds are part of the method),
    so ``threshold`` applies to the first two only. The table's costs use
    ``cost_fp`` and ``cost_fn`` when given.

    Parameters
    ----------
    estimator : scikit-learn classifier or pipeline
        Unfitted; its final step must accept ``sample_weight``. It gets the
        features as they are: whether they include the sensitive columns is the
        caller's choice.
    X_train, y_train, X_test, y_test
        The split; labels 0/1 (1 the positive class). Not modified.
    sensitive_train, sensitive_test : array-like, Series or DataFrame
        The sensitive attribute(s) of the training and test rows; several columns
        are judged as their intersections.
    constraint : {"equalized_odds", "demographic_parity"}
        What the in- and post-processing methods are asked to equalise.
    methods : sequence of str
        Some of :data:`METHODS`.
    threshold : float, default 0.5
        The probability from which "none" and "reweighing" flag a row.
    cost_fp, cost_fn : float, optional
        Costs of a false positive and a false negative, for the table's
        ``expected_cost``.
    max_iter : int, default 20
        Iterations of exponentiated gradient; each trains the model once.
    random_state : int, optional
        Seed of the randomised predictions of the last two methods.

    Returns
    -------
    MitigationComparison
        ``.table``, ``.results``, ``.models``, ``.chart()`` (the trade-off).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.fairness import compare_mitigations
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> group = pd.Series(rng.choice(["a", "b"], n), name="group")
    >>> X = pd.DataFrame({"x": rng.normal(size=n) + (group == "a") * 0.8})
    >>> y = (X["x"] + rng.normal(size=n) > 0.5).astype(int)
    >>> result = compare_mitigations(
    ...     LogisticRegression(), X[:3000], y[:3000], X[3000:], y[3000:],
    ...     sensitive_train=group[:3000], sensitive_test=group[3000:],
    ...     constraint="demographic_parity", random_state=0)
    >>> table = result.table.set_index("method")
    >>> bool(table.loc["threshold_optimizer", "demographic_parity_difference"]
    ...      < table.loc["none", "demographic_parity_difference"])
    True
    """
    from sklearn.base import clone

    from mlkit.evaluation import expected_cost
    from mlkit.fairness._metrics import group_metrics

    check_choice(constraint, CONSTRAINTS, "constraint")
    chosen = _check_methods(methods)
    threshold = check_number(
        threshold,
        "threshold",
        low=0,
        high=1,
        open_low=True,
        open_high=True,
        example="0.5",
    )
    if (cost_fp is None) != (cost_fn is None):
        raise MlkitValueError(
            with_hint(
                "'cost_fp' and 'cost_fn' go together; got only "
                f"{'cost_fp' if cost_fn is None else 'cost_fn'}.",
                "pass both, for example **spec.costs.as_kwargs(), or neither.",
            )
        )
    if cost_fp is not None:
        cost_fp = check_number(cost_fp, "cost_fp", low=0, example="1.0")
        cost_fn = check_number(cost_fn, "cost_fn", low=0, example="5.0")
    max_iter = check_int(max_iter, "max_iter", 1, "20")
    check_random_state(random_state)
    if not hasattr(estimator, "fit") or not hasattr(estimator, "predict_proba"):
        raise MlkitTypeError(
            with_hint(
                f"'estimator' must be a classifier with fit and predict_proba; got "
                f"{type(estimator).__name__}.",
                "pass an unfitted scikit-learn classifier or pipeline, such as "
                "mk.models.ladder(...)['logistic'].",
            )
        )
    y_tr = _binary(y_train, "y_train", n_rows(X_train, "X_train"))
    y_te = _binary(y_test, "y_test", n_rows(X_test, "X_test"))
    if y_tr.min() == y_tr.max():
        raise MlkitValueError(
            with_hint(
                f"'y_train' must hold both classes, 0 and 1; got only {y_tr[0]}.",
                "train on rows of both classes, for example a stratified split.",
            )
        )
    _, train_groups = _codes(sensitive_train, "sensitive_train", len(y_tr))
    _, test_groups = _codes(sensitive_test, "sensitive_test", len(y_te))
    # fairlearn takes one column or a table; a 1-column table as a Series.
    sf_train = train_groups.iloc[:, 0] if train_groups.shape[1] == 1 else train_groups
    sf_test = test_groups.iloc[:, 0] if test_groups.shape[1] == 1 else test_groups
    rng = np.random.default_rng(random_state)

    def seed() -> int:
        return int(rng.integers(2**31 - 1))

    rows, results, models = [], {}, {}
    untreated = None
    for method in chosen:
        started = time.perf_counter()
        with warnings.catch_warnings():
            # fairlearn's own pandas calls warn under pandas 3; nothing the caller
            # can change.
            warnings.filterwarnings("ignore", module=r"fairlearn(\.|$)")
            warnings.filterwarnings(
                "ignore", category=FutureWarning, module=r"fairlearn(\.|$)"
            )
            if method in ("none", "reweighing") or (
                method == "threshold_optimizer" and untreated is None
            ):
                weights = (
                    reweighing(y_tr, train_groups) if method == "reweighing" else None
                )
                model = clone(estimator)
                with model_errors("estimator", "fit on 'X_train'"):
                    model.fit(X_train, y_tr, **_weight_kwargs(model, weights))
                if method == "none" or method == "threshold_optimizer":
                    untreated = model
            if method in ("none", "reweighing"):
                with model_errors("estimator", "predict on 'X_test'"):
                    proba = model.predict_proba(X_test)
                predicted = (proba[:, 1] >= threshold).astype(int)
            elif method == "exponentiated_gradient":
                from fairlearn.reductions import (
                    DemographicParity,
                    EqualizedOdds,
                    ErrorRate,
                    ExponentiatedGradient,
                )

                moment = (
                    DemographicParity()
                    if constraint == "demographic_parity"
                    else EqualizedOdds()
                )
                # With costs, the mix of models minimises the expected cost, as the
                # case's threshold does for the untreated model.
                objective = (
                    ErrorRate(costs={"fp": cost_fp, "fn": cost_fn})
                    if cost_fp is not None
                    else None
                )
                model = ExponentiatedGradient(
                    _sample_weighted_class()(estimator),
                    constraints=moment,
                    objective=objective,
                    max_iter=max_iter,
                )
                with model_errors(
                    "estimator", "be trained by exponentiated gradient on 'X_train'"
                ):
                    model.fit(X_train, y_tr, sensitive_features=sf_train)
                with model_errors("estimator", "predict on 'X_test'"):
                    predicted = np.asarray(model.predict(X_test, random_state=seed()))
            else:
                from fairlearn.postprocessing import ThresholdOptimizer

                model = ThresholdOptimizer(
                    estimator=untreated,
                    constraints=constraint,
                    objective="accuracy_score",
                    prefit=True,
                    predict_method="predict_proba",
                )
                with model_errors(
                    "estimator", "be post-processed by the threshold optimizer"
                ):
                    model.fit(X_train, y_tr, sensitive_features=sf_train)
                    predicted = np.asarray(
                        model.predict(
                            X_test, sensitive_features=sf_test, random_state=seed()
                        )
                    )
        seconds = time.perf_counter() - started
        with warnings.catch_warnings():
            # Small groups are the caller's to judge from each method's result.
            from mlkit._exceptions import MlkitWarning

            warnings.simplefilter("ignore", MlkitWarning)
            result = group_metrics(
                y_te, predicted.astype(int), sensitive_features=test_groups
            )
        results[method], models[method] = result, model
        overall = result.overall
        row = {
            "method": method,
            "stage": STAGE_OF[method],
            "accuracy": float(overall["accuracy"]),
        }
        if cost_fp is not None:
            row["expected_cost"] = float(
                expected_cost(y_te, predicted, cost_fp=cost_fp, cost_fn=cost_fn)
            )
        row.update(
            selection_rate=float(overall["selection_rate"]),
            tpr=float(overall["tpr"]),
            fpr=float(overall["fpr"]),
        )
        row.update({k: float(v) for k, v in result.disparities().items()})
        row["fit_seconds"] = seconds
        rows.append(row)
    return MitigationComparison(
        table=pd.DataFrame(rows),
        results=results,
        models=models,
        constraint=constraint,
        n_test=len(y_te),
    )
