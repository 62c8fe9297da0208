"""Tests for mlkit.evaluation's slices: metrics per slice and the search for weak slices."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.charts import interval_chart
from mlkit.evaluation import (
    SliceMetrics,
    WeakSlices,
    find_weak_slices,
    slice_metrics,
)
from mlkit.evaluation._slices import (
    MISSING,
    SLICE_METRICS,
    WEAK_SLICE_METRICS,
)

# Family-wise false-alarm rate of the statistical checks below; their seeds are
# fixed, so each either always passes or always fails.
ALPHA = 1e-3


# --------------------------------------------------------------------------- data


def classification_data(n=3000, seed=0):
    """Binary labels and predictions with slices of unequal size and quality."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    channel = rng.choice(["app", "web"], n)
    region = pd.Series(region, dtype=object)
    region[rng.random(n) < 0.05] = None
    y = rng.integers(0, 2, n)
    flip = rng.random(n) < np.where(region == "east", 0.35, 0.12)
    pred = np.where(flip, 1 - y, y)
    score = np.clip(np.where(pred == 1, 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
    # Rounded scores, so that ties are common and must count half.
    score = np.round(score, 1)
    frame = pd.DataFrame({"region": region, "channel": channel})
    return frame, y, pred, score


def reference_cells(y, p):
    tn, fp, _, _ = confusion_matrix(y, p, labels=[0, 1]).ravel()
    return {
        "accuracy": accuracy_score(y, p),
        "error_rate": 1 - accuracy_score(y, p),
        "precision": precision_score(y, p, zero_division=np.nan),
        "recall": recall_score(y, p, zero_division=np.nan),
        "tpr": recall_score(y, p, zero_division=np.nan),
        "f1": f1_score(y, p, zero_division=np.nan),
        "positive_rate": np.mean(p),
        "fpr": fp / (fp + tn) if fp + tn else np.nan,
    }


CELLS = [
    "accuracy",
    "error_rate",
    "precision",
    "recall",
    "f1",
    "positive_rate",
    "tpr",
    "fpr",
]


# --------------------------------------------------------------------------- slice_metrics


@pytest.mark.parametrize("kind", ["list", "array", "series"])
def test_slice_metrics_equal_groupby_and_scikit_learn(kind):
    frame, y, pred, _ = classification_data()
    convert = {"list": list, "array": np.asarray, "series": pd.Series}[kind]
    result = slice_metrics(
        convert(y),
        convert(pred),
        slices=frame["region"],
        metrics=CELLS,
        n_bootstrap=50,
        random_state=0,
    )
    assert isinstance(result, SliceMetrics)
    table = result.by_slice
    assert list(table["region"]) == ["east", "north", "south", "west", MISSING]
    grouped = pd.DataFrame(
        {"region": frame["region"].fillna(MISSING), "y": y, "p": pred}
    ).groupby("region")
    for _, row in table.iterrows():
        group = grouped.get_group(row["region"])
        assert row["count"] == len(group)
        expected = reference_cells(group["y"], group["p"])
        for metric in CELLS:
            assert row[metric] == pytest.approx(expected[metric], abs=1e-12), metric
    overall = reference_cells(y, pred)
    assert list(result.overall.index) == CELLS
    for metric in CELLS:
        assert result.overall[metric] == pytest.approx(overall[metric], abs=1e-12)


def test_slice_metrics_of_several_columns_are_their_observed_combinations():
    frame, y, pred, _ = classification_data()
    result = slice_metrics(y, pred, slices=frame, metrics=["accuracy"], n_bootstrap=0)
    reference = (
        pd.DataFrame(
            {
                "region": frame["region"].fillna(MISSING),
                "channel": frame["channel"],
                "right": y == pred,
            }
        )
        .groupby(["region", "channel"])["right"]
        .agg(["size", "mean"])
    )
    assert len(result.by_slice) == len(reference) == 10
    for _, row in result.by_slice.iterrows():
        size, mean = reference.loc[(row["region"], row["channel"])]
        assert row["count"] == size
        assert row["accuracy"] == pytest.approx(mean, abs=1e-12)
    assert result.by_slice["count"].sum() == len(y)
    assert list(result.by_slice.columns[:3]) == ["region", "channel", "count"]


def test_multiclass_accuracy_and_positive_label():
    rng = np.random.default_rng(3)
    n = 1500
    labels = rng.choice(["cat", "dog", "fox"], n)
    pred = np.where(rng.random(n) < 0.8, labels, rng.choice(["cat", "dog", "fox"], n))
    group = rng.choice(["a", "b"], n)
    result = slice_metrics(
        labels, pred, slices=group, metrics=["accuracy", "error_rate"], n_bootstrap=0
    )
    for _, row in result.by_slice.iterrows():
        mask = group == row["slice"]
        assert row["accuracy"] == pytest.approx(
            accuracy_score(labels[mask], pred[mask])
        )
        assert row["error_rate"] == pytest.approx(1 - row["accuracy"])
    # One class against the rest, by name or as 0/1, gives the same numbers.
    named = slice_metrics(
        labels,
        pred,
        slices=group,
        metrics=["recall", "precision"],
        positive_label="dog",
        n_bootstrap=0,
    )
    coded = slice_metrics(
        (labels == "dog").astype(int),
        (pred == "dog").astype(int),
        slices=group,
        metrics=["recall", "precision"],
        n_bootstrap=0,
    )
    pd.testing.assert_frame_equal(named.by_slice, coded.by_slice)


def test_rank_metrics_equal_scikit_learn_with_ties():
    frame, y, _, score = classification_data()
    result = slice_metrics(
        y,
        None,
        slices=frame["channel"],
        metrics=["roc_auc", "pr_auc"],
        y_score=score,
        n_bootstrap=100,
        random_state=0,
    )
    for _, row in result.by_slice.iterrows():
        mask = (frame["channel"] == row["channel"]).to_numpy()
        assert row["roc_auc"] == pytest.approx(
            roc_auc_score(y[mask], score[mask]), abs=1e-12
        )
        assert row["pr_auc"] == pytest.approx(
            average_precision_score(y[mask], score[mask]), abs=1e-12
        )
        for metric in ("roc_auc", "pr_auc"):
            assert row[f"{metric}_low"] <= row[metric] <= row[f"{metric}_high"]
    assert result.overall["roc_auc"] == pytest.approx(
        roc_auc_score(y, score), abs=1e-12
    )
    assert result.overall["pr_auc"] == pytest.approx(
        average_precision_score(y, score), abs=1e-12
    )


def test_rank_metric_of_a_slice_with_one_class_is_nan():
    y = np.array([0, 0, 0, 1, 0, 1])
    score = np.array([0.1, 0.2, 0.3, 0.9, 0.4, 0.6])
    result = slice_metrics(
        y,
        None,
        slices=["a", "a", "a", "b", "b", "b"],
        metrics=["roc_auc"],
        y_score=score,
        n_bootstrap=20,
        random_state=0,
    )
    assert math.isnan(result.by_slice.loc[0, "roc_auc"])
    assert math.isnan(result.by_slice.loc[0, "roc_auc_low"])
    assert result.by_slice.loc[1, "roc_auc"] == 1.0


def test_regression_metrics_equal_scikit_learn():
    rng = np.random.default_rng(5)
    n = 2000
    group = rng.choice(["a", "b", "c"], n)
    truth = rng.normal(10, 3, n)
    pred = truth + rng.normal(np.where(group == "c", 1.0, 0.0), 1.0)
    result = slice_metrics(
        pd.Series(truth),
        pred.tolist(),
        slices=pd.Series(group, name="group"),
        metrics=["mae", "rmse", "bias"],
        n_bootstrap=200,
        random_state=0,
    )
    for _, row in result.by_slice.iterrows():
        mask = group == row["group"]
        assert row["mae"] == pytest.approx(mean_absolute_error(truth[mask], pred[mask]))
        assert row["rmse"] == pytest.approx(
            root_mean_squared_error(truth[mask], pred[mask])
        )
        assert row["bias"] == pytest.approx(np.mean(pred[mask] - truth[mask]))
    assert result.overall["rmse"] == pytest.approx(root_mean_squared_error(truth, pred))
    c = result.by_slice.set_index("group").loc["c"]
    assert c["bias_low"] > 0.8
    assert c["bias_high"] < 1.2


def test_undefined_metrics_are_nan():
    # Slice "b" has no row predicted positive: precision is 0 / 0.
    result = slice_metrics(
        [1, 0, 1, 1, 0, 1],
        [1, 0, 1, 0, 0, 0],
        slices=["a", "a", "a", "b", "b", "b"],
        metrics=["precision", "recall"],
        n_bootstrap=50,
        random_state=0,
    )
    b = result.by_slice.set_index("slice").loc["b"]
    assert math.isnan(b["precision"])
    assert math.isnan(b["precision_low"])
    assert b["recall"] == 0.0


METRIC_SETS = [
    (
        ["accuracy", "error_rate", "precision", "recall", "f1", "positive_rate", "fpr"],
        "cls",
    ),
    (["roc_auc", "pr_auc"], "rank"),
    (["mae", "rmse", "bias"], "reg"),
]


@pytest.mark.parametrize(("metrics", "kind"), METRIC_SETS)
def test_intervals_cover_the_estimate_and_shrink_with_slice_size(metrics, kind):
    rng = np.random.default_rng(11)
    sizes = [100, 400, 1600, 6400]
    group = np.repeat(["s100", "s400", "s1600", "s6400"], sizes)
    n = len(group)
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.2, 1 - y, y)
    score = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.3, n), 0, 1)
    if kind == "reg":
        y, pred = rng.normal(0, 1, n), rng.normal(0.2, 1, n)
    result = slice_metrics(
        y,
        None if kind == "rank" else pred,
        slices=group,
        metrics=metrics,
        y_score=score if kind == "rank" else None,
        n_bootstrap=400,
        random_state=0,
    )
    table = result.by_slice.set_index("slice").loc[["s100", "s400", "s1600", "s6400"]]
    for metric in metrics:
        low, value, high = (
            table[f"{metric}_low"],
            table[metric],
            table[f"{metric}_high"],
        )
        assert (low <= value).all(), metric
        assert (value <= high).all(), metric
        width = (high - low).to_numpy()
        assert (np.diff(width) < 0).all(), metric
        # Four times the rows, half the width: between 1.5 and 2.7 each time.
        ratio = width[:-1] / width[1:]
        assert ((ratio > 1.5) & (ratio < 2.7)).all(), (metric, ratio)


