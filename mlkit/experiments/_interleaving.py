"""Interleaving: compare two rankers on the same users, with far fewer of them.

To compare two ranking models (search, recommendations), an A/B test shows
each user one ranker's list and compares the click-through of the two groups.
Users differ so much in how much they click that the difference between
rankers drowns in the difference between users. Interleaving shows each user
one list that mixes both rankers' results, and credits each click to the
ranker that contributed the clicked item: every user compares the two rankers
directly. Chapter 9 of *Designing Machine Learning Systems* ("Continual
Learning and Test in Production") reports Netflix's finding that interleaving
identifies the better ranker with far fewer users than an A/B test.

- :func:`team_draft_interleave` mixes two rankings with Radlinski, Kurup and
  Joachims' team-draft method (2008): like captains picking teams, the ranker
  with fewer items picked so far (a coin flip on a tie) adds its best item not
  yet in the list.
- :func:`interleaving_simulation` measures, on simulated users, how often each
  method detects the better of two rankers at each number of users.

Examples
--------
>>> from mlkit.experiments import team_draft_interleave
>>> items, teams = team_draft_interleave(["a", "b", "c", "d"], ["b", "e", "a", "f"],
...                                      k=4, random_state=0)
>>> items, teams
(['b', 'a', 'c', 'e'], ['b', 'a', 'a', 'b'])

B won the coin flip and put its top item, "b", first; A then added its best
item not yet listed, "a"; A won the next flip and added "c", and B its best
remaining, "e".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_int, check_random_state
from mlkit.experiments._checks import check_alpha, check_ints, check_share
from mlkit.experiments._stats import sign_test, two_proportion_ztest, wilson_interval

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "INTERLEAVING_COLUMNS",
    "InterleavingSimulation",
    "interleaving_simulation",
    "team_draft_interleave",
]

#: The columns of :meth:`InterleavingSimulation.to_frame`.
INTERLEAVING_COLUMNS: tuple[str, ...] = (
    "users",
    "method",
    "power",
    "power_low",
    "power_high",
)
#: The shape of the gamma distribution of users' activity (its mean is 1): most
#: users click little, a few a lot.
ACTIVITY_SHAPE = 0.5
#: The Beta(a, b) distribution of items' relevance: the chance of a click on an
#: item at the top of a list, for a user of average activity.
RELEVANCE_BETA = (0.5, 5.0)
#: Rows (runs x users) simulated at once, to bound memory.
_BLOCK_ROWS = 1 << 18

# Message templates, kept here so that tests can match them.
DUPLICATE_ERROR = "'{name}' lists {item!r} more than once."
NESTED_ERROR = (
    "'{name}' must be one-dimensional, a flat sequence of items; it holds {item!r}."
)
RANKING_MISSING_ERROR = (
    "'{name}' has {count:,} missing item(s), the first at position {position}."
)


# --------------------------------------------------------------------------- team draft


def _team_draft(
    a: Sequence[Any], b: Sequence[Any], k: int, coin: Callable[[int], bool]
) -> tuple[list[Any], list[str]]:
    """Team draft of Radlinski et al. (2008); ``coin(position)`` breaks ties for A."""
    items: list[Any] = []
    teams: list[str] = []
    seen: set[Any] = set()
    ia = ib = size_a = size_b = 0
    while len(items) < k:
        while ia < len(a) and a[ia] in seen:
            ia += 1
        while ib < len(b) and b[ib] in seen:
            ib += 1
        if ia == len(a) or ib == len(b):
            break  # one ranking has nothing left to add, as in the paper
        if size_a < size_b or (size_a == size_b and coin(len(items))):
            item, team = a[ia], "a"
            size_a += 1
        else:
            item, team = b[ib], "b"
            size_b += 1
        items.append(item)
        teams.append(team)
        seen.add(item)
    return items, teams


def _is_missing(item: Any) -> bool:
    try:
        return bool(pd.isna(item))
    except (TypeError, ValueError):  # an array, whose truth is ambiguous
        return False


def _ranking(values: Any, name: str) -> list[Any]:
    if isinstance(values, list | tuple):
        # The caller's own items, not numpy's conversion of them: a list that
        # mixes ints and strings would come back as strings.
        items = list(values)
        for item in items:
            if isinstance(item, list | tuple | set | dict | np.ndarray | pd.Series):
                raise MlkitValueError(
                    with_hint(
                        NESTED_ERROR.format(name=name, item=item),
                        "pass a flat list of item ids, best first.",
                    )
                )
    else:
        items = as_1d(values, name).tolist()
    missing = [i for i, item in enumerate(items) if _is_missing(item)]
    if missing:
        raise MlkitValueError(
            with_hint(
                RANKING_MISSING_ERROR.format(
                    name=name, count=len(missing), position=missing[0]
                ),
                "drop the missing entries: a ranking lists items that exist.",
            )
        )
    seen: set[Any] = set()
    for item in items:
        try:
            hash(item)
        except TypeError:
            raise MlkitTypeError(
                with_hint(
                    f"'{name}' must hold item ids such as ints or strings; it holds "
                    f"{item!r}, of type {type(item).__name__}.",
                    "pass the id of each item, best first.",
                )
            ) from None
        if item in seen:
            raise MlkitValueError(
                with_hint(
                    DUPLICATE_ERROR.format(name=name, item=item),
                    "a ranking lists each item once; drop the repeats.",
                )
            )
        seen.add(item)
    return items


def team_draft_interleave(
    ranking_a: Sequence[Any],
    ranking_b: Sequence[Any],
    *,
    k: int | None = None,
    random_state: Any = None,
) -> tuple[list[Any], list[str]]:
    """Interleave two rankings by team draft, and say which ranker gave each item.

    Parameters
    ----------
    ranking_a, ranking_b : sequence
        Two rankings, best first: items (ids, names) listed once each. They may
        hold different items.
    k : int, optional
        The length of the interleaved list; by default, as long as both
        rankings have an item not yet in it.
    random_state : int, numpy Generator or None
        Seed of the coin flips that decide who picks first in each round.

    Returns
    -------
    items : list
        The interleaved list, each item once.
    teams : list of {"a", "b"}
        The ranker that contributed the item at each position: a click on it
        counts for that ranker.

    Notes
    -----
    Team draft (Radlinski, Kurup and Joachims, "How does clickthrough data
    reflect retrieval quality?", CIKM 2008): while both rankings have an item
    not yet in the list, the ranker whose team is smaller (a fair coin on a
    tie) adds its highest-ranked item not yet in the list. The teams' sizes
    never differ by more than one, and each pair of positions 2i, 2i + 1 holds
    one item of each team. Like the paper, it stops when one ranking has
    nothing left to add.

    Examples
    --------
    >>> from mlkit.experiments import team_draft_interleave
    >>> team_draft_interleave([1, 2, 3, 4], [2, 3, 4, 1], k=4, random_state=1)
    ([2, 1, 3, 4], ['b', 'a', 'b', 'a'])
    """
    a = _ranking(ranking_a, "ranking_a")
    b = _ranking(ranking_b, "ranking_b")
    limit = len(a) + len(b) if k is None else check_int(k, "k", 1, "10")
    rng = check_random_state(random_state)
    return _team_draft(a, b, limit, lambda _: bool(rng.random() < 0.5))


def _team_draft_many(
    a: np.ndarray, b: np.ndarray, coins: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Team draft of many pairs of rankings at once, each of ``k`` positions.

    ``a`` and ``b`` hold, per row, the first ``k`` items of two rankings of
    the same catalogue; ``coins[:, j]`` says whether A picks at position ``j``
    when the teams are equal in size. Returns the items and a boolean "from A"
    per position. Only the first ``k`` items of each ranking can be reached:
    the items before a ranking's next pick are all in the list already.
    """
    rows, k = a.shape
    r = np.arange(rows)
    items = np.empty((rows, k), dtype=a.dtype)
    from_a = np.empty((rows, k), dtype=bool)
    pa = np.zeros(rows, dtype=np.int64)
    pb = np.zeros(rows, dtype=np.int64)
    size_a = np.zeros(rows, dtype=np.int64)
    size_b = np.zeros(rows, dtype=np.int64)
    for j in range(k):
        for ranking, pointer in ((a, pa), (b, pb)):
            for _ in range(j):  # a pointer moves past at most j listed items
                used = (items[:, :j] == ranking[r, pointer][:, None]).any(axis=1)
                if not used.any():
                    break
                pointer += used
        pick = (size_a < size_b) | ((size_a == size_b) & coins[:, j])
        items[:, j] = np.where(pick, a[r, pa], b[r, pb])
        from_a[:, j] = pick
        size_a += pick
        size_b += ~pick
    return items, from_a


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True, repr=False)
class InterleavingSimulation(Result):
    """How often interleaving and an A/B test detect the better of two rankers.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per number of users and method; see :meth:`to_frame`.
    users : tuple of int
        The numbers of users compared.
    n_items, k : int
        Items in the catalogue, and positions shown to each user.
    quality_gap : float
        One minus the correlation between the worse ranker's scores and the
        items' true relevance (the better ranker orders by relevance itself).
    n_runs : int
        Simulated experiments per number of users.
    alpha : float
        The significance level of both tests.
    click_through : tuple of float
        The share of A/B users with at least one click, under the better and
        the worse ranker (over all runs).
    interleaving_wins : float
        Among interleaved users who preferred one ranker, the share who
        preferred the better one (over all runs).
    """

    title: ClassVar[str] = "Interleaving against an A/B test"
    table: pd.DataFrame
    users: tuple[int, ...]
    n_items: int
    k: int
    quality_gap: float
    n_runs: int
    alpha: float
    click_through: tuple[float, float]
    interleaving_wins: float

    def to_frame(self) -> pd.DataFrame:
        """One row per number of users and method.

        Columns: ``users`` (in the experiment, both arms together for the A/B
        test); ``method`` ("interleaving" or "ab_test"); ``power`` (the share
        of runs in which the method declares the better ranker better,
        significantly at ``alpha``); ``power_low`` and ``power_high``
        (Wilson's 95 % interval over the runs).
        """
        return self.table.copy()

    def users_needed(self, power: float = 0.8) -> pd.Series:
        """The fewest users, among those simulated, at which each method reaches ``power``.

        Returns
        -------
        pandas.Series
            One value per method; ``<NA>`` when it does not reach it.
        """
        t = self.table
        out = {}
        for method in ("interleaving", "ab_test"):
            rows = t[(t["method"] == method) & (t["power"] >= power)]
            out[method] = int(rows["users"].min()) if len(rows) else pd.NA
        return pd.Series(out, dtype="Int64", name="users").rename_axis("method")

    def chart(self) -> alt.LayerChart:
        """Power against users, one line per method, with Wilson bands."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title

        data = self.table.copy()
        methods = ["interleaving", "ab_test"]
        colour = alt.Color(
            "method:N",
            sort=methods,
            scale=alt.Scale(domain=methods, range=[PALETTE[0], PALETTE[1]]),
            legend=alt.Legend(title=None, orient="bottom", symbolOpacity=1),
        )
        x = alt.X(
            "users:Q",
            title="users in the experiment",
            scale=alt.Scale(
                type="log", domain=[min(self.users) / 1.3, max(self.users) * 1.3]
            ),
            axis=alt.Axis(values=list(self.users), format=",", labelFontSize=FONT_SIZE),
        )
        band = (
            alt.Chart(data)
            .mark_area(opacity=0.15)
            .encode(
                x=x,
                y=alt.Y("power_low:Q", scale=alt.Scale(domain=[0, 1])),
                y2="power_high:Q",
                color=colour,
            )
        )
        lines = (
            alt.Chart(data)
            .mark_line(point=alt.OverlayMarkDef(size=45, filled=True))
            .encode(
                x=x,
                y=alt.Y(
                    "power:Q",
                    title="power: better ranker found",
                    scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%", labelFontSize=FONT_SIZE),
                ),
                color=colour,
                tooltip=[
                    "method:N",
                    alt.Tooltip("users:Q", format=","),
                    alt.Tooltip("power:Q", format=".0%"),
                    alt.Tooltip("power_low:Q", format=".0%"),
                    alt.Tooltip("power_high:Q", format=".0%"),
                ],
            )
        )
        target = (
            alt.Chart(pd.DataFrame({"power": [0.8]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(y="power:Q")
        )
        return alt.layer(band, lines, target).properties(
            width=420,
            height=240,
            title=_title(
                "Interleaving finds the better ranker with fewer users",
                f"{self.n_runs} simulated experiments per point, {self.k} positions, "
                f"alpha = {self.alpha:g}; band: 95% interval; dashed: 80% power",
            ),
        )

    def explain(self) -> str:
        """How many users each method needed, and why interleaving needs fewer."""
        t = self.table
        need = self.users_needed(0.8)
        most = max(self.users)
        at_most = t[t["users"] == most].set_index("method")["power"]
        parts = []
        for method, name in (
            ("interleaving", "Interleaving"),
            ("ab_test", "The A/B test"),
        ):
            if pd.isna(need[method]):
                parts.append(
                    f"{name} does not reach 80% power even with {most:,} users "
                    f"({at_most[method]:.0%}). "
                )
            else:
                parts.append(
                    f"{name} reaches 80% power with {int(need[method]):,} users. "
                )
        better, worse = self.click_through
        text = (
            "".join(parts)
            + f"Power is the share of {self.n_runs} simulated experiments that find "
            f"the better ranker, significantly at alpha = {self.alpha:g}. The "
            f"click-through of the two rankers differs little ({better:.1%} against "
            f"{worse:.1%} of users click), and users differ much more than that in "
            "how much they click, so the A/B test compares noisy groups. "
            f"Interleaving asks every user: {self.interleaving_wins:.0%} of the users "
            "who preferred one ranker preferred the better one. "
            "Interleaving says which ranker users prefer, not by how much a "
            "business metric would move; teams often use it to shortlist rankers "
            "and an A/B test to confirm the winner. Chapter 9 of Designing Machine "
            "Learning Systems covers interleaving experiments."
        )
        return text


def _rankings(
    rng: np.random.Generator, runs: int, n_items: int, quality_gap: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relevance of each run's items, and the better and worse rankers' orders."""
    relevance = rng.beta(*RELEVANCE_BETA, size=(runs, n_items))
    z = relevance - relevance.mean(axis=1, keepdims=True)
    z /= np.maximum(z.std(axis=1, keepdims=True), 1e-12)
    rho = 1.0 - quality_gap
    noisy = rho * z + np.sqrt(max(0.0, 1 - rho**2)) * rng.standard_normal(z.shape)
    better = np.argsort(-relevance, axis=1, kind="stable")
    worse = np.argsort(-noisy, axis=1, kind="stable")
    return relevance, better, worse


