"""Smaller, faster variants of a fitted model, compared on the metric, size and latency.

Chapter 7 of *Designing Machine Learning Systems* ("Model Compression") lists
ways to make a model cheaper to serve: pruning (remove parts of the model that
matter little), quantization (fewer bits per number), knowledge distillation (a
small student trained to mimic a large teacher) and low-rank factorisation (for
neural networks). :func:`compare_compression` tries their counterparts for the
tabular models of :func:`mlkit.models.ladder` and puts every variant in one
table with what it costs (the metric on held-out rows) and what it saves (size
on disk, latency, throughput):

- "fewer trees": an ensemble refitted with a quarter of its trees (pruning);
- "shallower trees": trees limited to depth 3, or 8 leaves for histogram
  gradient boosting (pruning);
- "float32 inputs": the preprocessed matrix cast to 32-bit floats before the
  estimator, refitted (quantization of the inputs, and of the weights a
  linear model learns from them);
- "drop weak features": refitted without the input columns that permutation
  importance finds useless (a smaller feature pipeline to serve);
- "distilled": a depth-6 decision tree trained on the teacher's predictions.

A variant that does not apply to the model (fewer trees for a logistic
regression) stays in the table with ``applies=False`` and the reason.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.ensemble import RandomForestRegressor
>>> from mlkit.deployment import compare_compression
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "noise"])
>>> y = X["a"] * 2 + X["b"] + rng.normal(scale=0.3, size=600)
>>> model = RandomForestRegressor(n_estimators=20, random_state=0).fit(X[:400], y[:400])
>>> result = compare_compression(model, X[:400], y[:400], X[400:], y[400:])
>>> result.to_frame()[["variant", "applies"]]
              variant  applies
0            original     True
1         fewer trees     True
2     shallower trees     True
3      float32 inputs     True
4  drop weak features     True
5           distilled     True
>>> result.dropped
('noise',)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_frame
from mlkit.deployment._common import (
    check_model,
    model_columns,
    model_input,
    model_name,
    output_kind,
    resolve_metric,
    size_bytes,
)
from mlkit.deployment._latency import time_batch, time_requests
from mlkit.deployment._serving import Endpoint

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "COMPRESSION_COLUMNS",
    "VARIANTS",
    "CompressionComparison",
    "compare_compression",
]

#: The variants of :func:`compare_compression`, in the order of its table.
VARIANTS: tuple[str, ...] = (
    "original",
    "fewer trees",
    "shallower trees",
    "float32 inputs",
    "drop weak features",
    "distilled",
)
#: The columns of :attr:`CompressionComparison.table`.
COMPRESSION_COLUMNS: tuple[str, ...] = (
    "variant",
    "applies",
    "description",
    "metric",
    "value",
    "change",
    "size_bytes",
    "size_ratio",
    "p50_ms",
    "rows_per_second",
)
#: Share of the trees (or boosting iterations) "fewer trees" keeps.
TREE_SHARE = 4
#: Depth of "shallower trees", and leaves of a shallower histogram boosting.
SHALLOW_DEPTH = 3
SHALLOW_LEAVES = 8
#: Depth of the distilled student tree.
STUDENT_DEPTH = 6
#: Share of the training rows held out to compute permutation importance.
HELD_OUT_SHARE = 0.25
PERMUTATION_REPEATS = 5
#: Single-row requests timed per variant (the median is ``p50_ms``) ...
TIMING_REQUESTS = 50
#: ... and rows of the batch, run three times, behind ``rows_per_second``.
TIMING_ROWS = 1000
TIMING_REPEATS = 3
#: Predictions closer than this count as the same ("float32 inputs").
SAME_PREDICTIONS = 1e-12


def _estimators(model: Any) -> list[Any]:
    """``model`` and every estimator nested in it, each once."""
    found = [model]
    seen = {id(model)}
    for value in model.get_params(deep=True).values():
        if hasattr(value, "get_params") and id(value) not in seen:
            seen.add(id(value))
            found.append(value)
    return found


def _short(estimator: Any) -> str:
    return type(estimator).__name__


def _fewer_trees(model: Any) -> tuple[Any, list[str]]:
    from sklearn.base import clone
    from sklearn.ensemble import (
        BaseEnsemble,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    variant = clone(model)
    changes = []
    for obj in _estimators(variant):
        if isinstance(
            obj, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
        ):
            param = "max_iter"
        elif isinstance(obj, BaseEnsemble) and "n_estimators" in obj.get_params(False):
            param = "n_estimators"
        else:
            continue
        before = obj.get_params(deep=False)[param]
        after = max(1, before // TREE_SHARE)
        if after < before:
            obj.set_params(**{param: after})
            changes.append(f"{_short(obj)} {param} {before} → {after}")
    return variant, changes


def _shallower_trees(model: Any) -> tuple[Any, list[str], bool]:
    from sklearn.base import clone
    from sklearn.ensemble import (
        BaseEnsemble,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.tree import BaseDecisionTree

    variant = clone(model)
    changes = []
    trees = False
    for obj in _estimators(variant):
        params = obj.get_params(deep=False)
        if isinstance(
            obj, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
        ):
            trees = True
            leaves = params["max_leaf_nodes"]
            if leaves is None or leaves > SHALLOW_LEAVES:
                obj.set_params(max_leaf_nodes=SHALLOW_LEAVES)
                changes.append(
                    f"{_short(obj)} max_leaf_nodes {leaves} → {SHALLOW_LEAVES}"
                )
        elif (
            isinstance(obj, (BaseDecisionTree, BaseEnsemble)) and "max_depth" in params
        ):
            trees = True
            depth = params["max_depth"]
            if depth is None or depth > SHALLOW_DEPTH:
                obj.set_params(max_depth=SHALLOW_DEPTH)
                changes.append(f"{_short(obj)} max_depth {depth} → {SHALLOW_DEPTH}")
    return variant, changes, trees


def _all_trees(model: Any) -> bool:
    """Whether every final estimator in ``model`` is a tree or an ensemble of trees."""
    from sklearn.ensemble import (
        BaseEnsemble,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.tree import BaseDecisionTree

    kinds = (
        BaseDecisionTree,
        BaseEnsemble,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    finals = [
        o
        for o in _estimators(model)
        if hasattr(o, "predict") and not hasattr(o, "steps")
    ]
    finals = [o for o in finals if not hasattr(o, "estimators")]
    return bool(finals) and all(isinstance(o, kinds) for o in finals)


def _float32_step() -> Any:
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.utils import check_array

    # scikit-learn's own function, so that a saved variant loads on trust.
    return FunctionTransformer(
        check_array,
        kw_args={
            "accept_sparse": True,
            "dtype": np.float32,
            "ensure_all_finite": False,
        },
    )


def _float32_inputs(model: Any) -> tuple[Any, list[str]]:
    """A clone with a cast to float32 before the estimator of each pipeline."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    variant = clone(model)
    changed = []
    for obj in _estimators(variant):
        if (
            isinstance(obj, Pipeline)
            and len(obj.steps) > 1
            and hasattr(obj.steps[-1][1], "predict")
        ):
            steps = list(obj.steps)
            steps.insert(len(steps) - 1, ("float32", _float32_step()))
            obj.set_params(steps=steps)
            changed.append(_short(obj.steps[-1][1]))
    if not changed:
        # A bare estimator: its input itself is cast.
        if isinstance(variant, Pipeline):
            variant = Pipeline([("float32", _float32_step()), *variant.steps])
            changed.append(_short(variant.steps[-1][1]))
        else:
            variant = Pipeline([("float32", _float32_step()), ("model", variant)])
            changed.append(_short(variant.steps[-1][1]))
    return variant, changed


