"""Degenerate feedback loops: a recommender that only learns from what it shows.

Chapter 8 of *Designing Machine Learning Systems* ("Data Distribution Shifts
and Monitoring") warns of degenerate feedback loops: when a system's
predictions decide what users see, and what users do with it becomes the next
training data, the model confirms its own choices. A recommender shows the
items it rates highest, they collect the clicks, their ratings rise; items it
never shows get no clicks and no chance to prove better. Popular items become
more popular (popularity bias), everyone is shown the same few items
(homogenisation), and the catalogue's best items may never be found. The
chapter's fixes are to randomise part of what is shown (exploration, as the
bandits of chapter 9 do) and, where position drives clicks, to give the model
the position as a feature.

:func:`feedback_loop_simulation` plays the loop round by round: items have a
true appeal (their click-through rate); the model estimates it from the clicks
on what it showed (a click-through rate shrunk towards a prior); each round,
every user is shown the ``slots`` items of highest estimate, except that with
exploration each slot holds a random item with probability ``epsilon``.

Examples
--------
>>> from mlkit.experiments import feedback_loop_simulation
>>> loop = feedback_loop_simulation(rounds=10)
>>> last = loop.to_frame().query("round == 10")
>>> last[["exploration", "coverage", "estimated_vs_true_rank_correlation"]].round(2)
    exploration  coverage  estimated_vs_true_rank_correlation
9           0.0      0.04                                0.16
19          0.1      1.00                                0.64
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import check_int, check_random_state
from mlkit.experiments._stats import gini

if TYPE_CHECKING:
    import altair as alt

__all__ = ["FEEDBACK_COLUMNS", "FeedbackLoop", "feedback_loop_simulation"]

#: The columns of :meth:`FeedbackLoop.to_frame`.
FEEDBACK_COLUMNS: tuple[str, ...] = (
    "round",
    "exploration",
    "coverage",
    "exposure_gini",
    "estimated_vs_true_rank_correlation",
    "click_through",
    "best_items_shown",
)
#: The Beta(a, b) distribution of items' true appeal (click-through rate).
APPEAL_BETA = (1.0, 12.0)
#: Weight of the prior in the model's estimate, in impressions.
PRIOR_IMPRESSIONS = 20.0

# Message templates, kept here so that tests can match them.
EXPLORATION_ERROR = (
    "'exploration' must be shares of random slots in [0, 1], such as (0.0, 0.1); "
    "got {got!r}."
)


@dataclass(frozen=True, repr=False)
class FeedbackLoop(Result):
    """A recommender's feedback loop over rounds, with and without exploration.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per round and exploration rate; see :meth:`to_frame`.
    items : pandas.DataFrame
        One row per item and exploration rate after the last round:
        ``exploration``, ``item``, ``true_appeal``, ``estimate`` (the model's),
        ``impressions``, ``clicks``.
    n_items, n_users, rounds, slots : int
        The catalogue, the users per round, the rounds and the items shown to
        each user.
    exploration : tuple of float
        The exploration rates compared.
    """

    title: ClassVar[str] = "Degenerate feedback loop"
    table: pd.DataFrame
    items: pd.DataFrame
    n_items: int
    n_users: int
    rounds: int
    slots: int
    exploration: tuple[float, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per round and exploration rate.

        Columns: ``round`` (from 1); ``exploration`` (the share of slots
        filled at random); ``coverage`` (the share of the catalogue shown at
        least once so far); ``exposure_gini`` (Gini coefficient of the
        impressions per item so far: 0 when all items are shown equally, near 1
        when a few take them all); ``estimated_vs_true_rank_correlation``
        (Spearman's correlation between the model's estimates after the round
        and the items' true appeal); ``click_through`` (clicks per impression
        in the round); ``best_items_shown`` (the share of the ``slots`` items
        of highest true appeal shown at least once so far).
        """
        return self.table.copy()

    def _display_frame(self) -> pd.DataFrame:
        # In a notebook: the first, middle and last rounds of each rate.
        t = self.table
        keep = sorted({1, (self.rounds + 1) // 2, self.rounds})
        return t[t["round"].isin(keep)].reset_index(drop=True)

    def chart(self) -> alt.ConcatChart:
        """Four panels over rounds, one line per exploration rate."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title

        data = self.table.assign(
            policy=[
                "no exploration" if e == 0 else f"exploration {e:g}"
                for e in self.table["exploration"]
            ]
        )
        order = list(dict.fromkeys(data["policy"]))
        colour = alt.Color(
            "policy:N",
            sort=order,
            scale=alt.Scale(domain=order, range=list(PALETTE[: len(order)])),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        panels = []
        for column, name, note in (
            ("coverage", "Coverage", "share of the catalogue ever shown"),
            ("exposure_gini", "Exposure inequality", "Gini of impressions per item"),
            (
                "estimated_vs_true_rank_correlation",
                "What the model knows",
                "Spearman: estimated vs true appeal",
            ),
            ("click_through", "Click-through", "clicks per impression, per round"),
        ):
            panels.append(
                alt.Chart(data)
                .mark_line(point=len(data) <= 120)
                .encode(
                    x=alt.X(
                        "round:Q",
                        title="round",
                        axis=alt.Axis(labelFontSize=FONT_SIZE, tickMinStep=1),
                    ),
                    y=alt.Y(
                        f"{column}:Q",
                        title=None,
                        axis=alt.Axis(labelFontSize=FONT_SIZE),
                    ),
                    color=colour,
                    tooltip=[
                        "policy:N",
                        "round:Q",
                        alt.Tooltip(f"{column}:Q", title=name, format=".3f"),
                    ],
                )
                .properties(width=220, height=150, title=_title(name, note))
            )
        return alt.concat(*panels, columns=2).properties(
            title=_title(
                "A recommender that learns only from what it shows",
                f"{self.n_items} items, {self.n_users} users a round, "
                f"{self.slots} slots each",
            )
        )

    def explain(self) -> str:
        """What the loop did to coverage, exposure and knowledge, and the fixes."""
        last = self.table[self.table["round"] == self.rounds].set_index("exploration")
        rates = list(self.exploration)
        text = ""
        if 0.0 in last.index:
            row = last.loc[0.0]
            text += (
                f"Without exploration, after {self.rounds} rounds the model has "
                f"shown {row['coverage']:.0%} of the {self.n_items} items, with "
                f"impressions concentrated on a few (Gini {row['exposure_gini']:.2f}); "
                f"{row['best_items_shown']:.0%} of the {self.slots} most appealing "
                "items were ever shown, and its estimates barely rank items as they "
                "truly are (Spearman "
                f"{row['estimated_vs_true_rank_correlation']:.2f}): items it never "
                "showed never had a chance to earn clicks. "
            )
        explored = [e for e in rates if e > 0]
        if explored:
            e = max(explored)
            row = last.loc[e]
            text += (
                f"With {e:.0%} of slots random, coverage reaches "
                f"{row['coverage']:.0%}, the most appealing items are found "
                f"({row['best_items_shown']:.0%}), and the estimates rank items far "
                f"better (Spearman {row['estimated_vs_true_rank_correlation']:.2f}); "
                f"click-through in the last round is {row['click_through']:.2%}"
            )
            if 0.0 in last.index:
                text += f" against {last.loc[0.0, 'click_through']:.2%} without"
            text += ". "
        text += (
            "This is a degenerate feedback loop: the model's choices make its "
            "training data, so popular items grow more popular and every user is "
            "shown the same few. Detect it by tracking how diverse and how "
            "popular the recommended items are; fix it by randomising part of "
            "what is shown (exploration, or bandits) and by giving the model the "
            "position of each item as a feature when position drives clicks. "
            "Chapter 8 of Designing Machine Learning Systems covers degenerate "
            "feedback loops."
        )
        return text


def _check_exploration(values: Any) -> tuple[float, ...]:
    if isinstance(values, int | float) and not isinstance(values, bool):
        values = (values,)
    try:
        if isinstance(values, str | bytes) or any(
            isinstance(v, bool) or not isinstance(v, numbers.Real) for v in values
        ):
            raise TypeError  # "0.1" or True is not a share of slots
        rates = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise MlkitTypeError(
            with_hint(
                EXPLORATION_ERROR.format(got=values), "pass a tuple such as (0.0, 0.1)."
            )
        ) from None
    if not rates or any(not 0 <= r <= 1 for r in rates):
        raise MlkitValueError(
            with_hint(
                EXPLORATION_ERROR.format(got=values),
                "0 shows only the model's top items; 0.1 fills one slot in ten at "
                "random.",
            )
        )
    return tuple(dict.fromkeys(rates))


def _spearman(estimate: np.ndarray, truth: np.ndarray) -> float:
    """Spearman's correlation (average ranks for ties), as scipy's ``spearmanr``."""
    from scipy.stats import rankdata

    a = rankdata(estimate)
    b = rankdata(truth)
    a -= a.mean()
    b -= b.mean()
    scale = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / scale) if scale > 0 else float("nan")


def feedback_loop_simulation(
    *,
    n_items: int = 200,
    n_users: int = 500,
    rounds: int = 30,
    slots: int = 5,
    exploration: Sequence[float] = (0.0, 0.1),
    random_state: Any = 0,
) -> FeedbackLoop:
    """Simulate a recommender that learns item appeal only from its own impressions.

    Parameters
    ----------
    n_items : int, default 200
        Items in the catalogue; each has a true appeal (click-through rate)
        drawn from a Beta(1, 12), a mean of about 7.7 %.
    n_users : int, default 500
        Users per round; each is shown ``slots`` items and clicks each with
        its true appeal.
    rounds : int, default 30
        Rounds of showing, clicking and re-estimating.
    slots : int, default 5
        Items shown to each user.
    exploration : sequence of float, default (0.0, 0.1)
        Exploration rates to compare: the probability that a slot shows an
        item drawn at random from the catalogue instead of the model's pick.
    random_state : int, numpy Generator or None, default 0
        Seed of the catalogue and the users' clicks.

    Returns
    -------
    FeedbackLoop
        ``.to_frame()`` (one row per round and exploration rate), ``.items``,
        ``.chart()``, ``.explain()``.

    Notes
    -----
    The model's estimate of an item is ``(clicks + m * p0) / (impressions +
    m)``: its observed click-through rate shrunk towards the catalogue's mean
    appeal ``p0`` with the weight of ``m`` = :data:`PRIOR_IMPRESSIONS`
    impressions, so an item never shown is estimated at ``p0``. Each round it
    shows the ``slots`` items of highest estimate (ties broken at random) to
    every user, except for the exploring slots. Every exploration rate plays
    the same catalogue and the same stream of random numbers, so the
    comparison is not luck of the draw.

    Examples
    --------
    >>> from mlkit.experiments import feedback_loop_simulation
    >>> loop = feedback_loop_simulation(n_items=100, rounds=5, exploration=(0.0, 0.2))
    >>> loop.to_frame().query("round == 5")[["exploration", "coverage"]]
       exploration  coverage
    4          0.0       0.1
    9          0.2       1.0
    """
    n_items = check_int(n_items, "n_items", 2, "200")
    n_users = check_int(n_users, "n_users", 1, "500")
    rounds = check_int(rounds, "rounds", 1, "30")
    slots = check_int(slots, "slots", 1, "5")
    if slots > n_items:
        raise MlkitValueError(
            with_hint(
                f"'slots' ({slots}) must be at most 'n_items' ({n_items}).",
                "show at most as many items as the catalogue holds.",
            )
        )
    rates = _check_exploration(exploration)
    rng = check_random_state(random_state)
    appeal = rng.beta(*APPEAL_BETA, size=n_items)
    prior = float(appeal.mean())
    best = np.argsort(-appeal, kind="stable")[:slots]
    seed = int(rng.integers(0, 2**63))
    rows, finals = [], []
    for epsilon in rates:
        play = np.random.default_rng(seed)
        clicks = np.zeros(n_items)
        impressions = np.zeros(n_items)
        for r in range(1, rounds + 1):
            estimate = (clicks + PRIOR_IMPRESSIONS * prior) / (
                impressions + PRIOR_IMPRESSIONS
            )
            order = np.lexsort((play.random(n_items), -estimate))
            shown = np.tile(order[:slots], (n_users, 1))
            explore = play.random((n_users, slots)) < epsilon
            shown[explore] = play.integers(0, n_items, size=int(explore.sum()))
            clicked = play.random((n_users, slots)) < appeal[shown]
            impressions += np.bincount(shown.ravel(), minlength=n_items)
            clicks += np.bincount(
                shown.ravel(), weights=clicked.ravel(), minlength=n_items
            )
            estimate = (clicks + PRIOR_IMPRESSIONS * prior) / (
                impressions + PRIOR_IMPRESSIONS
            )
            ever = impressions > 0
            rows.append(
                {
                    "round": r,
                    "exploration": epsilon,
                    "coverage": float(ever.mean()),
                    "exposure_gini": float(gini(impressions)),
                    "estimated_vs_true_rank_correlation": _spearman(estimate, appeal),
                    "click_through": float(clicked.mean()),
                    "best_items_shown": float(ever[best].mean()),
                }
            )
        finals.append(
            pd.DataFrame(
                {
                    "exploration": epsilon,
                    "item": np.arange(n_items),
                    "true_appeal": appeal,
                    "estimate": estimate,
                    "impressions": impressions.astype(np.int64),
                    "clicks": clicks.astype(np.int64),
                }
            )
        )
    return FeedbackLoop(
        table=pd.DataFrame(rows, columns=list(FEEDBACK_COLUMNS)),
        items=pd.concat(finals, ignore_index=True),
        n_items=n_items,
        n_users=n_users,
        rounds=rounds,
        slots=slots,
        exploration=rates,
    )