def test_cell_bootstrap_matches_resampling_rows():
    # Drawing a slice's confusion cells from a multinomial is the same as
    # resampling its rows; compare the intervals with a plain row bootstrap.
    rng = np.random.default_rng(2)
    n = 500
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.25, 1 - y, y)
    result = slice_metrics(
        y,
        pred,
        slices=np.zeros(n),
        metrics=["accuracy", "f1"],
        n_bootstrap=20_000,
        random_state=0,
    )
    idx = np.random.default_rng(1).integers(0, n, size=(20_000, n))
    yy, pp = y[idx], pred[idx]
    accuracy = (yy == pp).mean(axis=1)
    tp = ((yy == 1) & (pp == 1)).sum(axis=1)
    f1 = (
        2
        * tp
        / (
            2 * tp
            + ((yy == 0) & (pp == 1)).sum(axis=1)
            + ((yy == 1) & (pp == 0)).sum(axis=1)
        )
    )
    row = result.by_slice.iloc[0]
    for metric, draws in (("accuracy", accuracy), ("f1", f1)):
        low, high = np.quantile(draws, [0.025, 0.975])
        assert row[f"{metric}_low"] == pytest.approx(low, abs=0.006)
        assert row[f"{metric}_high"] == pytest.approx(high, abs=0.006)


