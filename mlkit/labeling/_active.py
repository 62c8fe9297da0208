"""Active learning: which rows to label next, and whether choosing them pays.

Labels are expensive; active learning spends them where the model is least sure,
in the hope of reaching the same performance with fewer of them. Chapter 4 of
*Designing Machine Learning Systems* presents it as one answer to the lack of
labels. This module holds:

- :func:`query`: the rows of an unlabelled pool that a fitted classifier is
  least sure about (least confidence, margin, entropy), or a random batch;
- :func:`simulate_active_learning`: a replay on a pool whose labels are known
  but hidden, that compares the strategies with random sampling at each number
  of labels used.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from mlkit.labeling import query
>>> X = np.linspace(-3, 3, 60).reshape(-1, 1)
>>> model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
>>> X[query(model, X, 3, random_state=0), 0].round(2).tolist()
[-0.05, 0.05, -0.15]

The rows nearest the boundary at 0 come first; the seed orders the two that
are equally close.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    check_random_state,
    model_errors,
    n_rows,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "QUERY_STRATEGIES",
    "ActiveLearningCurves",
    "query",
    "simulate_active_learning",
]

QueryStrategy = Literal["least_confidence", "margin", "entropy", "random"]

#: The ways :func:`query` picks rows: three measures of uncertainty, and chance.
QUERY_STRATEGIES: tuple[str, ...] = ("least_confidence", "margin", "entropy", "random")

# Message templates, kept here so that tests can match them.
ESTIMATOR_ERROR = (
    "'estimator' must be a scikit-learn classifier with predict_proba; got {got}."
)
NOT_FITTED_ERROR = "'estimator' is not fitted; query() ranks rows by its predictions."


# --------------------------------------------------------------------------- checks


def _check_classifier(estimator: Any) -> None:
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict_proba")):
        raise MlkitTypeError(
            with_hint(
                ESTIMATOR_ERROR.format(got=type(estimator).__name__),
                "pass, for example, LogisticRegression(); wrap a model without "
                "probabilities in sklearn.calibration.CalibratedClassifierCV.",
            )
        )


def _rows(X: Any) -> Any:
    """X in a form whose rows can be taken by position, cheaply and repeatedly."""
    import scipy.sparse as sp

    if isinstance(X, pd.DataFrame):
        return X
    if sp.issparse(X):
        return X.tocsr()
    return np.asarray(X)


def _take(X: Any, positions: np.ndarray) -> Any:
    """Rows of X at ``positions``: by position, never by a frame's index labels."""
    if isinstance(X, pd.DataFrame):
        return X.iloc[positions]
    return X[positions]


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _labels(values: Any, name: str, length: int) -> np.ndarray:
    array = as_1d(values, name, length=length)
    missing = pd.isna(array)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {int(missing.sum()):,} missing label(s).",
                "drop the rows without a label before simulating.",
            )
        )
    return array


# --------------------------------------------------------------------------- query


def _uncertainty(proba: np.ndarray, strategy: str) -> np.ndarray:
    """How unsure the model is about each row: higher means more worth a label."""
    from scipy.special import entr

    if strategy == "least_confidence":
        return 1.0 - proba.max(axis=1)
    if strategy == "margin":
        if proba.shape[1] < 2:
            return np.full(len(proba), -1.0)
        top_two = np.partition(proba, -2, axis=1)[:, -2:]
        return -(top_two[:, 1] - top_two[:, 0])
    return entr(proba).sum(axis=1)