def _column_lists(model: Any, dropped: set[Any]) -> str | None:
    """Remove ``dropped`` from every ColumnTransformer of ``model``; a reason if it cannot."""
    from sklearn.compose import ColumnTransformer

    for obj in _estimators(model):
        if not isinstance(obj, ColumnTransformer):
            continue
        kept = []
        for name, transformer, columns in obj.transformers:
            if isinstance(columns, str):
                if columns not in dropped:
                    kept.append((name, transformer, columns))
                continue
            if isinstance(columns, (list, tuple, np.ndarray, pd.Index)) and all(
                isinstance(c, str) for c in columns
            ):
                left = [c for c in columns if c not in dropped]
                if left:
                    kept.append((name, transformer, left))
                continue
            return (
                f"a ColumnTransformer selects the columns of {name!r} by position or "
                "by a selector; drop the columns there and refit"
            )
        obj.set_params(transformers=kept)
    return None


def _weak_features(
    model: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    metric: str,
    seed: int | None,
) -> tuple[list[Any], str]:
    """Columns to drop and why: permutation importance on held-out training rows."""
    from sklearn.base import clone, is_classifier
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import train_test_split

    from mlkit.evaluation import METRICS

    columns = list(X.columns)
    stratify = None
    if is_classifier(model):
        # A stratified split needs two rows of each class and room for every class
        # on both sides; on fewer rows the split is left to chance.
        _, counts = np.unique(y, return_counts=True)
        n_held = int(np.ceil(HELD_OUT_SHARE * len(X)))
        if counts.min() >= 2 and len(counts) <= min(n_held, len(X) - n_held):
            stratify = y
    fit_rows, held_out = train_test_split(
        np.arange(len(X)),
        test_size=HELD_OUT_SHARE,
        random_state=seed,
        stratify=stratify,
    )
    probe = clone(model).fit(model_input(model, X.iloc[fit_rows]), y[fit_rows])
    result = permutation_importance(
        probe,
        model_input(model, X.iloc[held_out]),
        y[held_out],
        scoring=METRICS[metric],
        n_repeats=PERMUTATION_REPEATS,
        random_state=seed,
    )
    importance = result.importances_mean
    order = np.argsort(importance, kind="stable")
    weak = [columns[i] for i in order if importance[i] <= 0]
    why = "permutation importance ≤ 0"
    if not weak:
        weak = [columns[i] for i in order[: len(columns) // 2]]
        why = "the weakest half by permutation importance (none was ≤ 0)"
    if len(weak) == len(columns):
        weak = weak[:-1]  # keep the strongest
    return weak, f"{why} on {len(held_out):,} held-out training rows"


def _preprocessor(model: Any) -> Any:
    """An unfitted clone of the model's preprocessing, or None if it has none."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline) and len(model.steps) > 1:
        return clone(model[:-1])
    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    members = getattr(final, "estimators", None)
    if isinstance(members, list):
        for member in members:
            candidate = member[1] if isinstance(member, tuple) else member
            if isinstance(candidate, Pipeline) and len(candidate.steps) > 1:
                return clone(candidate[:-1])
    return None


def _distil(model: Any, X: Any, seed: int | None, kind: str) -> tuple[Any, str]:
    """A depth-6 tree on the model's preprocessing, fitted on its predictions."""
    import scipy.sparse as sp
    from sklearn.pipeline import Pipeline
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    pre = _preprocessor(model)
    matrix = X if pre is None else pre.fit_transform(X)
    if kind == "prediction":
        student = DecisionTreeRegressor(max_depth=STUDENT_DEPTH, random_state=seed)
        student.fit(matrix, np.asarray(model.predict(X), dtype="float64"))
        how = "a regression tree on the teacher's predictions"
    else:
        classes = np.asarray(model.classes_)
        if hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(X), dtype="float64")
        else:
            proba = (np.asarray(model.predict(X))[:, None] == classes).astype("float64")
        # Each row once per class, weighted by the teacher's probability of that
        # class: the Gini criterion on these weights picks the splits that squared
        # error picks on the probabilities, and each leaf's predict_proba is the
        # teacher's mean probability there, as a regression tree on them gives.
        k = len(classes)
        stacked = (
            sp.vstack([matrix] * k) if sp.issparse(matrix) else np.vstack([matrix] * k)
        )
        student = DecisionTreeClassifier(max_depth=STUDENT_DEPTH, random_state=seed)
        student.fit(
            stacked, np.repeat(classes, len(proba)), sample_weight=proba.T.ravel()
        )
        how = (
            "a classification tree on the teacher's probabilities (each row once "
            "per class, weighted by its probability: the splits and leaf values of "
            "a regression tree on them, with predict_proba)"
        )
    if pre is None:
        return Pipeline([("model", student)]), "on the same inputs: " + how
    return Pipeline(
        [*pre.steps, ("model", student)]
    ), "on the same preprocessing: " + how


@dataclass(frozen=True, repr=False)
class CompressionComparison(Result):
    """Variants of a fitted model, with their metric, size and latency.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per variant; see :meth:`to_frame`.
    metric : str
        The metric, a key of :data:`mlkit.evaluation.METRICS`.
    higher_is_better : bool
        Whether a larger value of the metric is better.
    models : dict
        The fitted model of each variant that applies, by name; the same input
        columns as the original, except "drop weak features", which takes
        ``model.feature_names_in_``.
    dropped : tuple
        The input columns "drop weak features" removed.
    model : str
        The class of the original model (of a pipeline's last step).
    n_train, n_test : int
        Rows the variants were refitted on and scored on.
    """

    title: ClassVar[str] = "Model compression"
    table: pd.DataFrame
    metric: str
    higher_is_better: bool
    models: Mapping[str, Any] = field(compare=False)
    dropped: tuple[Any, ...]
    model: str
    n_train: int
    n_test: int

    def to_frame(self) -> pd.DataFrame:
        """One row per variant, in the order of :data:`VARIANTS`.

        Columns: ``variant``; ``applies`` (False: the variant does not apply
        to this model, and ``description`` says why; its numbers are missing);
        ``description`` (what changed); ``metric``; ``value`` (the metric on
        the test rows); ``change`` (``value`` minus the original's, signed:
        see :attr:`higher_is_better`); ``size_bytes`` (skops bytes);
        ``size_ratio`` (of the original's size); ``p50_ms`` (median
        milliseconds of 50 single-row requests through an Endpoint);
        ``rows_per_second`` (a batch of up to 1,000 test rows, median of 3
        runs).
        """
        return self.table.copy()

    def chart(self) -> alt.HConcatChart:
        """The metric against size on disk and against latency, one point per variant."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, TEXT, _title

        data = self.table[self.table["applies"]].copy()
        data["size_kb"] = data["size_bytes"].astype("float64") / 1000
        data["kind"] = np.where(data["variant"] == "original", "original", "variant")
        y = alt.Y(
            "value:Q",
            title=self.metric + ("" if self.higher_is_better else " (lower is better)"),
            scale=alt.Scale(zero=False),
        )
        color = alt.Color(
            "kind:N",
            scale=alt.Scale(
                domain=["original", "variant"], range=[PALETTE[3], PALETTE[0]]
            ),
            legend=None,
        )
        tooltip = [
            "variant:N",
            alt.Tooltip("value:Q", format=".4g"),
            alt.Tooltip("change:Q", format="+.3g"),
            alt.Tooltip("size_kb:Q", title="kB", format=",.0f"),
            alt.Tooltip("p50_ms:Q", format=".3g"),
        ]

        def panel(x: str, x_title: str, title: str) -> alt.LayerChart:
            base = alt.Chart(data).encode(
                x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log")), y=y
            )
            return (
                base.mark_point(filled=True, size=80).encode(
                    color=color, tooltip=tooltip
                )
                + base.mark_text(
                    align="left", dx=7, fontSize=FONT_SIZE - 1, color=TEXT
                ).encode(text="variant:N")
            ).properties(width=300, height=240, title=_title(title))

        return alt.hconcat(
            panel("size_kb", "size on disk, kB (log scale)", "Metric against size"),
            panel(
                "p50_ms", "median ms per request (log scale)", "Metric against latency"
            ),
        ).properties(
            title=_title(
                f"Compressing {self.model}",
                f"{self.metric} on {self.n_test:,} test rows; red: the original",
            )
        )

    def explain(self) -> str:
        t = self.table
        original = t.iloc[0]
        text = (
            f"The original {self.model} scores {self.metric} {original['value']:.4g} "
            f"on {self.n_test:,} test rows, takes {int(original['size_bytes']):,} "
            f"bytes and answers a request in {original['p50_ms']:.3g} ms. "
        )
        parts = []
        sign = 1.0 if self.higher_is_better else -1.0
        for _, row in t.iloc[1:].iterrows():
            if not row["applies"]:
                continue
            verdict = "better" if sign * row["change"] > 0 else "worse"
            if row["change"] == 0:
                verdict = "the same"
            parts.append(
                f"{row['variant']}: {row['size_ratio']:.2f} times the size, "
                f"{row['p50_ms']:.3g} ms per request, {self.metric} "
                f"{row['change']:+.3g} ({verdict})"
            )
        if parts:
            text += "; ".join(parts) + ". "
        skipped = t.loc[~t["applies"], "variant"].tolist()
        if skipped:
            text += f"Not applicable to this model: {', '.join(skipped)}. "
        text += (
            "Chapter 7 of Designing Machine Learning Systems: pruning, quantization and "
            "knowledge distillation make a model cheaper to serve and small enough for "
            "the edge; keep a variant when what it saves (size, latency) is worth the "
            "metric it costs, judged on held-out rows."
        )
        return text


def _sklearn_seed(random_state: Any) -> int | None:
    from mlkit._validation import check_random_state

    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    return int(check_random_state(random_state).integers(2**31 - 1))


def compare_compression(
    model: Any,
    X_train: pd.DataFrame,
    y_train: Any,
    X_test: pd.DataFrame,
    y_test: Any,
    *,
    metric: str | None = None,
    random_state: int | None = 0,
) -> CompressionComparison:
    """Compare smaller variants of a fitted model in one table.

    Parameters
    ----------
    model : fitted scikit-learn model or Pipeline
        The model to compress, such as one of :func:`mlkit.models.ladder` after
        fitting; it is not changed (variants are refitted clones).
    X_train, y_train : DataFrame, array-like
        The rows the model was trained on: variants are refitted on them.
    X_test, y_test : DataFrame, array-like
        Held-out rows to score and time every variant on.
    metric : str, optional
        A name of :data:`mlkit.evaluation.METRICS`; by default "roc_auc" for a
        binary classifier, "log_loss" for several classes and "mae" for a
        regressor.
    random_state : int, optional
        Seed of the held-out rows and the permutations of "drop weak features",
        of the student tree, and of the requests timed.

    Returns
    -------
    CompressionComparison
        ``.table``, ``.models``, ``.dropped``, ``.chart()``, ``.explain()``.

    Notes
    -----
    "fewer trees" divides ``n_estimators`` of every tree ensemble (random
    forests, gradient boosting, bagging) and ``max_iter`` of histogram gradient
    boosting by four, nested ones included (an average of models). "shallower
    trees" sets ``max_depth=3`` of trees and forests, ``max_leaf_nodes=8`` of
    histogram gradient boosting. "float32 inputs" inserts
    ``FunctionTransformer(check_array, dtype=float32)`` before the estimator of
    every pipeline and refits: trees already compare float32 values, so they
    may not change at all (the description says so when every prediction is
    the same), while a linear model then learns float32 weights. "drop weak
    features" fits a clone on 75 % of the training rows, computes scikit-learn's
    ``permutation_importance`` of each input column on the other 25 % with
    ``metric``, and refits without the columns whose importance is ≤ 0 (or,
    when there are none, the weakest half), removing them from the
    ColumnTransformer's column lists. "distilled" fits the model's
    preprocessing (for an average of pipelines, that of its first member) and a
    depth-6 tree on the teacher's predictions on the training rows; for a
    classifier, each row appears once per class weighted by the teacher's
    probability of that class, which makes a ``DecisionTreeClassifier`` whose
    splits and probabilities are those of a regression tree on the
    probabilities, so the student has ``predict_proba`` and loads on trust.
    Timings vary between runs; metrics and sizes do not.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.deployment import compare_compression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(800, 4)), columns=list("abcd"))
    >>> y = (X["a"] + 0.5 * X["b"] + rng.normal(size=800) > 0).astype(int)
    >>> model = LogisticRegression().fit(X[:600], y[:600])
    >>> result = compare_compression(model, X[:600], y[:600], X[600:], y[600:])
    >>> result.to_frame().set_index("variant")["applies"].tolist()
    [True, False, False, True, True, True]
    >>> result.to_frame().loc[1, "description"]
    'LogisticRegression has no ensemble of trees to prune.'
    """
    from sklearn.base import clone

    from mlkit.evaluation import higher_is_better, score

    check_model(model)
    check_frame(X_train, "X_train")
    check_frame(X_test, "X_test")
    columns = model_columns(model, X_train, "X_train")
    model_columns(model, X_test, "X_test")
    train = X_train[columns]
    test = X_test[columns]
    y_tr = as_1d(y_train, "y_train", length=len(train))
    y_te = as_1d(y_test, "y_test", length=len(test))
    for values, name in ((y_tr, "y_train"), (y_te, "y_test")):
        if pd.isna(values).any():
            raise MlkitValueError(
                with_hint(
                    f"'{name}' has {int(pd.isna(values).sum()):,} missing value(s).",
                    "drop the rows without a label first.",
                )
            )
    metric = resolve_metric(metric, model)
    seed = _sklearn_seed(random_state)
    kind = output_kind(model)
    name = model_name(model)
    rng = np.random.default_rng(seed)
    requests = rng.integers(0, len(test), TIMING_REQUESTS)
    batch_rows = rng.permutation(len(test))[: min(len(test), TIMING_ROWS)]

    rows: list[dict[str, Any]] = []
    models: dict[str, Any] = {}

    def measure(
        variant: str, fitted: Any, description: str, names: list[Any] | None = None
    ) -> None:
        frame = test if names is None else test[names]
        endpoint = Endpoint(fitted, frame)
        latencies = time_requests(endpoint, frame.iloc[requests].to_dict("records"))
        ms = time_batch(endpoint, frame.iloc[batch_rows], TIMING_REPEATS)
        rows.append(
            {
                "variant": variant,
                "applies": True,
                "description": description,
                "value": scored(fitted, frame),
                "size_bytes": size_bytes(fitted),
                "p50_ms": float(np.median(latencies)),
                "rows_per_second": 1000.0 * len(batch_rows) / ms,
            }
        )
        models[variant] = fitted

    def scored(fitted: Any, frame: pd.DataFrame) -> float:
        try:
            return score(fitted, model_input(fitted, frame), y_te, metric)
        except MlkitError as error:
            # score names its own argument 'y'; here the labels are 'y_test'.
            message, _, hint = str(error).partition("\nHint: ")
            raise MlkitValueError(
                with_hint(
                    f"'y_test' cannot be scored with {metric!r}: {message}",
                    hint or "pass held-out rows the metric can score.",
                )
            ) from error

    def skip(variant: str, reason: str) -> None:
        rows.append({"variant": variant, "applies": False, "description": reason})

    def refit(candidate: Any, frame: pd.DataFrame) -> Any:
        return candidate.fit(model_input(model, frame), y_tr)

    measure("original", model, f"{name} as given")

    fewer, changes = _fewer_trees(model)
    if changes:
        measure(
            "fewer trees", refit(fewer, train), "refitted with " + "; ".join(changes)
        )
    else:
        skip("fewer trees", f"{name} has no ensemble of trees to prune.")

    shallow, changes, trees = _shallower_trees(model)
    if changes:
        measure(
            "shallower trees",
            refit(shallow, train),
            "refitted with " + "; ".join(changes),
        )
    elif trees:
        skip(
            "shallower trees",
            f"The trees of {name} are already at most depth {SHALLOW_DEPTH} "
            f"({SHALLOW_LEAVES} leaves for histogram boosting).",
        )
    else:
        skip("shallower trees", f"{name} has no trees to limit.")

    cast, changed = _float32_inputs(model)
    try:
        cast = refit(cast, train)
    except (TypeError, ValueError) as error:
        skip(
            "float32 inputs",
            "the input could not be cast to float32 "
            f"({str(error).splitlines()[0]}); cast the preprocessed matrix instead.",
        )
    else:
        before = Endpoint(model, test).predict_batch(test)
        after = Endpoint(cast, test).predict_batch(test)
        if kind == "class":
            same = bool(np.all(before == after))
            difference = (
                f"{np.mean(before != after):.1%} of the classes predicted differ"
            )
        else:
            gap = float(np.max(np.abs(before - after)))
            # A forest sums its trees in threads, in no fixed order: its own
            # predictions vary in the last bits from run to run.
            same = gap <= SAME_PREDICTIONS
            difference = f"predictions differ by up to {gap:.2g}"
        if same:
            description = (
                "refitted on the preprocessed matrix cast to float32: it changes "
                f"nothing for {', '.join(changed)}, whose predictions on every test "
                f"row are the same (to {SAME_PREDICTIONS:g})"
                + ("; trees compare float32 values anyway" if _all_trees(cast) else "")
            )
        else:
            description = (
                "refitted on the preprocessed matrix cast to float32 before "
                f"{', '.join(changed)}: {difference}"
            )
        measure("float32 inputs", cast, description)

    if len(columns) < 2:
        skip("drop weak features", "the model has a single input column.")
        dropped: list[Any] = []
    else:
        try:
            dropped, why = _weak_features(model, train, y_tr, metric, seed)
        except ValueError as error:
            # On a few rows a part of them may hold one class only, which the model
            # cannot be fitted on, or the metric cannot score.
            dropped, why = [], None
            reason = (
                "permutation importance could not be measured on "
                f"{len(train):,} training rows ({str(error).splitlines()[0]})"
            )
        else:
            reason = None
        reduced = clone(model)
        if reason is None:
            reason = _column_lists(reduced, set(dropped))
        if reason is not None:
            skip("drop weak features", reason[0].upper() + reason[1:] + ".")
            dropped = []
        else:
            kept = [c for c in columns if c not in set(dropped)]
            measure(
                "drop weak features",
                refit(reduced, train[kept]),
                f"refitted without {len(dropped)} of {len(columns)} input columns "
                f"({why}): {', '.join(map(str, dropped))}",
                kept,
            )

    student, how = _distil(model, model_input(model, train), seed, kind)
    measure(
        "distilled",
        student,
        f"a depth-{STUDENT_DEPTH} decision tree {how}",
    )

    table = pd.DataFrame(rows)
    order = {v: i for i, v in enumerate(VARIANTS)}
    table = table.sort_values("variant", key=lambda s: s.map(order)).reset_index(
        drop=True
    )
    table["metric"] = metric
    table["applies"] = table["applies"].astype(bool)
    original = table.iloc[0]
    table["change"] = table["value"] - original["value"]
    table["size_bytes"] = table["size_bytes"].astype("Int64")
    table["size_ratio"] = table["size_bytes"].astype("float64") / float(
        original["size_bytes"]
    )
    table = table[list(COMPRESSION_COLUMNS)]
    return CompressionComparison(
        table=table,
        metric=metric,
        higher_is_better=higher_is_better(metric),
        models=models,
        dropped=tuple(dropped),
        model=name,
        n_train=len(train),
        n_test=len(test),
    )