def test_bootstrap_coverage_is_roughly_nominal():
    # 20 data sets of 10 slices of 300 rows with a true error rate of 0.2, and
    # 20 of 5 slices of 200 rows with normal errors (true MAE sqrt(2 / pi)).
    covered, total = 0, 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        group = np.repeat(np.arange(10), 300)
        y = rng.integers(0, 2, len(group))
        pred = np.where(rng.random(len(group)) < 0.2, 1 - y, y)
        table = slice_metrics(
            y,
            pred,
            slices=group,
            metrics=["error_rate"],
            n_bootstrap=500,
            random_state=seed,
        ).by_slice
        covered += int(
            ((table["error_rate_low"] <= 0.2) & (table["error_rate_high"] >= 0.2)).sum()
        )
        total += len(table)
    share = covered / total
    low, high = stats.binom.interval(1 - ALPHA, total, 0.95)
    assert low / total - 0.02 <= share <= high / total, share

    covered, total = 0, 0
    true_mae = math.sqrt(2 / math.pi)
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        group = np.repeat(np.arange(5), 200)
        truth = rng.normal(0, 1, len(group))
        table = slice_metrics(
            truth,
            truth + rng.normal(0, 1, len(group)),
            slices=group,
            metrics=["mae"],
            n_bootstrap=500,
            random_state=seed,
        ).by_slice
        covered += int(
            ((table["mae_low"] <= true_mae) & (true_mae <= table["mae_high"])).sum()
        )
        total += len(table)
    share = covered / total
    low, high = stats.binom.interval(1 - ALPHA, total, 0.95)
    assert low / total - 0.02 <= share <= high / total, share


def test_bootstrap_is_seeded():
    frame, y, pred, _ = classification_data(n=800)
    first = slice_metrics(
        y, pred, slices=frame["channel"], metrics=["f1"], random_state=4
    )
    again = slice_metrics(
        y, pred, slices=frame["channel"], metrics=["f1"], random_state=4
    )
    other = slice_metrics(
        y, pred, slices=frame["channel"], metrics=["f1"], random_state=5
    )
    pd.testing.assert_frame_equal(first.by_slice, again.by_slice)
    assert not first.by_slice["f1_low"].equals(other.by_slice["f1_low"])
    generator = slice_metrics(
        y,
        pred,
        slices=frame["channel"],
        metrics=["f1"],
        random_state=np.random.default_rng(4),
    )
    pd.testing.assert_frame_equal(first.by_slice, generator.by_slice)


def test_min_count_hides_small_slices_but_not_from_overall():
    frame, y, pred, _ = classification_data()
    everything = slice_metrics(y, pred, slices=frame["region"], n_bootstrap=0)
    result = slice_metrics(
        y, pred, slices=frame["region"], n_bootstrap=0, min_count=200
    )
    small = everything.by_slice[everything.by_slice["count"] < 200]
    assert len(small) >= 1
    assert result.n_hidden == len(small)
    assert set(result.by_slice["region"]) == set(everything.by_slice["region"]) - set(
        small["region"]
    )
    assert result.overall.equals(everything.overall)
    assert result.by_slice[["accuracy_low", "accuracy_high"]].isna().all().all()
    assert "left out" in result.explain()


def test_slice_metrics_leave_the_inputs_unchanged():
    frame, y, pred, _ = classification_data(n=500)
    before = frame.copy()
    y_series, pred_list = pd.Series(y), list(pred)
    slice_metrics(y_series, pred_list, slices=frame, metrics=["f1"], random_state=0)
    pd.testing.assert_frame_equal(frame, before)
    assert y_series.tolist() == list(y)
    assert pred_list == list(pred)


def test_slice_metrics_result_shows_itself():
    frame, y, pred, _ = classification_data()
    result = slice_metrics(
        y,
        pred,
        slices=frame["region"],
        metrics=["error_rate", "recall"],
        random_state=0,
    )
    spec = result.chart().to_dict()
    assert len(spec["hconcat"]) == 2
    panel = spec["hconcat"][0]
    assert [layer["mark"]["type"] for layer in panel["layer"]] == [
        "rule",
        "point",
        "rule",
    ]
    # Worst first: the east slice has the most errors.
    assert panel["layer"][1]["encoding"]["y"]["sort"][0] == "east"
    assert panel["layer"][1]["encoding"]["x"]["field"] == "error_rate"
    text = result.explain()
    assert "east" in text
    assert "Chapter 6" in text
    assert "Simpson" in text
    assert "\n" not in repr(result)
    assert repr(result).startswith("<SliceMetrics:")
    assert "<table" in result._repr_html_()
    assert result.to_frame() is not result.by_slice


