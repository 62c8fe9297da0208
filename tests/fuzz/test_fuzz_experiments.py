"""Generated input for mlkit.experiments: tests, simulations and replays of models.

Simulations get tiny sizes (a few rounds, runs and users) so that every call
takes milliseconds; the replays of models fit logistic or ridge regressions on
at most 80 rows.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from mlkit import experiments as ex
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
    without_times,
)

NAN, INF = float("nan"), float("inf")
#: Values that no count, size or rate accepts; each test adds its own.
BAD = [NAN, INF, -INF, True, "3", None]
BAD_INTS = [0, -1, 2.5, 3.0, np.int64(-2), *BAD]
BAD_RATES = [-0.1, 1.5, 1e300, *BAD]
ALPHAS = [0.05, 0.01, 0.2]
BAD_ALPHAS = [0, 1, -0.5, 1.5, *BAD]


class Args:
    """Draws the arguments of one call, spoiling at most one of them.

    The ``i``-th argument drawn is replaced by a bad value when ``i`` is the
    spoiled position, drawn once per call among 20 (or none): with a handful of
    arguments, most calls are valid and the others test one bad argument at a
    time.
    """

    def __init__(self, data, *, spoil=20):
        self.data = data
        # 0, where hypothesis starts and shrinks to, spoils nothing.
        self.spoiled = data.draw(st.integers(0, spoil)) - 1
        self.drawn = 0

    def bad(self):
        """Whether the next argument is the spoiled one (and count it)."""
        self.drawn += 1
        return self.drawn - 1 == self.spoiled

    def __call__(self, valid, bad):
        if self.bad():
            return self.data.draw(st.sampled_from(bad))
        return self.data.draw(valid)

    def rate(self, bad=BAD_RATES):
        edges = st.sampled_from([0.0, 1.0, 0.5, 1e-300, 1 - 1e-16])
        return self(st.one_of(st.floats(0, 1), edges), bad)

    def count(self, low, high, bad=BAD_INTS):
        return self(st.integers(low, high), bad)

    def alpha(self, bad=BAD_ALPHAS):
        return self(st.sampled_from(ALPHAS), bad)

    def seed(self):
        return self(st.integers(0, 2**31 - 1), ["0", 1.5, True])


def shown(data):
    """Whether to build the result's chart: a chart takes 0.1-0.2 s, so one call
    in three builds it, on inputs as varied as the others."""
    return data.draw(st.integers(0, 2)) == 0


def difference(data, base):
    """A change of the rate ``base`` that keeps it in [0, 1], never 0."""
    if not isinstance(base, float) or not 0 <= base <= 1:
        return data.draw(st.floats(-0.5, 0.5))
    room = max(1 - base, base)
    sign = 1.0 if 1 - base >= base else -1.0
    return sign * room * data.draw(st.sampled_from([1.0, 0.5, 0.1, 1e-3, 1e-9]))


# --------------------------------------------------------------------------- A/B tests


def check_ab(result):
    t = result.to_frame()
    has_columns(t, ex.AB_COLUMNS)
    assert len(t) == 3
    in_unit_interval(result.p_value)
    assert not math.isnan(result.p_value)
    assert result.low <= result.high
    if math.isfinite(result.std_error):
        assert result.low <= result.difference <= result.high
    if result.kind == "proportion":
        in_unit_interval(result.control_mean, result.treatment_mean)
        in_unit_interval(*t["low"].iloc[:2], *t["high"].iloc[:2])


def check_ab_against_scipy(control, treatment, result):
    """Welch's p-value and statistic are scipy's wherever both arms vary."""
    from scipy.stats import ttest_ind

    if result.kind != "mean" or not result.std_error > 0:
        return
    c = pd.Series(control).astype("float64").to_numpy()
    t = pd.Series(treatment).astype("float64").to_numpy()
    peak = np.abs(np.concatenate([c, t])).max()
    if not 1e-100 < peak < 1e100:
        return  # scipy's own sums and squares overflow or underflow there
    alternative = {"larger": "greater", "smaller": "less"}.get(
        result.alternative, "two-sided"
    )
    with warnings.catch_warnings():
        # scipy warns of its own precision loss on nearly equal outcomes.
        warnings.simplefilter("error", RuntimeWarning)
        try:
            expected = ttest_ind(t, c, equal_var=False, alternative=alternative)
        except RuntimeWarning:
            return
    assert math.isclose(result.p_value, expected.pvalue, rel_tol=1e-6, abs_tol=1e-12), (
        result.p_value,
        expected.pvalue,
        list(c),
        list(t),
    )


def outcomes(data, n, kind):
    """Outcomes of one arm: those ``kind`` takes, now and then strings or NaN."""
    what = data.draw(st.integers(0, 19))
    if what == 0:
        values = gen.labels(data, n)
    elif what == 1 or (what < 14 and kind == "mean"):
        values = gen.floats(data, n, nasty=what == 1)
    else:
        values = gen.binary_labels(data, n)
        if data.draw(st.booleans()):
            values = values.astype(bool)
    return gen.container(data, values)


@fuzzes("mlkit.experiments.ab_test")
@given(st.data())
@fuzz_settings(50)
def test_ab_test(data):
    a = Args(data)
    kind = a(st.sampled_from(ex.KINDS), ["median", None, 1])
    least = 2 if kind == "mean" else 1  # a standard deviation needs two
    control = outcomes(data, gen.rows(data, least), kind)
    small = data.draw(st.sampled_from([least, least, 1, 0]))
    treatment = outcomes(data, gen.rows(data, small), kind)
    result = call(
        "mlkit.experiments.ab_test",
        ex.ab_test,
        control,
        treatment,
        kind=kind,
        alpha=a.alpha(),
        alternative=a(st.sampled_from(ex.ALTERNATIVES), ["greater", "", None]),
        check=check_ab,
        display=shown(data),
    )
    if result is not None:
        check_ab_against_scipy(control, treatment, result)


def planning(a):
    """Arguments shared by sample_size and power, drawn by ``a``."""
    data = a.data
    kind = a(st.sampled_from(ex.KINDS), ["rate", None])
    alternative = a(st.sampled_from(ex.ALTERNATIVES), ["greater", None])
    if kind == "mean":
        baseline = a(st.floats(-1e6, 1e6), BAD)
        effect = a(
            st.one_of(st.floats(-1e3, 1e3), st.sampled_from([1e-300, 1e300])),
            [0.0, *BAD],
        )
        std = a(
            st.one_of(st.floats(1e-3, 1e3), st.sampled_from([5e-324, 1e300])),
            [0.0, -1.0, None, *BAD],
        )
    else:
        baseline = a.rate()
        effect = difference(data, baseline) if not a.bad() else 0.0
        std = None
    if isinstance(effect, float) and effect and not a.bad():
        # Mostly in the direction the alternative looks for.
        if alternative == "larger":
            effect = abs(effect)
        elif alternative == "smaller":
            effect = -abs(effect)
    if (
        kind != "mean"
        and isinstance(baseline, float)
        and 0 <= baseline <= 1
        and isinstance(effect, float)
        and not 0 <= baseline + effect <= 1
    ):
        effect = -effect  # still a rate: the room is on the other side
    kwargs = {
        "kind": kind,
        "std": std,
        "alpha": a.alpha(),
        "ratio": a(
            st.one_of(st.floats(0.05, 20), st.sampled_from([1.0, 1, 1e-300])),
            [0, -1.0, *BAD],
        ),
        "alternative": alternative,
    }
    return baseline, effect, kwargs


@fuzzes("mlkit.experiments.sample_size")
@given(st.data())
@fuzz_settings(100)
def test_sample_size(data):
    a = Args(data)
    baseline, effect, kwargs = planning(a)
    target = a(
        st.one_of(st.floats(0.3, 0.99), st.sampled_from([0.8, 0.9])),
        [0.0, 1.0, 0.01, *BAD],
    )

    def check(n):
        assert isinstance(n, int)
        assert n >= 1
        if n < 1e12:  # the power of the size asked for reaches the target
            reached = ex.power(baseline, effect, n, **kwargs)
            assert reached >= target - 1e-9, (reached, target)

    call(
        "mlkit.experiments.sample_size",
        ex.sample_size,
        baseline,
        effect,
        power=target,
        check=check,
        **kwargs,
    )


@fuzzes("mlkit.experiments.power")
@given(st.data())
@fuzz_settings(100)
def test_power(data):
    a = Args(data)
    baseline, effect, kwargs = planning(a)
    n = a(
        st.one_of(st.integers(1, 10**9), st.floats(1, 1e9), st.just(1e300)),
        [0, 0.5, -3, *BAD],
    )

    def check(value):
        assert isinstance(value, float)
        in_unit_interval(value)
        assert not math.isnan(value)

    call(
        "mlkit.experiments.power",
        ex.power,
        baseline,
        effect,
        n,
        check=check,
        **kwargs,
    )


def check_peeking(sim):
    t = sim.to_frame()
    has_columns(t, ["looks", sim.metric, "low", "high", "mean_sample_used"])
    in_unit_interval(*t[sim.metric], *t["low"], *t["high"], sim.fixed_horizon_rate)
    assert ((t["mean_sample_used"] > 0) & (t["mean_sample_used"] <= 1)).all()
    assert t["looks"].is_monotonic_increasing


@fuzzes("mlkit.experiments.peeking_simulation")
@given(st.data())
@fuzz_settings(40)
def test_peeking_simulation(data):
    a = Args(data)
    n = a.count(1, 200)
    if a.bad() or not isinstance(n, int) or n < 1:
        looks = data.draw(
            st.sampled_from([(), (0,), (1, 2.5), "5", 5, (1, 10**6), (True,), [[1]]])
        )
    else:
        looks = data.draw(st.lists(st.integers(1, min(n, 30)), min_size=1, max_size=4))
    base = a.rate()
    call(
        "mlkit.experiments.peeking_simulation",
        ex.peeking_simulation,
        rate=base,
        effect=a(st.sampled_from([0.0, difference(data, base)]), [*BAD, 2.0]),
        n_per_arm=n,
        looks=looks,
        alpha=a.alpha(),
        n_experiments=a.count(1, 40),
        random_state=a.seed(),
        check=check_peeking,
        display=shown(data),
    )


# --------------------------------------------------------------------------- rollouts


def check_canary(rollout):
    t = rollout.to_frame()
    has_columns(t, ex.CANARY_COLUMNS)
    assert 1 <= len(t) <= len(rollout.steps)
    in_unit_interval(*t["p_value"])
    assert rollout.outcome in ("complete", "rollback")
    assert (t["canary_errors"] <= t["canary_requests"]).all()
    assert (t["control_errors"] <= t["control_requests"]).all()


@fuzzes("mlkit.experiments.canary_simulation")
@given(st.data())
@fuzz_settings(40)
def test_canary_simulation(data):
    a = Args(data)
    if a.bad():
        steps = data.draw(
            st.sampled_from(
                [(), (0.5, 0.1), (0.0, 1.0), (0.5, NAN), "1", "all", (True,), 0.5]
            )
        )
    else:
        shares = st.one_of(st.floats(1e-3, 1), st.just(1.0))
        steps = sorted(data.draw(st.sets(shares, min_size=1, max_size=4)))
        steps = gen.container(data, steps, kinds=["list", "ndarray", "series"])
    call(
        "mlkit.experiments.canary_simulation",
        ex.canary_simulation,
        control_rate=a.rate(),
        canary_rate=a.rate(),
        steps=steps,
        requests_per_step=a.count(1, 2000),
        alpha=a.alpha(),
        min_harm=a(st.floats(0, 0.2), [1.0, -0.1, *BAD]),
        random_state=a.seed(),
        check=check_canary,
        display=shown(data),
    )


def predictions(data, n, classes):
    values = gen.labels(data, n, classes=classes)
    kind = data.draw(st.integers(0, 19))
    if kind == 0 and n:
        values = values.astype(object)
        values[data.draw(st.integers(0, n - 1))] = None
    elif kind == 1 and n:
        values = gen.floats(data, n)
    return gen.container(data, values)


def check_shadow(result):
    t = result.to_frame()
    has_columns(t, ex.SHADOW_COLUMNS)
    assert list(t["model"]) == ["champion", "challenger"]
    in_unit_interval(result.agreement, result.agreement_low, result.agreement_high)
    assert result.agreement_low <= result.agreement <= result.agreement_high
    assert 0 <= result.n_labelled <= result.n
    in_unit_interval(*t["accuracy"], result.p_value)
    assert result.disagreements["count"].sum() == round(
        (1 - result.agreement) * result.n
    )


@fuzzes("mlkit.experiments.shadow_test")
@given(st.data())
@fuzz_settings(60)
def test_shadow_test(data):
    n = gen.rows(data)
    classes = data.draw(
        st.sampled_from([(0, 1), ("no", "yes"), (False, True), (0, 1, 2)])
    )
    champion = predictions(data, n, classes)
    m = n if data.draw(st.integers(0, 19)) else gen.rows(data)
    challenger = predictions(data, m, classes)
    y_true = None
    if data.draw(st.booleans()):
        y = gen.labels(data, n, classes=classes).astype(object)
        if n:
            y[
                np.asarray(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
            ] = data.draw(st.sampled_from([np.nan, None]))
        y_true = gen.container(data, y, kinds=["list", "ndarray", "series"])
        if isinstance(y_true, np.ndarray):
            # The harness compares object arrays with ==, where NaN != NaN: mark
            # the missing labels of an array with None.
            y_true = np.where(pd.isna(y_true), None, y_true)
    latency = None
    if data.draw(st.booleans()):
        nasty = data.draw(st.integers(0, 3)) == 0
        pair = [np.abs(gen.floats(data, n, nasty=nasty)) for _ in "ab"]
        shape = data.draw(
            st.sampled_from(["tuple", "tuple", "frame", "array", "Float64", "one"])
        )
        if shape == "frame":
            latency = pd.DataFrame({"champion": pair[0], "challenger": pair[1]})
        elif shape == "array":
            latency = np.column_stack(pair)
        elif shape == "Float64":
            latency = tuple(pd.Series(p, dtype="Float64") for p in pair)
        elif shape == "one":
            latency = pair[0]
        else:
            latency = tuple(pair)
    call(
        "mlkit.experiments.shadow_test",
        ex.shadow_test,
        champion,
        challenger,
        y_true=y_true,
        latency_ms=latency,
        check=check_shadow,
        display=shown(data),
    )


# --------------------------------------------------------------------------- bandits


def check_bandits(sim):
    t = sim.to_frame()
    has_columns(t, ex.BANDIT_COLUMNS)
    assert list(t["policy"]) == list(sim.policies)
    assert (t["regret"] >= -1e-9).all()
    assert (t["regret_low"] <= t["regret_high"] + 1e-9).all()
    in_unit_interval(*t["best_arm_share"])
    assert (t["reward"] <= sim.n_rounds).all()


@fuzzes("mlkit.experiments.simulate_bandits")
@given(st.data())
@fuzz_settings(40)
def test_simulate_bandits(data):
    a = Args(data)
    if a.bad():
        rates = data.draw(
            st.sampled_from([(0.1,), (), (0.1, NAN), (0.1, 1.5), ("a", "b"), 0.5, None])
        )
    else:
        rates = gen.container(
            data,
            np.asarray(data.draw(st.lists(st.floats(0, 1), min_size=2, max_size=4))),
            kinds=["list", "ndarray", "series", "nullable"],
        )
    if a.bad():
        policies = data.draw(st.sampled_from([(), ("ucb2",), [None], 3]))
    else:
        policies = data.draw(
            st.one_of(
                st.lists(st.sampled_from(ex.POLICIES), min_size=1, max_size=3),
                st.sampled_from(ex.POLICIES),
            )
        )
        if not isinstance(policies, str):
            policies = gen.container(
                data, policies, kinds=["list", "ndarray", "series"]
            )
    call(
        "mlkit.experiments.simulate_bandits",
        ex.simulate_bandits,
        rates,
        n_rounds=a.count(4, 60),
        policies=policies,
        epsilon=a(st.floats(0, 1), [-0.1, 1.5, *BAD]),
        ab_test_share=a(st.floats(0.01, 1), [0, 1.5, *BAD]),
        n_runs=a.count(1, 4),
        random_state=a.seed(),
        check=check_bandits,
        display=shown(data),
    )


# --------------------------------------------------------------------------- feedback loops


def check_feedback(loop):
    t = loop.to_frame()
    has_columns(t, ex.FEEDBACK_COLUMNS)
    assert len(t) == loop.rounds * len(loop.exploration)
    in_unit_interval(
        *t["coverage"], *t["exposure_gini"], *t["click_through"], *t["best_items_shown"]
    )
    rho = t["estimated_vs_true_rank_correlation"].dropna()
    assert ((rho >= -1 - 1e-9) & (rho <= 1 + 1e-9)).all()


@fuzzes("mlkit.experiments.feedback_loop_simulation")
@given(st.data())
@fuzz_settings(30)
def test_feedback_loop_simulation(data):
    a = Args(data)
    if a.bad():
        exploration = data.draw(
            st.sampled_from([(), (0.0, 1.5), ("a",), "1", (True,), (NAN,), None])
        )
    else:
        exploration = data.draw(
            st.one_of(
                st.lists(st.floats(0, 1), min_size=1, max_size=3),
                st.sampled_from([0.2, 0, 1]),
            )
        )
        if isinstance(exploration, list):
            exploration = gen.container(data, exploration, kinds=["list", "ndarray"])
    n_items = a.count(2, 30)
    top = n_items if isinstance(n_items, int) and n_items >= 1 else 6
    call(
        "mlkit.experiments.feedback_loop_simulation",
        ex.feedback_loop_simulation,
        n_items=n_items,
        n_users=a.count(1, 20),
        rounds=a.count(1, 4),
        slots=a(st.integers(1, top), [*BAD_INTS, top + 1]),
        exploration=exploration,
        random_state=a.seed(),
        check=check_feedback,
        display=shown(data),
    )


# --------------------------------------------------------------------------- interleaving


def check_interleaving(sim):
    t = sim.to_frame()
    has_columns(t, ex.INTERLEAVING_COLUMNS)
    assert len(t) == 2 * len(sim.users)
    in_unit_interval(*t["power"], *t["power_low"], *t["power_high"])
    assert sim.users_needed().index.tolist() == ["interleaving", "ab_test"]


@fuzzes("mlkit.experiments.interleaving_simulation")
@given(st.data())
@fuzz_settings(30)
def test_interleaving_simulation(data):
    a = Args(data)
    n_items = a.count(2, 15)
    if a.bad():
        users = data.draw(st.sampled_from([(), (1,), (2, 2.5), "many", None]))
    else:
        users = data.draw(
            st.one_of(
                st.lists(st.integers(2, 40), min_size=1, max_size=3),
                st.integers(2, 40),
            )
        )
        if isinstance(users, list):
            users = gen.container(data, users, kinds=["list", "ndarray"])
    top = n_items if isinstance(n_items, int) and n_items >= 1 else 5
    call(
        "mlkit.experiments.interleaving_simulation",
        ex.interleaving_simulation,
        n_items=n_items,
        k=a(st.integers(1, top), [*BAD_INTS, top + 1]),
        quality_gap=a(st.floats(0.01, 1), [0, 1.5, *BAD]),
        users=users,
        n_runs=a.count(1, 4),
        random_state=a.seed(),
        alpha=a.alpha(),
        check=check_interleaving,
        display=shown(data),
    )


def ranking(data):
    kind = data.draw(st.sampled_from(["ints", "strings", "mixed", "nasty"]))
    if kind == "ints":
        items = data.draw(st.lists(st.integers(0, 9), max_size=8, unique=True))
    elif kind == "strings":
        items = data.draw(st.lists(st.sampled_from(gen.NAMES), max_size=8, unique=True))
    elif kind == "mixed":
        items = data.draw(
            st.lists(st.one_of(st.integers(0, 5), st.sampled_from("abc")), max_size=6)
        )
        items = list(dict.fromkeys(items))
    else:
        items = data.draw(
            st.lists(st.sampled_from([1, 1, 2, NAN, None, "x"]), max_size=5)
        )
    shape = data.draw(st.sampled_from(["list", "list", "tuple", "array", "series"]))
    if shape == "tuple":
        return tuple(items)
    if shape == "array" and kind != "nasty":
        # Not with NaN in an object array: the harness's copy would not equal it.
        return np.asarray(items)
    if shape == "series":
        return pd.Series(items, dtype=object if items else "float64")
    return items


@fuzzes("mlkit.experiments.team_draft_interleave")
@given(st.data())
@fuzz_settings(100)
def test_team_draft_interleave(data):
    args = Args(data, spoil=6)
    a, b = ranking(data), ranking(data)
    k = args(st.one_of(st.none(), st.integers(1, 12)), BAD_INTS)

    def check(result):
        items, teams = result
        assert isinstance(items, list)
        assert isinstance(teams, list)
        assert len(items) == len(teams) <= len(a) + len(b)
        if isinstance(k, int):
            assert len(items) <= k
        assert set(teams) <= {"a", "b"}
        assert abs(teams.count("a") - teams.count("b")) <= 1
        assert len(set(map(repr, items))) == len(items)
        for item, team in zip(items, teams, strict=True):
            source = a if team == "a" else b
            if isinstance(source, list | tuple):  # the caller's own items
                assert any(item is s for s in source), (item, source)
            else:
                assert item in list(source), (item, source)

    call(
        "mlkit.experiments.team_draft_interleave",
        ex.team_draft_interleave,
        a,
        b,
        k=k,
        random_state=args.seed(),
        check=check,
    )


# --------------------------------------------------------------------------- continual learning


def replay_data(a):
    """Features, labels and periods of a small stream, with its task and model."""
    data = a.data
    n = gen.rows(data, 0, 3) if a.bad() else data.draw(st.integers(12, 80))
    task = a(st.sampled_from(["binary", "multiclass", "regression"]), ["x", None])
    clean = not a.bad()
    X = (
        gen.frame(data, n, kinds=("float_clean", "int", "constant"), max_columns=3)
        if clean
        else gen.frame(data, n)
    )
    if data.draw(st.integers(0, 9)) == 0:
        X = X.to_numpy() if data.draw(st.booleans()) else X.iloc[:, 0]
    if task == "regression":
        y = gen.floats(data, n, nasty=not clean)
    elif task == "multiclass":
        y = gen.labels(data, n, classes=("a", "b", "c"), min_classes=2)
    else:
        y = gen.labels(
            data,
            n,
            classes=data.draw(st.sampled_from([(0, 1), ("no", "yes")])),
            min_classes=2,
        )
    kind = data.draw(st.sampled_from(["ints", "ints", "strings", "dates"]))
    codes = np.asarray(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    if kind == "strings":
        periods = np.array([f"2024-0{c + 1}" for c in codes], dtype=object)
    elif kind == "dates":
        periods = pd.Series(
            pd.Timestamp("2024-01-01") + pd.to_timedelta(codes * 7, "D")
        )
    else:
        periods = codes
    if a.bad():
        periods = (
            np.where(np.arange(n) == 0, np.nan, codes)
            if data.draw(st.booleans())
            else codes[: max(0, n - 1)]
        )
    if task == "regression":
        make_model = Ridge
    else:
        make_model = data.draw(
            st.sampled_from(
                [
                    LogisticRegression,
                    lambda: make_pipeline(SimpleImputer(), LogisticRegression()),
                ]
            )
        )
    if a.bad():
        make_model = data.draw(st.sampled_from([None, LogisticRegression(), "model"]))
    metrics = {
        "binary": ["roc_auc", "accuracy", "log_loss", "f1", "pr_auc"],
        "multiclass": ["log_loss", "accuracy", "macro_f1"],
        "regression": ["mae", "rmse"],
    }.get(task, ["mae"])
    metric = a(st.sampled_from([None, *metrics]), ["auc", "rmse", 3])
    return X, gen.container(data, y), periods, task, make_model, metric


def quiet(func):
    """``func`` with the warnings of the caller's scikit-learn models ignored.

    The warnings belong to the models the user passes; pytest would turn them
    into errors, which mlkit does not catch on purpose.
    """

    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # Such as SimpleImputer's "Skipping features without any observed values".
            warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
            return func(*args, **kwargs)

    run.__name__ = func.__name__
    run.__wrapped__ = func
    return run


def check_retraining(sim):
    t = sim.table
    has_columns(t, ("period", "strategy", "cadence", "value", "staleness"))
    has_columns(sim.to_frame(), ("strategy", "cadence", "label", "mean_value"))
    assert (t["staleness"] >= 1).all()
    values = t["value"].dropna()
    if sim.metric in ("roc_auc", "pr_auc", "accuracy", "f1", "macro_f1"):
        in_unit_interval(*values)
    else:
        assert (values >= 0).all()


@fuzzes("mlkit.experiments.simulate_retraining")
@given(st.data())
@fuzz_settings(8)
def test_simulate_retraining(data):
    a = Args(data, spoil=30)
    X, y, periods, task, make_model, metric = replay_data(a)
    call(
        "mlkit.experiments.simulate_retraining",
        quiet(ex.simulate_retraining),
        X,
        y,
        periods,
        make_model=make_model,
        task=task,
        metric=metric,
        cadences=a(
            st.lists(st.one_of(st.none(), st.integers(1, 3)), min_size=1, max_size=3),
            [(0, None), 2, "1", (1.5,), ()],
        ),
        window=a(st.one_of(st.none(), st.integers(1, 3)), BAD_INTS),
        random_state=a.seed(),
        deterministic=without_times,
        check=check_retraining,
        display=shown(data),
    )


def check_champion(loop):
    t = loop.table
    has_columns(t, ("period", "champion", "champion_value", "decision", "p_value"))
    in_unit_interval(*t["p_value"])
    assert set(t["decision"]) <= {"promoted", "kept champion"}
    both = t[["low", "high"]].dropna()
    assert (both["low"] <= both["high"] + 1e-12).all()


@fuzzes("mlkit.experiments.champion_challenger")
@given(st.data())
@fuzz_settings(8)
def test_champion_challenger(data):
    a = Args(data, spoil=36)  # a dozen arguments: spoil a third of the calls
    X, y, periods, task, make_model, metric = replay_data(a)
    call(
        "mlkit.experiments.champion_challenger",
        quiet(ex.champion_challenger),
        X,
        y,
        periods,
        make_model=make_model,
        task=task,
        metric=metric,
        train_window=a(st.one_of(st.none(), st.integers(1, 3)), BAD_INTS),
        alpha=a(st.sampled_from([0.05, 0.2]), [0.5, 0, *BAD]),
        min_improvement=a(st.floats(-0.1, 0.1), BAD),
        n_bootstrap=a.count(1, 30),
        random_state=a.seed(),
        check=check_champion,
        display=shown(data),
    )
