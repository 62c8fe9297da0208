"""Bandits: serve the better model more while still learning which one it is.

An A/B test splits traffic evenly until it ends, so the worse model keeps
serving half the users all along. Chapter 9 of *Designing Machine Learning
Systems* ("Continual Learning and Test in Production") presents multi-armed
bandits as the alternative: each request goes to a model (an arm) chosen from
the evidence so far, balancing exploitation (the arm that looks best) with
exploration (arms that might be better). The book notes that bandits need far
less data than A/B tests to find the better model, and lose fewer rewards on
the way; their cost is the engineering (online feedback, state per arm).

:func:`simulate_bandits` compares policies on Bernoulli arms, such as the
click-through rates of model variants:

- ``"ab_test"``: explore-then-commit, the A/B test seen as a bandit. Arms are
  drawn uniformly for the first ``ab_test_share`` of the rounds, then the arm
  with the best observed rate serves all the rest;
- ``"epsilon_greedy"``: the best arm so far, except a random arm with
  probability ``epsilon``;
- ``"ucb1"``: the arm of largest upper confidence bound
  ``mean + sqrt(2 ln t / n)`` (Auer, Cesa-Bianchi and Fischer, 2002);
- ``"ucb1_tuned"``: the same paper's variant that scales the bound by the
  arm's observed variance, much tighter for rates far from 1/2;
- ``"thompson"``: Thompson sampling, the arm whose draw from its Beta
  posterior (from a Beta(1, 1) prior) is largest.

Every policy of a run meets the same users: the reward each arm would give in
each round is drawn once, so differences between policies are not luck of
the draw. Runs are simulated together (arrays of runs by arms), looping over
rounds only.

Examples
--------
>>> from mlkit.experiments import simulate_bandits
>>> sim = simulate_bandits((0.05, 0.06, 0.08), n_rounds=2000, n_runs=20)
>>> sim.to_frame()[["policy", "regret", "best_arm_share"]].round(2)
           policy  regret  best_arm_share
0         ab_test   15.49            0.67
1  epsilon_greedy   19.31            0.61
2            ucb1   28.78            0.42
3        thompson   16.68            0.64
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import CHOICE_ERROR, check_int, check_random_state
from mlkit.experiments._checks import check_rates, check_share

if TYPE_CHECKING:
    import altair as alt

__all__ = ["BANDIT_COLUMNS", "POLICIES", "BanditSimulation", "simulate_bandits"]

Policy = Literal["ab_test", "epsilon_greedy", "ucb1", "ucb1_tuned", "thompson"]

#: The policies :func:`simulate_bandits` knows.
POLICIES: tuple[str, ...] = (
    "ab_test",
    "epsilon_greedy",
    "ucb1",
    "ucb1_tuned",
    "thompson",
)
#: The columns of :meth:`BanditSimulation.to_frame`.
BANDIT_COLUMNS: tuple[str, ...] = (
    "policy",
    "regret",
    "regret_low",
    "regret_high",
    "best_arm_share",
    "reward",
)
#: Points per policy in :attr:`BanditSimulation.curves`.
CURVE_POINTS = 200
#: Quantiles over runs that :attr:`BanditSimulation.curves` and the table report.
QUANTILES = (0.05, 0.95)


@dataclass(frozen=True, repr=False)
class BanditSimulation(Result):
    """Cumulative regret and reward of bandit policies on the same simulated users.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per policy; see :meth:`to_frame`.
    curves : pandas.DataFrame
        Regret over rounds, thinned to about :data:`CURVE_POINTS` rounds per
        policy: ``round``, ``policy``, ``regret`` (mean cumulative regret over
        runs), ``regret_low``, ``regret_high`` (its 5 % and 95 % quantiles).
    arm_rates : tuple of float
        The true reward rate of each arm.
    n_rounds, n_runs : int
        Rounds (requests) per run, and runs.
    policies : tuple of str
        The policies compared, in the table's order.
    epsilon, ab_test_share : float
        The settings of ``"epsilon_greedy"`` and ``"ab_test"``.
    """

    title: ClassVar[str] = "Bandits against an A/B test"
    table: pd.DataFrame
    curves: pd.DataFrame
    arm_rates: tuple[float, ...]
    n_rounds: int
    n_runs: int
    policies: tuple[str, ...]
    epsilon: float
    ab_test_share: float

    def to_frame(self) -> pd.DataFrame:
        """One row per policy.

        Columns: ``policy``; ``regret`` (the mean over runs of the cumulative
        regret after the last round: rewards expected from always serving the
        best arm, minus those expected from the arms served); ``regret_low``
        and ``regret_high`` (its 5 % and 95 % quantiles over runs);
        ``best_arm_share`` (the mean share of rounds served by the best arm);
        ``reward`` (the mean total reward of a run, such as clicks).
        """
        return self.table.copy()

    def chart(self) -> alt.LayerChart:
        """Mean cumulative regret over rounds, one line per policy, in a 5-95 % band."""
        from mlkit.charts import band_chart

        best = max(self.arm_rates)
        return band_chart(
            self.curves,
            x="round",
            y="regret",
            low="regret_low",
            high="regret_high",
            color="policy",
            title="Cumulative regret: rewards lost to exploring",
            subtitle=(
                f"arms with rates {', '.join(f'{r:g}' for r in self.arm_rates)} "
                f"(best {best:g}); line: mean of {self.n_runs} runs, band: 5% to "
                "95% of runs; lower is better"
            ),
            x_title="round (request)",
            y_title="cumulative regret (rewards)",
        )

    def explain(self) -> str:
        """Which policy lost the fewest rewards, and what the A/B test cost."""
        t = self.table.set_index("policy")
        best = t["regret"].idxmin()
        text = (
            f"Over {self.n_rounds:,} rounds (mean of {self.n_runs} runs), "
            f"'{best}' lost the fewest rewards to exploration: a regret of "
            f"{t.loc[best, 'regret']:.1f}, serving the best arm "
            f"{t.loc[best, 'best_arm_share']:.0%} of the time. "
        )
        if "ab_test" in t.index and best != "ab_test":
            ab = t.loc["ab_test"]
            text += (
                f"The A/B test (uniform for {self.ab_test_share:.0%} of the rounds, "
                f"then the winner) lost {ab['regret']:.1f}"
                + (
                    f"; its runs range from {ab['regret_low']:.1f} to "
                    f"{ab['regret_high']:.1f} (5% to 95%), the high end being runs "
                    "that committed to a worse arm for good. "
                    if self.n_runs > 1
                    else ". "
                )
            )
        if "ucb1" in t.index and "ucb1_tuned" not in t.index:
            text += (
                "UCB1's bound assumes rewards spread over [0, 1]; for rates far "
                "from 1/2 it keeps exploring for long ('ucb1_tuned' uses the "
                "observed variance). "
            )
        text += (
            "Regret grows forever for a policy that explores at a constant rate "
            "(epsilon-greedy) and slows down for those whose exploration shrinks "
            "with the evidence (UCB, Thompson sampling). Bandits need online "
            "feedback and state per arm, which an A/B test does not. Chapter 9 of "
            "Designing Machine Learning Systems covers bandits as a way to test in "
            "production."
        )
        return text


def _check_policies(policies: Any) -> tuple[str, ...]:
    if isinstance(policies, str):
        policies = (policies,)
    elif hasattr(policies, "tolist") and getattr(policies, "ndim", 1) == 1:
        policies = policies.tolist()  # an array or a Series of names
    if not isinstance(policies, Sequence) or not policies:
        raise MlkitTypeError(
            with_hint(
                f"'policies' must be a non-empty sequence of policy names; got "
                f"{policies!r}.",
                f"pass some of: {', '.join(POLICIES)}.",
            )
        )
    for policy in policies:
        if not isinstance(policy, str) or policy not in POLICIES:
            raise MlkitValueError(
                with_hint(
                    CHOICE_ERROR.format(
                        name="policies",
                        allowed="{" + ", ".join(map(repr, POLICIES)) + "}",
                        got=policy,
                    ),
                    f"pass some of: {', '.join(POLICIES)}.",
                )
            )
    return tuple(dict.fromkeys(policies))


def _explore_then_commit(
    rewards: np.ndarray, share: float, rng: np.random.Generator
) -> np.ndarray:
    """Arms served by an A/B test: uniform for the first rounds, then its winner."""
    n_rounds, n_runs, k = rewards.shape
    explore = min(n_rounds, max(k, round(share * n_rounds)))
    arms = rng.integers(0, k, size=(explore, n_runs))
    got = np.take_along_axis(rewards[:explore], arms[..., None], axis=2)[..., 0]
    one_hot = arms[..., None] == np.arange(k)
    pulls = one_hot.sum(axis=0)
    wins = (one_hot * got[..., None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(pulls > 0, wins / pulls, -1.0)
    winner = np.argmax(means, axis=1)  # ties: the first arm
    chosen = np.empty((n_rounds, n_runs), dtype=np.int64)
    chosen[:explore] = arms
    chosen[explore:] = winner
    return chosen


def _sequential(
    policy: str,
    rewards: np.ndarray,
    rng: np.random.Generator,
    epsilon: float,
) -> np.ndarray:
    """Arms served by a policy that learns after every round, all runs at once.

    ``rewards[t, r, a]`` is the reward arm ``a`` would give in round ``t`` of
    run ``r``. UCB policies first serve each arm once, in order; ties in their
    index go to the first arm (``argmax``). Epsilon-greedy breaks ties between
    equal means at random.
    """
    n_rounds, n_runs, k = rewards.shape
    arms = np.arange(k)
    pulls = np.zeros((n_runs, k))
    wins = np.zeros((n_runs, k))
    chosen = np.empty((n_rounds, n_runs), dtype=np.int64)
    if policy == "epsilon_greedy":
        explore = rng.random((n_rounds, n_runs)) < epsilon
        random_arm = rng.integers(0, k, size=(n_rounds, n_runs))
        # Below any gap between two distinct means (at least 1 / n_rounds**2).
        jitter = 1e-3 / float(n_rounds) ** 2
    for t in range(n_rounds):
        if policy == "thompson":
            arm = np.argmax(rng.beta(1 + wins, 1 + pulls - wins), axis=1)
        elif policy == "epsilon_greedy":
            means = wins / np.maximum(pulls, 1)  # 0 for an arm never served
            greedy = np.argmax(means + jitter * rng.random((n_runs, k)), axis=1)
            arm = np.where(explore[t], random_arm[t], greedy)
        elif t < k:
            arm = np.full(n_runs, t)
        else:
            means = wins / pulls
            if policy == "ucb1":
                bonus = np.sqrt(2 * np.log(t) / pulls)
            else:  # ucb1_tuned
                variance = means - means**2 + np.sqrt(2 * np.log(t) / pulls)
                bonus = np.sqrt(np.log(t) / pulls * np.minimum(0.25, variance))
            arm = np.argmax(means + bonus, axis=1)
        chosen[t] = arm
        # One-hot updates: cheaper than fancy indexing on arrays this small.
        served = arm[:, None] == arms
        pulls += served
        wins += served & rewards[t]
    return chosen


def _thin(n_rounds: int, points: int = CURVE_POINTS) -> np.ndarray:
    """Rounds (from 1) to keep for a chart: denser early, where curves bend most."""
    if n_rounds <= points:
        return np.arange(1, n_rounds + 1)
    spaced = np.unique(np.geomspace(1, n_rounds, points // 2).round().astype(np.int64))
    even = np.linspace(1, n_rounds, points // 2).round().astype(np.int64)
    return np.union1d(spaced, even)


def simulate_bandits(
    arm_rates: Sequence[float],
    *,
    n_rounds: int = 10_000,
    policies: Sequence[Policy] = ("ab_test", "epsilon_greedy", "ucb1", "thompson"),
    epsilon: float = 0.1,
    ab_test_share: float = 0.2,
    n_runs: int = 50,
    random_state: Any = 0,
) -> BanditSimulation:
    """Compare bandit policies and an A/B test on arms with known reward rates.

    Parameters
    ----------
    arm_rates : sequence of float
        The true reward rate of each arm (at least two), such as the
        click-through rate of each model variant.
    n_rounds : int, default 10000
        Rounds (requests) per run; each serves one arm and sees its reward.
    policies : sequence of str, default ("ab_test", "epsilon_greedy", "ucb1", "thompson")
        Policies to compare, among :data:`POLICIES`.
    epsilon : float, default 0.1
        The share of random rounds of ``"epsilon_greedy"``.
    ab_test_share : float, default 0.2
        The share of rounds ``"ab_test"`` assigns uniformly before committing
        to the arm with the best observed rate.
    n_runs : int, default 50
        Independent runs; the table reports means and quantiles over them.
    random_state : int, numpy Generator or None, default 0
        Seed of the rewards and of the policies' random choices.

    Returns
    -------
    BanditSimulation
        ``.to_frame()`` (one row per policy), ``.curves``, ``.chart()``,
        ``.explain()``.

    Notes
    -----
    Regret is the expected (pseudo-)regret: the sum over rounds of the best
    rate minus the rate of the arm served. It does not depend on the rewards
    that happened to be drawn, so it is never negative and shows the cost of
    each choice. The policies of a run share the same draws of rewards (what
    each arm would give in each round). UCB1's index is ``mean + sqrt(2 ln t
    / n)`` after every arm has been served once, ``t`` the rounds played so
    far and ``n`` the arm's pulls; UCB1-tuned replaces ``2`` by ``min(1/4, V)``
    with ``V = mean - mean**2 + sqrt(2 ln t / n)``.

    Examples
    --------
    >>> from mlkit.experiments import simulate_bandits
    >>> sim = simulate_bandits((0.2, 0.5), n_rounds=1000, n_runs=20,
    ...                        policies=("ab_test", "thompson"))
    >>> sim.to_frame()[["policy", "regret", "reward"]].round(1)
         policy  regret  reward
    0   ab_test    29.2   469.0
    1  thompson     7.4   487.6
    """
    rates = check_rates(arm_rates, "arm_rates", min_size=2)
    k = len(rates)
    n_rounds = check_int(n_rounds, "n_rounds", k, "10000 (one round per arm at least)")
    names = _check_policies(policies)
    epsilon = check_share(
        epsilon, "epsilon", "pass a share of random rounds, such as 0.1.", zero=True
    )
    share = check_share(
        ab_test_share,
        "ab_test_share",
        "pass the share of rounds the A/B test runs before committing, such as 0.2.",
    )
    n_runs = check_int(n_runs, "n_runs", 1, "50")
    rng = check_random_state(random_state)

    rewards = rng.random((n_rounds, n_runs, k)) < rates
    # One stream per known policy, so that a policy's row does not depend on
    # which others are compared alongside it.
    streams = dict(
        zip(POLICIES, rng.integers(0, 2**63, size=len(POLICIES)), strict=True)
    )
    gaps = rates.max() - rates
    best = rates == rates.max()
    keep = _thin(n_rounds)
    rows, curves = [], []
    for name in names:
        own = np.random.default_rng(streams[name])
        if name == "ab_test":
            chosen = _explore_then_commit(rewards, share, own)
        else:
            chosen = _sequential(name, rewards, own, epsilon)
        regret = np.cumsum(gaps[chosen], axis=0)  # rounds x runs
        final = regret[-1]
        reward = np.take_along_axis(rewards, chosen[..., None], axis=2)[..., 0]
        low, high = np.quantile(final, QUANTILES)
        rows.append(
            {
                "policy": name,
                "regret": float(final.mean()),
                "regret_low": float(low),
                "regret_high": float(high),
                "best_arm_share": float(best[chosen].mean()),
                "reward": float(reward.sum(axis=0).mean()),
            }
        )
        thinned = regret[keep - 1]
        q_low, q_high = np.quantile(thinned, QUANTILES, axis=1)
        curves.append(
            pd.DataFrame(
                {
                    "round": keep,
                    "policy": name,
                    "regret": thinned.mean(axis=1),
                    "regret_low": q_low,
                    "regret_high": q_high,
                }
            )
        )
    return BanditSimulation(
        table=pd.DataFrame(rows, columns=list(BANDIT_COLUMNS)),
        curves=pd.concat(curves, ignore_index=True),
        arm_rates=tuple(float(r) for r in rates),
        n_rounds=n_rounds,
        n_runs=n_runs,
        policies=names,
        epsilon=epsilon,
        ab_test_share=share,
    )