def test_chart_of_many_slices_stays_small():
    rng = np.random.default_rng(0)
    n = 20_000
    group = rng.integers(0, 300, n)
    y = rng.integers(0, 2, n)
    result = slice_metrics(y, y, slices=group, n_bootstrap=20, random_state=0)
    spec = result.chart().to_dict()
    rows = max(len(data) for data in spec["datasets"].values())
    assert rows == 40
    assert "40 largest of 300" in spec["title"]["subtitle"]


def test_interval_chart_names_a_missing_column():
    frame = pd.DataFrame({"item": ["a"], "value": [1.0], "low": [0.5]})
    with pytest.raises(MlkitValueError, match="'high'"):
        interval_chart(frame, x="value", y="item", low="low", high="high", title="t")


def check_error(error, name):
    text = str(error.value)
    assert f"'{name}'" in text, text
    assert "\nHint: " in text, text


@pytest.mark.parametrize(
    ("kwargs", "name", "kind"),
    [
        (dict(y_pred=[0, 1]), "y_pred", MlkitValueError),
        (dict(slices=["a"] * 5), "slices", MlkitValueError),
        (dict(slices=pd.DataFrame({"s": ["a"] * 5})), "slices", MlkitValueError),
        (dict(slices=pd.DataFrame(index=range(6))), "slices", MlkitValueError),
        (dict(metrics=["acuracy"]), "metrics", MlkitValueError),
        (dict(metrics=[]), "metrics", MlkitValueError),
        (dict(metrics=["accuracy", "mae"]), "metrics", MlkitValueError),
        (dict(metrics=["roc_auc"]), "y_score", MlkitValueError),
        (dict(y_score=[0.5] * 6), "y_score", MlkitValueError),
        (dict(y_true=[0, 1, None, 1, 0, 1]), "y_true", MlkitValueError),
        (dict(y_true=list("abcabc"), metrics=["f1"]), "y_true", MlkitValueError),
        (dict(positive_label=7, metrics=["f1"]), "positive_label", MlkitValueError),
        (dict(n_bootstrap=-1), "n_bootstrap", MlkitValueError),
        (dict(n_bootstrap=1.5), "n_bootstrap", MlkitTypeError),
        (dict(confidence=1.0), "confidence", MlkitValueError),
        (dict(min_count=0), "min_count", MlkitValueError),
        (dict(min_count=10), "min_count", MlkitValueError),
        (dict(slices=pd.DataFrame({"count": ["a"] * 6})), "slices", MlkitValueError),
        (dict(y_pred=list("abcabc"), metrics=["mae"]), "y_pred", MlkitTypeError),
        (dict(y_true=[], y_pred=[], slices=[]), "y_true", MlkitValueError),
    ],
)
def test_slice_metrics_refuses_bad_input(kwargs, name, kind):
    arguments = dict(
        y_true=[0, 1, 1, 0, 1, 0],
        y_pred=[0, 1, 0, 0, 1, 1],
        slices=["a", "a", "a", "b", "b", "b"],
    )
    arguments |= kwargs
    with pytest.raises(kind) as error:
        slice_metrics(arguments.pop("y_true"), arguments.pop("y_pred"), **arguments)
    check_error(error, name)


def test_unknown_metric_suggests_the_closest():
    with pytest.raises(MlkitValueError, match="did you mean 'accuracy'"):
        slice_metrics([0, 1], [0, 1], slices=["a", "b"], metrics=["acuracy"])
    assert set(SLICE_METRICS) >= set(CELLS) | {
        "roc_auc",
        "pr_auc",
        "mae",
        "rmse",
        "bias",
    }


# --------------------------------------------------------------------------- weak slices


