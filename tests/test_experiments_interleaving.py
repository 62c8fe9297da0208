"""Tests of mlkit.experiments' interleaving: team_draft_interleave and the simulation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.experiments import (
    INTERLEAVING_COLUMNS,
    InterleavingSimulation,
    interleaving_simulation,
    team_draft_interleave,
)
from mlkit.experiments._interleaving import _team_draft, _team_draft_many

# --------------------------------------------------------------------------- team draft


def test_team_draft_by_hand():
    # Every outcome of the two coin flips of A = [1, 2, 3, 4], B = [2, 3, 4, 1]:
    # flip 1 decides who picks at position 0, flip 2 at position 2.
    a, b = [1, 2, 3, 4], [2, 3, 4, 1]
    outcomes = {}
    for first, second in itertools.product([True, False], repeat=2):
        flips = {0: first, 2: second}
        outcomes[(first, second)] = _team_draft(a, b, 4, flips.__getitem__)
    assert outcomes[(True, True)] == ([1, 2, 3, 4], ["a", "b", "a", "b"])
    assert outcomes[(True, False)] == ([1, 2, 3, 4], ["a", "b", "b", "a"])
    assert outcomes[(False, True)] == ([2, 1, 3, 4], ["b", "a", "a", "b"])
    assert outcomes[(False, False)] == ([2, 1, 3, 4], ["b", "a", "b", "a"])
    seen = {
        tuple(map(tuple, team_draft_interleave(a, b, random_state=s)))
        for s in range(40)
    }
    assert seen == {tuple(map(tuple, v)) for v in outcomes.values()}


@pytest.mark.parametrize("seed", range(5))
def test_interleaving_holds_each_item_once_and_alternates_teams(seed):
    rng = np.random.default_rng(seed)
    catalogue = [f"item{i}" for i in range(30)]
    a = list(rng.permutation(catalogue)[:20])
    b = list(rng.permutation(catalogue)[:25])
    items, teams = team_draft_interleave(a, b, random_state=seed)
    assert len(items) == len(set(items)) == len(teams)
    assert set(teams) <= {"a", "b"}
    for i in range(0, len(teams) - 1, 2):
        assert {teams[i], teams[i + 1]} == {"a", "b"}
    # Each team's items appear in its own ranking's order.
    for team, ranking in (("a", a), ("b", b)):
        picked = [x for x, t in zip(items, teams, strict=True) if t == team]
        positions = [ranking.index(x) for x in picked]
        assert positions == sorted(positions)
    # It stops when one ranking has nothing left to add.
    assert set(a) <= set(items) or set(b) <= set(items)


def test_k_limits_the_list_and_the_seed_decides():
    a, b = list(range(10)), list(range(9, -1, -1))
    items, teams = team_draft_interleave(a, b, k=4, random_state=1)
    assert len(items) == 4
    assert team_draft_interleave(a, b, k=4, random_state=1) == (items, teams)
    assert team_draft_interleave(pd.Series(a), np.array(b), k=4, random_state=1)[0] == [
        int(x) for x in items
    ]
    first = {team_draft_interleave(a, b, k=1, random_state=s)[1][0] for s in range(30)}
    assert first == {"a", "b"}


def test_vectorised_draft_equals_the_loop():
    rng = np.random.default_rng(0)
    n_items, k, rows = 12, 6, 200
    a = np.array([rng.permutation(n_items) for _ in range(rows)])
    b = np.array([rng.permutation(n_items) for _ in range(rows)])
    coins = rng.random((rows, k)) < 0.5
    items, from_a = _team_draft_many(a[:, :k], b[:, :k], coins)
    for r in range(rows):
        expected_items, expected_teams = _team_draft(
            a[r].tolist(), b[r].tolist(), k, lambda j, r=r: bool(coins[r, j])
        )
        assert items[r].tolist() == expected_items
        assert ["a" if x else "b" for x in from_a[r]] == expected_teams


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (
            ([1, 2, 1], [1, 2]),
            {},
            MlkitValueError,
            "'ranking_a' lists 1 more than once",
        ),
        (
            ([1, 2], [[1, 2]]),
            {},
            MlkitValueError,
            "'ranking_b' must be one-dimensional",
        ),
        (([1, 2], [2, 1]), {"k": 0}, MlkitValueError, "'k' must be an int"),
        (([1, 2], [2, 1]), {"k": 2.0}, MlkitTypeError, "'k' must be an int"),
    ],
)
def test_team_draft_refuses_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        team_draft_interleave(*args, **kwargs)
    assert "Hint:" in str(info.value)


# --------------------------------------------------------------------------- simulation


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_interleaving_is_more_sensitive_than_an_ab_test(seed):
    sim = interleaving_simulation(users=(300, 1000), n_runs=80, random_state=seed)
    power = sim.to_frame().pivot(index="users", columns="method", values="power")
    for users in (300, 1000):
        assert power.loc[users, "interleaving"] > power.loc[users, "ab_test"] + 0.15
    # Interleaving with 300 users beats an A/B test with 1000.
    assert power.loc[300, "interleaving"] > power.loc[1000, "ab_test"]
    assert power.loc[1000, "interleaving"] > 0.5


def test_power_grows_with_users_and_the_gap():
    small = interleaving_simulation(users=(100, 2000), n_runs=60, quality_gap=0.1)
    large = interleaving_simulation(users=(100, 2000), n_runs=60, quality_gap=0.6)
    for sim in (small, large):
        p = sim.to_frame().set_index(["users", "method"])["power"]
        assert p[(2000, "interleaving")] > p[(100, "interleaving")]
    p_small = small.to_frame().set_index(["users", "method"])["power"]
    p_large = large.to_frame().set_index(["users", "method"])["power"]
    assert p_large[(2000, "interleaving")] > p_small[(2000, "interleaving")]
    better, worse = large.click_through
    assert better > worse
    assert large.interleaving_wins > 0.5


def test_long_lists_are_drafted_user_by_user():
    # k = 30 has too many coin patterns to draft up front: users are drafted one by one.
    sim = interleaving_simulation(n_items=40, k=30, users=(50, 400), n_runs=30)
    p = sim.to_frame().set_index(["users", "method"])["power"]
    assert p[(400, "interleaving")] >= p[(400, "ab_test")]


def test_table_seed_and_users_needed():
    sim = interleaving_simulation(users=(100, 300, 1000), n_runs=40, random_state=5)
    table = sim.to_frame()
    assert tuple(table.columns) == INTERLEAVING_COLUMNS
    assert table["users"].tolist() == [100, 100, 300, 300, 1000, 1000]
    assert table["method"].tolist() == ["interleaving", "ab_test"] * 3
    assert (
        (table["power_low"] <= table["power"]) & (table["power"] <= table["power_high"])
    ).all()
    again = interleaving_simulation(users=(100, 300, 1000), n_runs=40, random_state=5)
    pd.testing.assert_frame_equal(table, again.to_frame())
    needed = sim.users_needed(0.3)
    assert list(needed.index) == ["interleaving", "ab_test"]
    reached = table[(table["method"] == "interleaving") & (table["power"] >= 0.3)]
    assert needed["interleaving"] == reached["users"].min()
    assert pd.isna(sim.users_needed(1.01)["ab_test"])


def test_interleaving_faces():
    sim = interleaving_simulation(users=(100, 500), n_runs=20)
    assert isinstance(sim, InterleavingSimulation)
    spec = sim.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == [
        "area",
        "line",
        "rule",
    ]
    line = spec["layer"][1]["encoding"]
    assert line["x"]["field"] == "users"
    assert line["x"]["scale"]["type"] == "log"
    assert line["y"]["field"] == "power"
    assert "fewer users" in spec["title"]["text"]
    text = sim.explain()
    assert "Chapter 9" in text
    assert "80% power" in text
    assert repr(sim).startswith("<InterleavingSimulation: ")
    assert "<table" in sim._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"quality_gap": 0}, MlkitValueError, "'quality_gap' must be a share"),
        ({"quality_gap": 1.5}, MlkitValueError, "'quality_gap' must be a share"),
        ({"k": 60}, MlkitValueError, "'k' \\(60\\) must be at most 'n_items'"),
        ({"users": (1, 10)}, MlkitValueError, "'users' must hold ints"),
        ({"users": "many"}, MlkitTypeError, "'users' must be a sequence"),
        ({"n_runs": 0}, MlkitValueError, "'n_runs' must be an int"),
        ({"alpha": 2}, MlkitValueError, "'alpha'"),
    ],
)
def test_simulation_refuses_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        interleaving_simulation(**kwargs)
    assert "Hint:" in str(info.value)