def _most_uncertain(scores: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of the ``n`` highest scores, most uncertain first.

    Equal scores are ordered by a random permutation drawn from ``rng``: the seed
    decides ties, not the rows' order in the pool.
    """
    tie_break = rng.permutation(len(scores))
    return np.lexsort((tie_break, -scores))[:n]


def _pick(
    model: Any, X: Any, n: int, strategy: str, rng: np.random.Generator
) -> np.ndarray:
    if strategy == "random":
        return _most_uncertain(np.zeros(n_rows(X, "X_pool")), n, rng)
    with model_errors("estimator", "predict_proba on 'X_pool'"):
        proba = np.asarray(model.predict_proba(X), dtype="float64")
    if proba.ndim != 2 or len(proba) != n_rows(X, "X_pool", allow_empty=True):
        raise MlkitValueError(
            with_hint(
                f"'estimator' returned probabilities of shape {proba.shape} for "
                f"'X_pool'; one row per row of the pool was expected.",
                "pass a classifier whose predict_proba gives one row per row, "
                "one column per class.",
            )
        )
    if not np.isfinite(proba).all():
        raise MlkitValueError(
            with_hint(
                "'estimator' gave missing or infinite probabilities on 'X_pool'.",
                "check the pool for values the model cannot handle, such as "
                "infinities or extreme magnitudes.",
            )
        )
    return _most_uncertain(_uncertainty(proba, strategy), n, rng)


def query(
    estimator: Any,
    X_pool: Any,
    n: int,
    *,
    strategy: QueryStrategy = "least_confidence",
    random_state: Any = None,
) -> np.ndarray:
    """Positions of the ``n`` rows of an unlabelled pool to label next.

    Uncertainty sampling: a fitted classifier scores every row of the pool, and
    the rows it is least sure about come first.

    Parameters
    ----------
    estimator : fitted scikit-learn classifier
        Any fitted classifier with ``predict_proba``, a Pipeline included. It is
        only asked for probabilities, never refitted.
    X_pool : pandas.DataFrame, array-like or sparse matrix
        The unlabelled rows, with the features the estimator was fitted on.
    n : int
        How many rows to pick; from 1 to the size of the pool.
    strategy : {"least_confidence", "margin", "entropy", "random"}
        - ``"least_confidence"``: the lowest probability of the predicted class;
        - ``"margin"``: the smallest gap between the two most probable classes;
        - ``"entropy"``: the highest entropy of the predicted probabilities;
        - ``"random"``: a uniform random sample, the baseline to beat.

        With two classes the three uncertainty measures rank rows the same way:
        each is a function of the distance between the probability and 0.5.
    random_state : None, int or numpy.random.Generator
        Seed for the random strategy and for ties: rows of equal uncertainty are
        ordered by a random permutation drawn from it, so the same seed picks the
        same rows.

    Returns
    -------
    numpy.ndarray
        ``n`` distinct positions into ``X_pool`` (0-based, whatever a frame's
        index), the most uncertain first. Take the rows with ``X_pool.iloc[...]``
        for a frame.

    Notes
    -----
    Chapter 4 of the book describes active learning, and uncertainty
    measurement as its simplest query strategy. The rows picked are the ones the
    model finds hard: near the decision boundary, but also outliers and rows
    whose features are ambiguous. Look at them before spending the budget.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.labeling import query
    >>> X, y = make_classification(200, n_features=4, random_state=0)
    >>> model = LogisticRegression().fit(X[:20], y[:20])
    >>> picked = query(model, X[20:], 5, strategy="margin", random_state=0)
    >>> picked.shape
    (5,)
    >>> closest = np.argsort(np.abs(model.predict_proba(X[20:])[:, 1] - 0.5))[:5]
    >>> sorted(picked.tolist()) == sorted(closest.tolist())
    True
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    _check_classifier(estimator)
    size = n_rows(X_pool, "X_pool")
    n = check_int(n, "n", 1, "10")
    if n > size:
        raise MlkitValueError(
            with_hint(
                f"'n' asks for {n:,} rows, but 'X_pool' has only {size:,}.",
                "ask for fewer rows, or add rows to the pool.",
            )
        )
    check_choice(strategy, QUERY_STRATEGIES, "strategy")
    rng = check_random_state(random_state)
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise MlkitValueError(
            with_hint(
                NOT_FITTED_ERROR,
                "fit it on the rows labelled so far first: estimator.fit(X_labelled, "
                "y_labelled).",
            )
        ) from None
    return _pick(estimator, _rows(X_pool), n, strategy, rng)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True, repr=False)