def planted(n=30_000, seed=0):
    """A one-feature weak slice (region north: 30 % errors, 10 % elsewhere), a pair
    weak only in combination (a == 'x' & b == 'y'), and features that do not matter."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "region": rng.choice(["north", "south", "east", "west"], n),
            "a": rng.choice(["x", "a1", "a2", "a3", "a4", "a5"], n),
            "b": rng.choice(["y", "b1", "b2", "b3", "b4", "b5"], n),
            "channel": rng.choice(["app", "web", "store"], n, p=[0.5, 0.3, 0.2]),
            "age": rng.integers(18, 80, n),
            "income": rng.lognormal(10, 0.8, n),
        }
    )
    x, yy = df["a"] == "x", df["b"] == "y"
    # 35 % errors where a == x and b == y, 5 % in the rest of a == x and of
    # b == y, so that neither value alone does worse than the 10 % elsewhere:
    # (0.35 + 5 * 0.05) / 6 = 0.1.
    pair_rate = np.where(x & yy, 0.35, np.where(x | yy, 0.05, 0.1))
    rate = np.where(df["region"] == "north", 0.3, pair_rate)
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < rate, 1 - y, y)
    return df, y, pred, rate


@pytest.fixture(scope="module")
def planted_result():
    df, y, pred, rate = planted()
    return df, y, pred, rate, find_weak_slices(df, y, pred)


def test_planted_weak_slices_are_found(planted_result):
    df, _, _, rate, result = planted_result
    assert isinstance(result, WeakSlices)
    found = result.to_frame()
    assert list(found["description"][:2]) == [
        "region == 'north'",
        "a == 'x' & b == 'y'",
    ]
    # Slices whose true error rate (from the simulation's probabilities) is no
    # higher than outside are false discoveries; among all the weak ones, few.
    weak = result.all[result.all["weak"]]
    false = [
        description
        for description in weak["description"]
        if rate[df.eval(description)].mean() <= rate[~df.eval(description)].mean()
    ]
    assert len(weak) > 20
    # The rate is expected to stay under alpha = 0.05; one data set may go over.
    assert len(false) / len(weak) <= 0.1, false
    north = found.iloc[0]
    assert north["error_rate_in"] == pytest.approx(0.3, abs=0.02)
    assert north["error_rate_out"] == pytest.approx(0.1, abs=0.02)
    assert north["effect"] == pytest.approx(0.2, abs=0.03)
    assert north["q_value"] < 1e-10
    # Each value of the pair alone looks no worse than the rest.
    alone = result.all.set_index("description")
    assert not alone.loc["a == 'x'", "weak"]
    assert not alone.loc["b == 'y'", "weak"]
    assert alone.loc["a == 'x'", "error_rate_in"] == pytest.approx(
        alone.loc["a == 'x'", "error_rate_out"], abs=0.03
    )
    # Pairs with north are weak too, but explained by north alone.
    with_north = result.all[
        result.all["description"].str.startswith("region == 'north' &")
    ]
    assert with_north["weak"].all()
    assert (with_north["explained_by"] == "region == 'north'").all()


def test_weak_slices_agree_with_a_groupby_and_with_query(planted_result):
    df, y, pred, _, result = planted_result
    wrong = (y != pred).astype(float)
    table = result.all
    assert set(table["n_features"]) == {1, 2}
    # One-feature slices of categorical columns against a pandas groupby.
    by_region = pd.Series(wrong).groupby(df["region"]).agg(["size", "mean"])
    for value, (size, mean) in by_region.iterrows():
        row = table[table["description"] == f"region == {value!r}"].iloc[0]
        assert row["count"] == size
        assert row["error_rate_in"] == pytest.approx(mean, abs=1e-12)
    by_pair = pd.Series(wrong).groupby([df["a"], df["b"]]).agg(["size", "mean"])
    for (a, b), (size, mean) in by_pair.iterrows():
        row = table[table["description"] == f"a == {a!r} & b == {b!r}"].iloc[0]
        assert row["count"] == size
        assert row["error_rate_in"] == pytest.approx(mean, abs=1e-12)
    # Descriptions select their slice's rows, numeric bins included.
    frame = df.assign(_wrong=wrong)
    some = pd.concat(
        [table[table["n_features"] == 1], table.sample(100, random_state=0)]
    )
    for row in some.itertuples():
        inside = frame.query(row.description)
        assert len(inside) == row.count, row.description
        assert inside["_wrong"].mean() == pytest.approx(row.error_rate_in, abs=1e-12)
        outside = frame.drop(index=inside.index)
        assert outside["_wrong"].mean() == pytest.approx(row.error_rate_out, abs=1e-12)
    assert (table["support"] >= 0.02).all()
    assert np.allclose(table["support"], table["count"] / len(df))


def test_tests_equal_statsmodels_and_benjamini_hochberg(planted_result):
    df, y, pred, _, result = planted_result
    table = result.all
    wrong = int((y != pred).sum())
    n = len(df)
    for row in table.sample(40, random_state=0).itertuples():
        inside = round(row.error_rate_in * row.count)
        z, p = proportions_ztest([inside, wrong - inside], [row.count, n - row.count])
        assert row.statistic == pytest.approx(z, rel=1e-9)
        assert row.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
    rejected, q, _, _ = multipletests(table["p_value"], alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose(table["q_value"], q, rtol=1e-12)
    weak = rejected & (table["effect"] > 0).to_numpy()
    np.testing.assert_array_equal(table["weak"], weak)
    assert result.test == "two-proportion z-test"


def test_welch_test_for_mean_metrics_equals_scipy():
    rng = np.random.default_rng(8)
    n = 6000
    df = pd.DataFrame(
        {
            "store": rng.choice(["s1", "s2", "s3", "s4"], n),
            "promo": rng.choice([True, False], n),
        }
    )
    truth = rng.normal(100, 20, n)
    noise = np.where(df["store"] == "s3", 15.0, 8.0)
    pred = truth + rng.normal(0, noise)
    result = find_weak_slices(df, truth, pred, metric="mae")
    assert result.to_frame()["description"].iloc[0] == "store == 's3'"
    assert result.test == "Welch's t-test"
    error = np.abs(pred - truth)
    for row in result.all.itertuples():
        mask = df.eval(row.description).to_numpy()
        t, p = stats.ttest_ind(error[mask], error[~mask], equal_var=False)
        assert row.statistic == pytest.approx(t, rel=1e-8)
        assert row.p_value == pytest.approx(p, rel=1e-8)
        assert row.mae_in == pytest.approx(error[mask].mean(), rel=1e-12)


@pytest.mark.parametrize("metric", ["bias", "squared_error"])
def test_mean_metrics_find_a_planted_slice(metric):
    rng = np.random.default_rng(9)
    n = 8000
    df = pd.DataFrame({"city": rng.choice(["a", "b", "c", "d", "e"], n)})
    truth = rng.normal(0, 1, n)
    shift = np.where(df["city"] == "d", -0.5, 0.0)
    pred = truth + shift + rng.normal(0, 1, n)
    found = find_weak_slices(df, truth, pred, metric=metric).to_frame()
    assert found["description"].iloc[0] == "city == 'd'"
    if metric == "bias":
        # A bias is weak either way: here the model predicts too low.
        assert found["effect"].iloc[0] < 0


def test_score_metrics_equal_scikit_learn_per_slice():
    rng = np.random.default_rng(12)
    n = 5000
    df = pd.DataFrame({"segment": rng.choice(["new", "old", "vip"], n)})
    y = rng.integers(0, 2, n)
    p = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.15, n), 0.01, 0.99)
    labels = np.where(y == 1, "spam", "ham")
    result = find_weak_slices(
        df, labels, None, metric="log_loss", y_score=p, positive_label="spam"
    )
    brier = find_weak_slices(df, y, None, metric="brier", y_score=p)
    for row, other in zip(result.all.itertuples(), brier.all.itertuples(), strict=True):
        mask = df.eval(row.description).to_numpy()
        assert row.log_loss_in == pytest.approx(log_loss(y[mask], p[mask]), rel=1e-10)
        assert other.brier_in == pytest.approx(np.mean((p[mask] - y[mask]) ** 2))


def null_data(seed, n=4000):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "region": rng.choice(["n", "s", "e", "w"], n),
            "channel": rng.choice(["app", "web", "store"], n, p=[0.5, 0.3, 0.2]),
            "plan": rng.choice(["free", "pro"], n),
            "age": rng.integers(18, 80, n),
            "income": rng.lognormal(10, 1, n),
            "tenure": rng.exponential(3, n),
        }
    )
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.15, 1 - y, y)
    return df, y, pred, rng.normal(0, 1, n)


def test_no_false_alarms_when_errors_ignore_the_features():
    # Errors independent of six features: any weak slice is a false discovery,
    # so the false discovery rate is the share of runs that report one.
    runs = 60
    alarms = {"error_rate": 0, "mae": 0}
    tested = 0
    for seed in range(runs):
        df, y, pred, noise = null_data(seed)
        result = find_weak_slices(df, y, pred)
        tested += len(result.all)
        alarms["error_rate"] += bool(result.all["weak"].any())
        regression = find_weak_slices(df, noise, np.zeros(len(df)), metric="mae")
        alarms["mae"] += bool(regression.all["weak"].any())
    assert tested / runs > 150
    # At most alpha = 0.05 expected; the bound is the 1 - ALPHA quantile.
    bound = stats.binom.ppf(1 - ALPHA, runs, 0.05)
    assert alarms["error_rate"] <= bound, alarms
    assert alarms["mae"] <= bound, alarms


def test_numeric_columns_are_binned_with_readable_edges():
    rng = np.random.default_rng(0)
    n = 10_000
    df = pd.DataFrame({"age": rng.integers(18, 80, n), "price": rng.uniform(0, 1, n)})
    df.loc[df.index[:500], "price"] = np.nan
    y = rng.integers(0, 2, n)
    result = find_weak_slices(df, y, y, max_features=1)
    age = result.all[result.all["feature_1"] == "age"]
    assert len(age) == 5
    assert age["description"].iloc[0].startswith("age < ")
    assert age["description"].iloc[-1].startswith("age >= ")
    assert age["description"].iloc[1].count("<") == 2
    assert age["value_1"].iloc[1].startswith("[")
    assert age["value_1"].iloc[1].endswith(")")
    assert np.allclose(age["support"], 0.2, atol=0.03)
    price = result.all[result.all["feature_1"] == "price"]
    assert list(price["value_1"])[-1] == MISSING
    assert list(price["description"])[-1] == "price.isna()"
    # Edges rounded to two significant digits here: "0.2", not "0.2013...".
    edges = price["description"].iloc[0].split("< ")[1]
    assert len(edges.replace("0.", "")) <= 2


def test_columns_rare_values_names_and_duplicates():
    rng = np.random.default_rng(1)
    n = 5000
    region = rng.choice(["north", "south"], n)
    city = np.where(region == "north", rng.choice(["oslo", "bergen"], n), "rome")
    rare = np.where(rng.random(n) < 0.01, "rare", "common")
    df = pd.DataFrame(
        {
            "sales region": region,
            "city": city,
            "kind": rare,
            "vip": rng.random(n) < 0.3,
            "note": np.where(rng.random(n) < 0.5, "it's", 'say "hi"'),
            "when": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )
    y = rng.integers(0, 2, n)
    result = find_weak_slices(df, y, np.where(rng.random(n) < 0.2, 1 - y, y))
    table = result.all
    assert result.skipped == ("when",)
    assert "when" in result.explain()
    # A value under min_support is no slice and joins no pair.
    assert not table["description"].str.contains("rare").any()
    descriptions = set(table["description"])
    # The common value is a slice: its complement is the rare rows.
    assert "kind == 'common'" in descriptions
    assert "`sales region` == 'north'" in descriptions
    assert "vip == True" in descriptions
    # city == 'rome' is the same rows as region == 'south': that pair is not tested.
    assert "`sales region` == 'south' & city == 'rome'" not in descriptions
    assert "`sales region` == 'north' & city == 'oslo'" not in descriptions
    for row in table.itertuples():
        assert len(df.query(row.description)) == row.count, row.description
    only = find_weak_slices(df, y, y, columns=["city"], max_features=1)
    assert set(only.all["feature_1"]) == {"city"}
    assert (only.all["n_features"] == 1).all()
    assert only.columns == ("city",)


def test_find_weak_slices_leaves_the_inputs_unchanged(planted_result):
    df, y, pred, _ = planted(n=3000)
    before, y_before = df.copy(), y.copy()
    find_weak_slices(df, pd.Series(y), list(pred))
    pd.testing.assert_frame_equal(df, before)
    np.testing.assert_array_equal(y, y_before)


def test_weak_slices_result_shows_itself(planted_result):
    *_, result = planted_result
    spec = result.chart().to_dict()
    points = spec["layer"][1]
    assert points["mark"]["type"] == "point"
    assert points["encoding"]["x"]["field"] == "support"
    assert points["encoding"]["y"]["field"] == "effect"
    assert points["encoding"]["color"]["scale"]["domain"][0] == "weak"
    data = spec["datasets"][points["data"]["name"]]
    from mlkit.evaluation._slices import MAX_CALM_POINTS

    assert len(data) == min(len(result.all), result.all["weak"].sum() + MAX_CALM_POINTS)
    n_weak = len(result.to_frame())
    assert sum(d["status"] == "weak" for d in data) == n_weak >= 2
    text = result.explain()
    assert text.startswith(f"{n_weak} weak slice(s)")
    for words in ("Simpson", "chapter 6", "lead to investigate", "Benjamini-Hochberg"):
        assert words in text
    assert "<table" in result._repr_html_()
    assert repr(result).startswith(f"<WeakSlices: {n_weak} weak slice(s)")


def test_no_weak_slice_reads_well():
    df, y, pred, _ = null_data(0, n=2000)
    result = find_weak_slices(df, y, pred)
    frame = result.to_frame()
    assert frame.empty
    assert list(frame.columns) == list(result.all.columns)
    assert result.explain().startswith("0 weak slice(s)")
    result.chart().to_dict()


def test_large_data_is_searched_quickly():
    import time

    df, y, pred, _ = null_data(0, n=300_000)
    start = time.perf_counter()
    find_weak_slices(df, y, pred)
    # Six features and fifteen pairs by bincount: well under a second on a laptop.
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    ("kwargs", "name", "kind"),
    [
        (dict(df=[[1]]), "df", MlkitTypeError),
        (dict(df=pd.DataFrame({"g": []})), "df", MlkitValueError),
        (dict(y_true=[0, 1]), "y_true", MlkitValueError),
        (dict(y_pred=[0, 1]), "y_pred", MlkitValueError),
        (dict(metric="recall"), "metric", MlkitValueError),
        (dict(min_support=0), "min_support", MlkitValueError),
        (dict(min_support=1.0), "min_support", MlkitValueError),
        (dict(min_support="2%"), "min_support", MlkitTypeError),
        (dict(alpha=1.5), "alpha", MlkitValueError),
        (dict(max_features=3), "max_features", MlkitValueError),
        (dict(bins=1), "bins", MlkitValueError),
        (dict(columns=["gg"]), "columns", MlkitValueError),
        (dict(columns=[]), "columns", MlkitValueError),
        (dict(columns=["when"]), "columns", MlkitValueError),
        (dict(metric="log_loss"), "y_score", MlkitValueError),
        (dict(y_score=[0.5] * 6), "y_score", MlkitValueError),
        (dict(metric="brier", y_score=[2.0] * 6), "y_score", MlkitValueError),
        (dict(metric="mae", y_pred=list("abcdef")), "y_pred", MlkitTypeError),
        (dict(y_pred=None), "y_pred", MlkitValueError),
    ],
)
def test_find_weak_slices_refuses_bad_input(kwargs, name, kind):
    arguments = dict(
        df=pd.DataFrame(
            {"g": list("aabbcc"), "when": pd.date_range("2024-01-01", periods=6)}
        ),
        y_true=[0, 1, 1, 0, 1, 0],
        y_pred=[0, 1, 0, 0, 1, 1],
    )
    arguments |= kwargs
    with pytest.raises(kind) as error:
        find_weak_slices(
            arguments.pop("df"),
            arguments.pop("y_true"),
            arguments.pop("y_pred"),
            **arguments,
        )
    check_error(error, name)


def test_weak_slice_metrics_are_listed():
    assert WEAK_SLICE_METRICS == (
        "error_rate",
        "accuracy",
        "mae",
        "squared_error",
        "bias",
        "log_loss",
        "brier",
    )
    df, y, pred, _ = planted(n=5000)
    accuracy = find_weak_slices(df, y, pred, metric="accuracy", max_features=1)
    error = find_weak_slices(df, y, pred, max_features=1)
    np.testing.assert_allclose(accuracy.all["p_value"], error.all["p_value"])
    np.testing.assert_allclose(accuracy.all["effect"], -error.all["effect"])
    assert list(accuracy.to_frame()["description"]) == list(
        error.to_frame()["description"]
    )


def test_weak_slice_chart_draws_every_weak_slice_and_a_sample_of_the_rest():
    from mlkit.evaluation._slices import MAX_CALM_POINTS

    rng = np.random.default_rng(3)
    n = 20_000
    df = pd.DataFrame({f"f{i}": rng.integers(0, 10, n) for i in range(8)})
    y_true = rng.integers(0, 2, n)
    y_pred = y_true.copy()
    noisy = (df["f0"] == 3).to_numpy() & (rng.random(n) < 0.5)
    y_pred[noisy] = 1 - y_pred[noisy]
    result = find_weak_slices(df, y_true, y_pred, min_support=0.001)
    calm = int((~result.all["weak"]).sum())
    assert calm > MAX_CALM_POINTS
    drawn = result.chart().to_dict()["datasets"].values()
    (rows,) = [
        d for d in drawn if d and "status" in d[0]
    ]  # the points, not the zero line
    frame = pd.DataFrame(rows)
    assert (frame["status"] == "not significant").sum() == MAX_CALM_POINTS
    assert (frame["status"] != "not significant").sum() == int(result.all["weak"].sum())


# --------------------------------------------------------------------------- hardening


def test_values_that_cannot_be_grouped_are_refused():
    y, pred = [0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1]
    lists = pd.Series([[i % 2] for i in range(6)])
    with pytest.raises(MlkitTypeError) as error:
        slice_metrics(y, pred, slices=lists)
    check_error(error, "slices")
    with pytest.raises(MlkitTypeError) as error:
        find_weak_slices(pd.DataFrame({"g": lists}), y, pred)
    check_error(error, "df")
    assert "column 'g'" in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(max_features=2.0), "max_features"),
        (dict(max_features=np.array([1, 2])), "max_features"),
        (dict(columns=[["g"]]), "columns"),
        (dict(positive_label=[1]), "positive_label"),
    ],
)
def test_find_weak_slices_refuses_arguments_of_the_wrong_type(kwargs, name):
    df = pd.DataFrame({"g": list("aabbcc")})
    with pytest.raises(MlkitTypeError) as error:
        find_weak_slices(df, [0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1], **kwargs)
    check_error(error, name)


def test_slice_metrics_refuses_unhashable_labels_and_label_lists():
    pred = [0, 1, 0, 0, 1, 1]
    with pytest.raises(MlkitValueError) as error:
        slice_metrics(
            pd.Series([[1], [0]] * 3), pred, slices=list("aabbcc"), metrics="f1"
        )
    check_error(error, "y_true")
    with pytest.raises(MlkitTypeError) as error:
        slice_metrics(
            [1, 0] * 3, pred, slices=list("aabbcc"), metrics="f1", positive_label=[1]
        )
    check_error(error, "positive_label")


@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e-310])
def test_regression_metrics_keep_their_digits_far_from_one(scale):
    rng = np.random.default_rng(3)
    truth = rng.normal(0, 1, 60)
    pred = truth + rng.normal(0.5, 1, 60)
    slices = rng.choice(["a", "b"], 60)
    metrics = ["mae", "rmse", "bias"]
    plain = slice_metrics(truth, pred, slices=slices, metrics=metrics, random_state=0)
    scaled = slice_metrics(
        truth * scale, pred * scale, slices=slices, metrics=metrics, random_state=0
    )
    # Scaling the data scales every metric and interval: no overflow to inf, no
    # underflow to 0 (errors of 1e300 squared leave float64; 1e-300 squared, too).
    for column in [m + end for m in metrics for end in ("", "_low", "_high")]:
        np.testing.assert_allclose(
            scaled.by_slice[column] / scale, plain.by_slice[column], rtol=1e-9
        )
    np.testing.assert_allclose(scaled.overall / scale, plain.overall, rtol=1e-9)
    assert plain.overall["rmse"] == pytest.approx(
        root_mean_squared_error(truth, pred), rel=1e-12
    )
    weak = find_weak_slices(
        pd.DataFrame({"s": slices}), truth * scale, pred * scale, metric="mae"
    ).all
    reference = find_weak_slices(
        pd.DataFrame({"s": slices}), truth, pred, metric="mae"
    ).all
    np.testing.assert_allclose(weak["mae_in"] / scale, reference["mae_in"], rtol=1e-9)
    np.testing.assert_allclose(weak["p_value"], reference["p_value"], rtol=1e-9)


def test_errors_beyond_float64_are_refused():
    with pytest.raises(MlkitValueError) as error:
        slice_metrics(
            [0.0] * 4, [1e308, -1e308, 0, 1], slices=list("aabb"), metrics="rmse"
        )
    check_error(error, "y_pred")
    with pytest.raises(MlkitValueError) as error:
        find_weak_slices(
            pd.DataFrame({"g": list("aabb")}),
            [0.0] * 4,
            [1e160, 0, 0, 1],
            metric="squared_error",
        )
    check_error(error, "y_pred")


def test_one_huge_error_leaves_the_other_slices_exact():
    # Squared errors of 1e-6 beside one of 1e12: the sums outside a slice were
    # the total minus the slice, which kept nothing of the small errors.
    rng = np.random.default_rng(0)
    n = 1000
    df = pd.DataFrame(
        {"g": rng.choice(list("abcd"), n), "h": rng.choice(list("xy"), n)}
    )
    truth = np.zeros(n)
    pred = rng.normal(0, 1e-3, n)
    pred[0] = 1e6
    result = find_weak_slices(df, truth, pred, metric="squared_error").all
    squared = pd.Series(pred**2)
    for _, row in result.iterrows():
        inside = df.eval(row["description"]).to_numpy()
        assert row["squared_error_in"] == pytest.approx(
            squared[inside].mean(), rel=1e-9
        )
        assert row["squared_error_out"] == pytest.approx(
            squared[~inside].mean(), rel=1e-9
        )
        reference = stats.ttest_ind(squared[inside], squared[~inside], equal_var=False)
        assert row["p_value"] == pytest.approx(reference.pvalue, rel=1e-6)


def test_many_slice_columns_with_many_values_are_combined():
    # 8 columns of 400 values: 400**8 combinations do not fit in int64.
    rng = np.random.default_rng(0)
    n = 400
    slices = pd.DataFrame({f"c{j}": rng.permutation(n) for j in range(8)})
    slices.iloc[1] = slices.iloc[0]
    y = rng.integers(0, 2, n)
    result = slice_metrics(y, y, slices=slices, n_bootstrap=0)
    expected = slices.groupby(list(slices.columns)).size()
    assert len(result.by_slice) == len(expected) == n - 1
    assert result.by_slice["count"].tolist() == expected.tolist()
    assert result.by_slice[list(slices.columns)].astype(int).values.tolist() == [
        list(k) for k in expected.index
    ]
