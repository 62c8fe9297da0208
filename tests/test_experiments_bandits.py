"""Tests of mlkit.experiments.simulate_bandits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.experiments import (
    BANDIT_COLUMNS,
    POLICIES,
    BanditSimulation,
    simulate_bandits,
)
from mlkit.experiments._bandits import _explore_then_commit, _sequential

RATES = (0.05, 0.06, 0.08)


def _ucb1_by_hand(rewards: np.ndarray) -> list[int]:
    """UCB1 for one run, written as Auer et al. state it."""
    n_rounds, k = rewards.shape
    pulls, wins, chosen = [0] * k, [0.0] * k, []
    for t in range(n_rounds):
        if t < k:
            arm = t
        else:
            index = [
                wins[a] / pulls[a] + math.sqrt(2 * math.log(t) / pulls[a])
                for a in range(k)
            ]
            arm = max(range(k), key=lambda a: (index[a], -a))  # first of the best
        chosen.append(arm)
        pulls[arm] += 1
        wins[arm] += float(rewards[t, arm])
    return chosen


def _ucb1_tuned_by_hand(rewards: np.ndarray) -> list[int]:
    n_rounds, k = rewards.shape
    pulls, wins, chosen = [0] * k, [0.0] * k, []
    for t in range(n_rounds):
        if t < k:
            arm = t
        else:
            index = []
            for a in range(k):
                mean = wins[a] / pulls[a]
                v = mean - mean**2 + math.sqrt(2 * math.log(t) / pulls[a])
                index.append(mean + math.sqrt(math.log(t) / pulls[a] * min(0.25, v)))
            arm = max(range(k), key=lambda a: (index[a], -a))
        chosen.append(arm)
        pulls[arm] += 1
        wins[arm] += float(rewards[t, arm])
    return chosen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ucb_rules_equal_a_single_run_loop(seed):
    rng = np.random.default_rng(seed)
    rewards = rng.random((300, 4, 3)) < np.array([0.2, 0.5, 0.4])
    for policy, by_hand in (
        ("ucb1", _ucb1_by_hand),
        ("ucb1_tuned", _ucb1_tuned_by_hand),
    ):
        chosen = _sequential(policy, rewards, np.random.default_rng(0), 0.1)
        for run in range(4):
            assert chosen[:, run].tolist() == by_hand(rewards[:, run, :])


def test_epsilon_greedy_and_thompson_follow_their_rules():
    rng = np.random.default_rng(3)
    rewards = rng.random((2000, 30, 2)) < np.array([0.1, 0.6])
    greedy = _sequential("epsilon_greedy", rewards, np.random.default_rng(0), 0.0)
    # With no exploration, greedy never leaves an arm that pays while the other
    # has never paid: after the first reward, most runs stay on one arm.
    assert (greedy[-500:] == greedy[-1]).all(axis=0).mean() > 0.9
    always_random = _sequential(
        "epsilon_greedy", rewards, np.random.default_rng(0), 1.0
    )
    assert abs((always_random == 1).mean() - 0.5) < 0.02
    thompson = _sequential("thompson", rewards, np.random.default_rng(0), 0.1)
    assert (thompson[-500:] == 1).mean() > 0.97


def test_explore_then_commit_explores_uniformly_then_commits():
    rng = np.random.default_rng(0)
    rewards = rng.random((1000, 50, 3)) < np.array([0.1, 0.1, 0.9])
    chosen = _explore_then_commit(rewards, 0.2, np.random.default_rng(1))
    explore, commit = chosen[:200], chosen[200:]
    assert abs((explore == 2).mean() - 1 / 3) < 0.03
    assert (commit == commit[0]).all()
    assert (commit[0] == 2).all()  # a gap this large is never missed


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thompson_loses_least_and_ucb1_still_beats_uniform(seed):
    sim = simulate_bandits(RATES, n_rounds=10_000, n_runs=30, random_state=seed)
    regret = sim.to_frame().set_index("policy")["regret"]
    assert regret["thompson"] < regret["epsilon_greedy"]
    assert regret["thompson"] < regret["ab_test"]
    assert regret["thompson"] < regret["ucb1"]
    # UCB1 explores for long at rates this far from 1/2, but it learns: it loses
    # less than serving arms uniformly at random would.
    uniform = 10_000 * np.mean(max(RATES) - np.array(RATES))
    assert regret["ucb1"] < 0.9 * uniform


def test_ucb1_regret_slows_down_where_epsilon_greedy_does_not():
    sim = simulate_bandits(
        (0.3, 0.5),
        n_rounds=6000,
        n_runs=20,
        policies=("epsilon_greedy", "ucb1"),
        random_state=0,
    )
    curves = sim.curves
    late = {}
    for policy in ("epsilon_greedy", "ucb1"):
        c = curves[curves["policy"] == policy].set_index("round")["regret"]
        late[policy] = c.loc[6000] - c.loc[c.index[c.index >= 4000][0]]
    # epsilon-greedy keeps paying epsilon * gap / 2 a round; UCB1 far less.
    assert late["epsilon_greedy"] > 2 * late["ucb1"]


def test_table_curves_and_invariants():
    sim = simulate_bandits(RATES, n_rounds=3000, n_runs=10, policies=POLICIES)
    table = sim.to_frame()
    assert tuple(table.columns) == BANDIT_COLUMNS
    assert table["policy"].tolist() == list(POLICIES)
    assert (table["regret"] >= 0).all()
    # The mean may lie above the 95 % quantile: a few runs that commit to a worse
    # arm weigh on it, as the A/B test's do.
    assert (table["regret_low"] <= table["regret_high"]).all()
    assert ((table["best_arm_share"] >= 0) & (table["best_arm_share"] <= 1)).all()
    # Regret cannot exceed always serving the worst arm.
    assert (table["regret"] <= 3000 * (0.08 - 0.05)).all()
    curves = sim.curves
    assert list(curves.columns) == [
        "round",
        "policy",
        "regret",
        "regret_low",
        "regret_high",
    ]
    for _, c in curves.groupby("policy"):
        assert c["round"].is_monotonic_increasing
        assert (np.diff(c["regret"]) >= -1e-12).all()
        assert c["round"].iloc[-1] == 3000
        assert len(c) <= 200
    final = curves[curves["round"] == 3000].set_index("policy")["regret"]
    assert final.to_dict() == pytest.approx(
        table.set_index("policy")["regret"].to_dict()
    )


def test_regret_is_zero_when_every_arm_is_best():
    table = simulate_bandits((0.3, 0.3), n_rounds=500, n_runs=5).to_frame()
    assert (table["regret"] == 0).all()
    assert (table["best_arm_share"] == 1).all()


def test_policies_as_an_array_or_a_series():
    expected = simulate_bandits(
        RATES, n_rounds=300, n_runs=3, policies=["ucb1", "thompson"], random_state=1
    ).to_frame()
    for policies in (np.array(["ucb1", "thompson"]), pd.Series(["ucb1", "thompson"])):
        got = simulate_bandits(
            RATES, n_rounds=300, n_runs=3, policies=policies, random_state=1
        ).to_frame()
        pd.testing.assert_frame_equal(got, expected)
    with pytest.raises(MlkitValueError, match="'policies' must be one of"):
        simulate_bandits(RATES, policies=[1])


def test_seeded_and_independent_of_the_other_policies():
    a = simulate_bandits(RATES, n_rounds=800, n_runs=5, random_state=4)
    b = simulate_bandits(RATES, n_rounds=800, n_runs=5, random_state=4)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    alone = simulate_bandits(
        RATES, n_rounds=800, n_runs=5, policies=("thompson",), random_state=4
    ).to_frame()
    together = a.to_frame()
    pd.testing.assert_frame_equal(
        alone, together[together["policy"] == "thompson"].reset_index(drop=True)
    )
    other = simulate_bandits(RATES, n_rounds=800, n_runs=5, random_state=5)
    assert not a.to_frame().equals(other.to_frame())


def test_bandit_faces():
    sim = simulate_bandits(RATES, n_rounds=1000, n_runs=5)
    assert isinstance(sim, BanditSimulation)
    spec = sim.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]
    line = spec["layer"][1]["encoding"]
    assert line["x"]["field"] == "round"
    assert line["y"]["field"] == "regret"
    assert line["color"]["scale"]["domain"] == [
        "ab_test",
        "epsilon_greedy",
        "ucb1",
        "thompson",
    ]
    assert "Cumulative regret" in spec["title"]["text"]
    text = sim.explain()
    assert "Chapter 9" in text
    assert "UCB1's bound" in text
    assert repr(sim).startswith("<BanditSimulation: Over 1,000 rounds")
    assert "<table" in sim._repr_html_()


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (((0.1, 1.2),), {}, MlkitValueError, "'arm_rates' must be a rate"),
        (((0.1,),), {}, MlkitValueError, "at least 2 rates"),
        ((("a", "b"),), {}, MlkitTypeError, "'arm_rates' must be a sequence"),
        (
            (RATES,),
            {"policies": ("ucb2",)},
            MlkitValueError,
            "'policies' must be one of",
        ),
        ((RATES,), {"policies": ()}, MlkitTypeError, "non-empty sequence"),
        ((RATES,), {"epsilon": 1.5}, MlkitValueError, "'epsilon' must be a share"),
        ((RATES,), {"ab_test_share": 0}, MlkitValueError, "'ab_test_share'"),
        ((RATES,), {"n_rounds": 2}, MlkitValueError, "'n_rounds' must be an int"),
        ((RATES,), {"n_runs": 0}, MlkitValueError, "'n_runs' must be an int"),
    ],
)
def test_bandits_refuse_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        simulate_bandits(*args, **kwargs)
    assert "Hint:" in str(info.value)