def _clicks(rng: np.random.Generator, relevance: np.ndarray) -> np.ndarray:
    """Clicks of users (rows) on lists whose items have ``relevance``, by position.

    A user examines position ``j`` (from 1) with probability ``1 / j`` and
    clicks an examined item with probability ``min(1, activity * relevance)``,
    ``activity`` drawn per user from a gamma of mean 1.
    """
    rows, k = relevance.shape
    examine = 1.0 / np.arange(1, k + 1)
    activity = rng.gamma(ACTIVITY_SHAPE, 1 / ACTIVITY_SHAPE, size=(rows, 1))
    chance = np.minimum(1.0, activity * relevance) * examine
    return rng.random((rows, k)) < chance


def interleaving_simulation(
    *,
    n_items: int = 50,
    k: int = 10,
    quality_gap: float = 0.3,
    users: Sequence[int] = (100, 300, 1_000, 3_000),
    n_runs: int = 200,
    random_state: Any = 0,
    alpha: float = 0.05,
) -> InterleavingSimulation:
    """Simulate how often interleaving and an A/B test detect the better ranker.

    Parameters
    ----------
    n_items : int, default 50
        Items in the catalogue of each run.
    k : int, default 10
        Positions shown to each user.
    quality_gap : float, default 0.3
        How much worse the second ranker is, in (0, 1]: the better ranker
        orders items by their true relevance, the worse one by a score whose
        correlation with relevance is ``1 - quality_gap`` (1 is no better than
        chance).
    users : sequence of int, default (100, 300, 1000, 3000)
        Numbers of users in an experiment to compare.
    n_runs : int, default 200
        Simulated experiments per number of users.
    random_state : int, numpy Generator or None, default 0
        Seed of the catalogues, rankers and users.
    alpha : float, default 0.05
        The significance level of both tests.

    Returns
    -------
    InterleavingSimulation
        ``.to_frame()``, ``.users_needed()``, ``.chart()``, ``.explain()``.

    Notes
    -----
    Each run draws a catalogue (each item's relevance from a Beta(0.5, 5)),
    the two rankers, and the most users asked for; smaller experiments use the
    first users of the same run. Users click in a position-based model: they
    examine position ``j`` with probability ``1 / j`` and click an examined
    item with probability ``relevance`` times their activity, which varies a
    lot between users (a gamma of mean 1 and shape 1/2).

    - **A/B test**: half the users see the better ranker's top ``k``, half the
      worse one's; the share of users with at least one click is compared with
      a two-sided two-proportion z-test.
    - **Interleaving**: every user sees a team-draft interleaving of the two
      top-``k`` lists; a user prefers the ranker whose items got more of their
      clicks (ties and users without clicks count for neither); a two-sided
      sign test compares the users preferring each ranker.

    A run counts as a detection when the test is significant at ``alpha`` and
    favours the better ranker.

    Examples
    --------
    >>> from mlkit.experiments import interleaving_simulation
    >>> sim = interleaving_simulation(users=(200, 2000), n_runs=50)
    >>> sim.to_frame()[["users", "method", "power"]]
       users        method  power
    0    200  interleaving   0.26
    1    200       ab_test   0.08
    2   2000  interleaving   0.80
    3   2000       ab_test   0.22
    """
    n_items = check_int(n_items, "n_items", 2, "50")
    k = check_int(k, "k", 1, "10")
    if k > n_items:
        raise MlkitValueError(
            with_hint(
                f"'k' ({k}) must be at most 'n_items' ({n_items}).",
                "show at most as many positions as there are items.",
            )
        )
    gap = check_share(
        quality_gap,
        "quality_gap",
        "pass how much worse the second ranker is, such as 0.3.",
    )
    sizes = check_ints(
        users, "users", low=2, hint="pass numbers of users, such as (100, 1000)."
    )
    n_runs = check_int(n_runs, "n_runs", 1, "200")
    alpha = check_alpha(alpha)
    rng = check_random_state(random_state)

    most = sizes[-1]
    half = most // 2
    relevance, better, worse = _rankings(rng, n_runs, n_items, gap)
    top_better, top_worse = better[:, :k], worse[:, :k]
    rel_better = np.take_along_axis(relevance, top_better, axis=1)
    rel_worse = np.take_along_axis(relevance, top_worse, axis=1)
    # A/B test: each run's users who would see each ranker, with at least one click.
    saw_better = np.empty((n_runs, most - half), dtype=bool)
    saw_worse = np.empty((n_runs, half), dtype=bool)
    wins = np.empty((n_runs, most), dtype=np.int8)  # +1 better, -1 worse, 0 tie
    # A coin decides only when the teams are equal, at positions 0, 2, 4, ...: a
    # run's two lists have at most 2 ** ceil(k / 2) interleavings. Draft them all
    # once and give each user one at random, unless there are more than users.
    bits = (k + 1) // 2
    patterns = 2**bits if 2**bits <= min(most, 4096) else 0
    if patterns:
        flips = np.zeros((patterns, k), dtype=bool)
        flips[:, 0::2] = (np.arange(patterns)[:, None] >> np.arange(bits)) & 1
        each = np.repeat(np.arange(n_runs), patterns)
        drafted, drafted_from = _team_draft_many(
            top_better[each], top_worse[each], np.tile(flips, (n_runs, 1))
        )
        drafted = drafted.reshape(n_runs, patterns, k)
        drafted_from = drafted_from.reshape(n_runs, patterns, k)
    per_block = max(1, _BLOCK_ROWS // most)
    for start in range(0, n_runs, per_block):
        runs = np.arange(start, min(n_runs, start + per_block))
        for saw, rel, n in (
            (saw_better, rel_better, most - half),
            (saw_worse, rel_worse, half),
        ):
            clicked = _clicks(rng, np.repeat(rel[runs], n, axis=0)).any(axis=1)
            saw[runs] = clicked.reshape(len(runs), n)
        row_run = np.repeat(runs, most)
        if patterns:
            pick = rng.integers(0, patterns, size=len(row_run))
            items, from_better = drafted[row_run, pick], drafted_from[row_run, pick]
        else:
            coins = rng.random((len(row_run), k)) < 0.5
            items, from_better = _team_draft_many(
                top_better[row_run], top_worse[row_run], coins
            )
        clicks = _clicks(rng, relevance[row_run[:, None], items])
        credit = (clicks & from_better).sum(axis=1) - (clicks & ~from_better).sum(
            axis=1
        )
        wins[runs] = np.sign(credit).reshape(len(runs), most)

    rows = []
    for size in sizes:
        to_better = size - size // 2
        to_worse = size // 2
        pro = (wins[:, :size] > 0).sum(axis=1)
        con = (wins[:, :size] < 0).sum(axis=1)
        found = (sign_test(pro, con) < alpha) & (pro > con)
        x_b = saw_better[:, :to_better].sum(axis=1)
        x_w = saw_worse[:, :to_worse].sum(axis=1)
        _, p = two_proportion_ztest(x_b, to_better, x_w, to_worse)
        ab_found = (p < alpha) & (x_b / to_better > x_w / to_worse)
        for method, hits in (("interleaving", found), ("ab_test", ab_found)):
            low, high = wilson_interval(hits.sum(), n_runs)
            rows.append(
                {
                    "users": size,
                    "method": method,
                    "power": float(hits.mean()),
                    "power_low": float(low),
                    "power_high": float(high),
                }
            )
    decided = (wins != 0).sum()
    return InterleavingSimulation(
        table=pd.DataFrame(rows, columns=list(INTERLEAVING_COLUMNS)),
        users=sizes,
        n_items=n_items,
        k=k,
        quality_gap=gap,
        n_runs=n_runs,
        alpha=alpha,
        click_through=(float(saw_better.mean()), float(saw_worse.mean())),
        interleaving_wins=float((wins > 0).sum() / decided)
        if decided
        else float("nan"),
    )