class ActiveLearningCurves(Result):
    """Learning curves of query strategies, replayed on a pool with hidden labels.

    Attributes
    ----------
    curves : pandas.DataFrame
        One row per strategy, repeat and step: ``strategy``, ``repeat`` (0, 1,
        ...), ``labels`` (labels used so far) and ``score`` (the metric on the
        test set of the model fitted on those labels).
    metric : str
        The metric, a name of :data:`mlkit.evaluation.METRICS`.
    higher_is_better : bool
        Whether a larger score is better (False for ``log_loss``, ``mae``, ...).
    strategies : tuple of str
        The strategies compared, in the order given.
    budget, initial, batch_size, repeats : int
        The settings of the simulation.
    n_pool, n_test, n_classes : int
        Rows of the pool and of the test set, and classes of the pool.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.labeling import simulate_active_learning
    >>> X, y = make_classification(600, n_features=5, random_state=0)
    >>> result = simulate_active_learning(
    ...     LogisticRegression(), X[:400], y[:400], X[400:], y[400:], budget=60,
    ...     initial=20, batch_size=20, strategies=["margin", "random"], repeats=2,
    ...     random_state=0)
    >>> result.to_frame()[["strategy", "labels"]].values.tolist()
    [['margin', 20], ['margin', 40], ['margin', 60], ['random', 20], ['random', 40], ['random', 60]]
    """

    title: ClassVar[str] = "Active learning"
    curves: pd.DataFrame
    metric: str
    higher_is_better: bool
    strategies: tuple[str, ...]
    budget: int
    initial: int
    batch_size: int
    repeats: int
    n_pool: int
    n_test: int
    n_classes: int

    def to_frame(self) -> pd.DataFrame:
        """The mean curve of each strategy, and the spread across repeats.

        One row per strategy and number of labels, strategies in the order
        given. Columns: ``strategy``; ``labels`` (labels used); ``mean`` (the
        mean score over the repeats); ``std`` (their sample standard deviation,
        NaN with a single repeat); ``min`` and ``max`` (the lowest and highest
        score of a repeat).
        """
        order = {s: i for i, s in enumerate(self.strategies)}
        table = (
            self.curves.groupby(["strategy", "labels"], sort=False)["score"]
            .agg(["mean", "std", "min", "max"])
            .reset_index()
        )
        return table.sort_values(
            ["strategy", "labels"],
            key=lambda c: c.map(order) if c.name == "strategy" else c,
            ignore_index=True,
        )

    def _reached(self, means: pd.Series, target: float) -> pd.Series:
        # A small tolerance, so that a curve that ends at the target reaches it.
        slack = 1e-12 * max(1.0, abs(target))
        return (
            means >= target - slack
            if self.higher_is_better
            else means <= target + slack
        )

    def default_target(self) -> float:
        """The mean score of random sampling with the whole budget.

        The score that :meth:`labels_to_reach` and :meth:`explain` measure the
        strategies against, when 'random' is among them; otherwise the best mean
        score that every strategy reaches at the budget.
        """
        table = self.to_frame()
        final = table[table["labels"] == self.budget].set_index("strategy")["mean"]
        if "random" in final.index:
            return float(final["random"])
        return float(final.min() if self.higher_is_better else final.max())

    def labels_to_reach(self, target: float | None = None) -> pd.Series:
        """Labels each strategy needs before its mean score reaches ``target``.

        Parameters
        ----------
        target : float, optional
            A score; by default :meth:`default_target`, the score of random
            sampling with the whole budget.

        Returns
        -------
        pandas.Series
            One value per strategy (the index), the first number of labels at
            which the mean curve reaches the target (at least it, or at most it
            when lower is better); ``<NA>`` when it never does within the budget.
        """
        goal = self.default_target() if target is None else float(target)
        table = self.to_frame()
        needed = {}
        for strategy in self.strategies:
            rows = table[table["strategy"] == strategy]
            hit = rows["labels"][self._reached(rows["mean"], goal)]
            needed[strategy] = int(hit.min()) if len(hit) else pd.NA
        return pd.Series(needed, dtype="Int64", name="labels").rename_axis("strategy")

    def _display_frame(self) -> pd.DataFrame:
        # In a notebook: where each strategy ends, and how soon it gets there.
        table = self.to_frame()
        last = table[table["labels"] == table["labels"].max()].set_index("strategy")
        reach = self.labels_to_reach()
        return pd.DataFrame(
            {
                "strategy": list(self.strategies),
                f"{self.metric} with {self.budget} labels (mean)": [
                    last.loc[s, "mean"] for s in self.strategies
                ],
                "spread between repeats (std)": [
                    last.loc[s, "std"] for s in self.strategies
                ],
                "labels to reach random's final score": [
                    reach.loc[s] for s in self.strategies
                ],
            }
        )

    def chart(self) -> alt.LayerChart:
        """Mean score against labels used, one line per strategy, in a min-max band."""
        from mlkit.charts import band_chart

        return band_chart(
            self.to_frame(),
            x="labels",
            y="mean",
            low="min",
            high="max",
            color="strategy",
            reference=self.default_target() if "random" in self.strategies else None,
            title=f"Active learning: {self.metric} against labels used",
            subtitle=(
                f"{self.n_test:,} test rows; line: mean of {self.repeats} repeat(s), "
                "band: lowest to highest; dashed: random sampling with the whole budget"
                if "random" in self.strategies
                else f"{self.n_test:,} test rows; line: mean of {self.repeats} "
                "repeat(s), band: lowest to highest"
            ),
            x_title="labels used",
            y_title=f"{self.metric} (mean)",
        )

    def explain(self) -> str:
        table = self.to_frame()
        final = table[table["labels"] == self.budget].set_index("strategy")["mean"]
        target = self.default_target()
        needed = self.labels_to_reach(target)
        chosen = [s for s in self.strategies if s != "random"]
        unreached = self.budget + 1  # sorts strategies that never reach it last
        sign = -1 if self.higher_is_better else 1

        def rank(s: str) -> tuple[float, float]:
            labels = needed[s]
            return (unreached if pd.isna(labels) else labels, sign * final[s])

        if "random" in self.strategies and chosen:
            fastest = min(chosen, key=rank)
            random_needs = int(needed["random"])
            goal = (
                f"the {self.metric} that random sampling has with all {self.budget:,} "
                f"labels ({target:.4g})"
            )
            if rank(fastest)[0] < random_needs:
                saved = random_needs - int(needed[fastest])
                text = (
                    f"'{fastest}' reaches {goal} with {int(needed[fastest]):,} labels, "
                    f"against {random_needs:,} for random: {saved:,} labels saved "
                    f"({saved / random_needs:.0%}). "
                )
            else:
                text = (
                    f"No strategy reaches {goal} with fewer labels than random "
                    f"itself ({random_needs:,}). "
                )
            if random_needs < self.budget:
                text += (
                    f"Random sampling's mean curve already touches that score at "
                    f"{random_needs:,} labels, so more labels barely helped it; on "
                    "curves this flat the count of labels saved is fragile, and more "
                    "repeats steady it. "
                )
            best = min(chosen, key=lambda s: sign * final[s])
            text += (
                f"With all {self.budget:,} labels, '{best}' scores {final[best]:.4g} "
                f"against {final['random']:.4g} for random"
            )
            spread = table.loc[table["labels"] == self.budget, "std"].max()
            text += (
                f"; the repeats spread by a standard deviation of up to {spread:.2g}. "
                if self.repeats > 1
                else "; one repeat cannot tell a gain from chance. "
            )
        else:
            best = min(self.strategies, key=lambda s: sign * final[s])
            text = (
                f"'{best}' scores best with {self.budget:,} labels: {self.metric} "
                f"{final[best]:.4g}. Add 'random' to the strategies to measure what "
                "choosing the rows saves. "
            )
        text += (
            f"Each of the {self.repeats} repeat(s) starts every strategy from the same "
            f"{self.initial} random labels and adds {self.batch_size} at a time from a "
            f"pool of {self.n_pool:,} rows, scored on {self.n_test:,} test rows; the "
            "curves are the means over the repeats. "
        )
        if self.n_classes == 2 and len(set(chosen)) > 1:
            text += (
                "With two classes the three uncertainty measures pick the same rows, "
                "so their curves coincide. "
            )
        text += (
            "Uncertainty sampling picks the rows the model finds hard, which include "
            "outliers and ambiguous or mislabelled rows, and it builds a training set "
            "that is not a random sample: keep a random test set to measure the "
            "model. Gains depend on the data, the model and the batch size; replay "
            "the simulation on your own labelled rows before you commit a labelling "
            "budget. Chapter 4 of the book covers active learning."
        )
        return text


def _fit(estimator: Any, X: Any, y: np.ndarray) -> Any:
    """A clone of the caller's estimator, fitted on the rows labelled so far."""
    from sklearn.base import clone

    with model_errors("estimator", "fit on the labelled rows of 'X_pool'"):
        return clone(estimator).fit(X, y)


def _score(model: Any, X_test: Any, y_test: np.ndarray, metric: str) -> float:
    """The metric of a fitted clone on the test set, errors named for this function."""
    from mlkit.evaluation import score

    try:
        with model_errors("estimator", f"be scored with {metric!r} on 'X_test'"):
            return score(model, X_test, y_test, metric)
    except MlkitValueError as exc:
        first = str(exc).split("\n")[0]
        raise MlkitValueError(
            with_hint(
                f"'metric' {metric!r} could not be computed on 'X_test' and "
                f"'y_test': {first}",
                "check that 'y_test' holds the classes of 'y_pool' (both classes "
                "for roc_auc, pr_auc and log_loss) and that 'X_test' has the "
                "columns of 'X_pool'; or pass metric='accuracy'.",
            )
        ) from exc


def _initial_rows(codes: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` random positions with at least one of each class.

    One row of each class is drawn first, uniformly within the class, then the
    rest uniformly from all the remaining rows. A model fitted on a start
    without some class could never predict it, and uncertainty would be
    measured over the wrong classes.
    """
    first = np.array(
        [rng.choice(np.flatnonzero(codes == c)) for c in range(codes.max() + 1)]
    )
    rest = np.setdiff1d(np.arange(len(codes)), first)
    more = rng.choice(rest, size=size - len(first), replace=False)
    return np.concatenate([first, more])


def _strategies(strategies: Any) -> tuple[str, ...]:
    if isinstance(strategies, str) or not isinstance(strategies, Iterable):
        strategies = [strategies]
    chosen = list(strategies)
    if not chosen:
        raise MlkitValueError(
            with_hint(
                "'strategies' is empty.",
                f"pass some of: {', '.join(QUERY_STRATEGIES)}.",
            )
        )
    for strategy in chosen:
        check_choice(strategy, QUERY_STRATEGIES, "strategies")
    if len(set(chosen)) != len(chosen):
        raise MlkitValueError(
            with_hint(
                f"'strategies' lists a strategy twice: {chosen}.",
                "list each strategy once.",
            )
        )
    return tuple(chosen)


def simulate_active_learning(
    estimator: Any,
    X_pool: Any,
    y_pool: Any,
    X_test: Any,
    y_test: Any,
    *,
    budget: int,
    initial: int = 20,
    batch_size: int = 10,
    strategies: Sequence[QueryStrategy] = QUERY_STRATEGIES,
    metric: str = "accuracy",
    repeats: int = 3,
    random_state: Any = None,
) -> ActiveLearningCurves:
    """Replay active learning on a labelled pool, one strategy against another.

    The labels of the pool are hidden and "revealed" only for the rows a
    strategy asks for, as a human labeller would provide them. For each repeat
    and each strategy:

    1. ``initial`` rows of the pool are drawn at random, with at least one of
       each class (one row of each class first, uniformly within the class, then
       the rest uniformly from the remaining rows); every strategy of a repeat
       starts from the same rows, so that they differ only in what they pick;
    2. a clone of ``estimator`` is fitted on the labelled rows and scored on the
       test set;
    3. :func:`query` picks ``batch_size`` more rows with the strategy, their
       labels are revealed, and the model is refitted and scored, until
       ``budget`` labels are used (the last batch is cut to fit the budget).

    Parameters
    ----------
    estimator : scikit-learn classifier or Pipeline
        A classifier with ``predict_proba``. It is cloned; the one passed is
        never fitted.
    X_pool, y_pool : array-like
        The pool of rows with their labels, hidden from the strategies. ``X_pool``
        may be a DataFrame (rows are taken by position, whatever its index), an
        array or a sparse matrix.
    X_test, y_test : array-like
        A random test set, never queried, on which each model is scored.
    budget : int
        Labels to spend in all, the initial ones included; at most the pool's
        size.
    initial : int, default 20
        Random labels to start from; at least the number of classes.
    batch_size : int, default 10
        Labels revealed per query.
    strategies : sequence of str
        Some of :data:`QUERY_STRATEGIES`, in the order of the table; by default
        all of them. Keep ``"random"``: it is the baseline.
    metric : str, default "accuracy"
        A name of :data:`mlkit.evaluation.METRICS`, computed by
        :func:`mlkit.evaluation.score`. For ``roc_auc``, ``pr_auc`` and ``f1``
        pass 0/1 labels, 1 for the class to detect.
    repeats : int, default 3
        How many times to replay, each from different random initial rows.
    random_state : None, int or numpy.random.Generator
        Seed for the repeats. Each repeat draws its own seed from it; the
        strategies' random draws (ties, and the random strategy) are seeded from
        the repeat's seed and the strategy's name, so a strategy gives the same
        curve whichever others it is compared with. The estimator's own
        ``random_state`` is left as it is.

    Returns
    -------
    ActiveLearningCurves
        ``.curves`` (one score per strategy, repeat and step), ``.to_frame()``
        (mean and spread per strategy and number of labels),
        ``.labels_to_reach()``, ``.chart()`` and ``.explain()``.

    Notes
    -----
    The simulation costs ``repeats * len(strategies) * (steps)`` fits, with
    ``steps = ceil((budget - initial) / batch_size) + 1``; use a fast model and a
    batch size that keeps the steps to a few dozen. Chapter 4 of the book covers
    active learning.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlkit.labeling import simulate_active_learning
    >>> X, y = make_classification(1000, n_features=5, class_sep=0.8,
    ...                            random_state=1)
    >>> result = simulate_active_learning(
    ...     LogisticRegression(), X[:600], y[:600], X[600:], y[600:], budget=80,
    ...     initial=10, batch_size=10, strategies=["margin", "random"],
    ...     random_state=0)
    >>> result.curves.columns.tolist()
    ['strategy', 'repeat', 'labels', 'score']
    >>> result.labels_to_reach().index.tolist()
    ['margin', 'random']
    """
    from mlkit.evaluation import METRICS, higher_is_better

    _check_classifier(estimator)
    n_pool = n_rows(X_pool, "X_pool")
    n_test = n_rows(X_test, "X_test")
    labels = _labels(y_pool, "y_pool", n_pool)
    truth = _labels(y_test, "y_test", n_test)
    codes, classes = pd.factorize(labels)
    if len(classes) < 2:
        raise MlkitValueError(
            with_hint(
                "'y_pool' must hold at least two classes; got only "
                f"{_plain(classes[0])!r}.",
                "pass a pool with rows of every class.",
            )
        )
    unknown = set(pd.unique(truth).tolist()) - set(classes.tolist())
    if unknown:
        raise MlkitValueError(
            with_hint(
                "'y_test' has labels that 'y_pool' lacks: "
                f"{', '.join(sorted(map(repr, map(_plain, unknown)))[:5])}.",
                "pass test labels of the classes of the pool.",
            )
        )
    # At least one row of each class to start from, and a budget that covers them.
    initial = check_int(initial, "initial", len(classes), str(len(classes)))
    budget = check_int(budget, "budget", initial, str(min(n_pool, initial * 5)))
    if budget > n_pool:
        raise MlkitValueError(
            with_hint(
                f"'budget' is {budget:,} labels, but 'X_pool' has only {n_pool:,} rows.",
                "spend at most one label per row of the pool.",
            )
        )
    batch_size = check_int(batch_size, "batch_size", 1, "10")
    repeats = check_int(repeats, "repeats", 1, "3")
    compared = _strategies(strategies)
    check_choice(metric, list(METRICS), "metric")
    rng = check_random_state(random_state)

    X = _rows(X_pool)
    steps = [*range(initial, budget, batch_size), budget]
    rows = []
    for repeat in range(repeats):
        seed = int(rng.integers(2**32))
        start = _initial_rows(codes, initial, np.random.default_rng(seed))
        # Fitted once per repeat: every strategy starts from this same model.
        first = _fit(estimator, _take(X, start), labels[start])
        first_score = _score(first, X_test, truth, metric)
        for strategy in compared:
            # Seeded by the repeat and the strategy, not by its place in the list:
            # a strategy's curve does not depend on which others are compared.
            picks = np.random.default_rng([seed, QUERY_STRATEGIES.index(strategy)])
            model, labelled = first, start
            unlabelled = np.ones(n_pool, dtype=bool)
            unlabelled[start] = False
            rows.append((strategy, repeat, initial, first_score))
            for step in steps[1:]:
                candidates = np.flatnonzero(unlabelled)
                picked = candidates[
                    _pick(
                        model,
                        _take(X, candidates),
                        step - len(labelled),
                        strategy,
                        picks,
                    )
                ]
                unlabelled[picked] = False
                labelled = np.concatenate([labelled, picked])
                model = _fit(estimator, _take(X, labelled), labels[labelled])
                rows.append(
                    (strategy, repeat, step, _score(model, X_test, truth, metric))
                )
    return ActiveLearningCurves(
        curves=pd.DataFrame(rows, columns=["strategy", "repeat", "labels", "score"]),
        metric=metric,
        higher_is_better=higher_is_better(metric),
        strategies=compared,
        budget=budget,
        initial=initial,
        batch_size=batch_size,
        repeats=repeats,
        n_pool=n_pool,
        n_test=n_test,
        n_classes=len(classes),
    )
