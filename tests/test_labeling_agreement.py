"""Tests for label multiplicity in mlkit.labeling: agreement, resolve, simulate_annotators."""

from __future__ import annotations

import itertools
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from mlkit._exceptions import MlkitError, MlkitTypeError, MlkitValueError
from mlkit.labeling._agreement import (
    MAX_ACCURACY,
    MIN_WEIGHT,
    Agreement,
    Resolution,
    agreement,
    resolve,
    simulate_annotators,
)

# Family-wise false-alarm rate of the statistical tests below; their seeds are
# fixed, so each either always passes or always fails.
ALPHA = 1e-3
TOLERANCE = 1e-12
CLASSES = {
    "str": ["cat", "dog", "fox", "owl"],
    "int": [0, 1, 2, 3],
}


def simulated(kind="str", *, n_items=300, n_classes=3, seed=0, **options):
    truth = np.random.default_rng(seed).choice(CLASSES[kind][:n_classes], n_items)
    return truth, simulate_annotators(truth, random_state=seed, **options)


def reliability_data(annotations):
    """The krippendorff package's input: annotators x items, NaN where missing."""
    if all(pd.api.types.is_numeric_dtype(d) for d in annotations.dtypes):
        return annotations.T.to_numpy(dtype="float64")
    # The package reads strings, with "nan" for a missing value.
    return (
        annotations.T.astype(object)
        .where(annotations.T.notna(), "nan")
        .to_numpy(dtype=str)
    )


# --------------------------------------------------------------------------- references

SETTINGS = [
    # label kind, seed, annotators, classes, coverage
    ("str", 0, 3, 2, 0.9),
    ("str", 1, 4, 3, 0.7),
    ("str", 2, 5, 4, 0.6),
    ("int", 3, 3, 3, 0.8),
    ("int", 4, 4, 2, 0.75),
    ("int", 5, 6, 4, 0.5),
]


@pytest.mark.parametrize(
    ("kind", "seed", "n_annotators", "n_classes", "coverage"), SETTINGS
)
def test_statistics_equal_the_reference_implementations(
    kind, seed, n_annotators, n_classes, coverage
):
    _, annotations = simulated(
        kind,
        seed=seed,
        n_classes=n_classes,
        n_annotators=n_annotators,
        coverage=coverage,
    )
    assert annotations.isna().any().any()
    result = agreement(annotations)

    names = list(annotations.columns)
    assert len(result.pairwise) == n_annotators * (n_annotators - 1) // 2
    for row, (a, b) in zip(
        result.pairwise.itertuples(), itertools.combinations(names, 2), strict=True
    ):
        assert (row.annotator_a, row.annotator_b) == (a, b)
        both = annotations[[a, b]].dropna()
        assert row.items == len(both)
        assert row.agreement == pytest.approx((both[a] == both[b]).mean(), abs=1e-15)
        expected = cohen_kappa_score(both[a], both[b])
        assert abs(row.cohen_kappa - expected) < TOLERANCE

    complete = annotations.dropna().to_numpy()
    assert result.n_complete == len(complete) > 0
    expected = fleiss_kappa(aggregate_raters(complete)[0])
    assert abs(result.fleiss_kappa - expected) < TOLERANCE

    expected = krippendorff.alpha(
        reliability_data(annotations), level_of_measurement="nominal"
    )
    assert abs(result.krippendorff_alpha - expected) < TOLERANCE


def test_labels_of_any_type_share_one_coding():
    _, numbers = simulated("int", seed=7, n_annotators=4, coverage=0.8)
    # The same labels as text; and as Python ints in one column, floats in the
    # others: 1 and 1.0 are the same label.
    text = numbers.apply(lambda c: c.map("c{:.0f}".format, na_action="ignore"))
    mixed = numbers.astype(object)
    mixed["annotator_3"] = mixed["annotator_3"].map(
        lambda v: v if pd.isna(v) else int(v)
    )
    reference = agreement(numbers)
    for other in (agreement(text), agreement(mixed)):
        assert other.krippendorff_alpha == pytest.approx(
            reference.krippendorff_alpha, abs=1e-14
        )
        assert other.fleiss_kappa == pytest.approx(reference.fleiss_kappa, abs=1e-14)
        np.testing.assert_allclose(
            other.pairwise["cohen_kappa"], reference.pairwise["cohen_kappa"], atol=1e-14
        )
    # Text and numbers in one table, such as "unsure" beside scores.
    both = numbers.astype(object).where(numbers != 3, "unsure")
    codes = both.apply(lambda c: c.map({0.0: 0, 1.0: 1, 2.0: 2, "unsure": 3}))
    expected = krippendorff.alpha(
        reliability_data(codes.astype("float64")), level_of_measurement="nominal"
    )
    assert abs(agreement(both).krippendorff_alpha - expected) < TOLERANCE


def test_statistics_do_not_depend_on_the_order_of_items_annotators_or_labels():
    _, annotations = simulated(seed=8, n_annotators=4, coverage=0.8)
    result = agreement(annotations)
    rng = np.random.default_rng(0)
    shuffled = annotations.iloc[rng.permutation(len(annotations)), ::-1]
    renamed = annotations.replace({"cat": "zebra", "dog": "ant"})
    for other in (agreement(shuffled), agreement(renamed)):
        assert other.krippendorff_alpha == pytest.approx(
            result.krippendorff_alpha, abs=1e-14
        )
        assert other.fleiss_kappa == pytest.approx(result.fleiss_kappa, abs=1e-14)
        assert sorted(other.pairwise["cohen_kappa"]) == pytest.approx(
            sorted(result.pairwise["cohen_kappa"]), abs=1e-14
        )


# --------------------------------------------------------------------------- by hand

SMALL = pd.DataFrame(
    {
        "ann": ["spam", "ham", "spam", "ham", None],
        "bob": ["spam", "ham", "ham", "ham", "spam"],
        "cyd": ["spam", None, "spam", "ham", "spam"],
    }
)


def test_a_small_table_by_hand():
    result = agreement(SMALL)
    # ann and bob share items 0-3 and agree on 3: p_o = 3/4; ann says spam half
    # the time, bob a quarter: p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2, kappa = 1/2.
    # ann and cyd agree on their 3 shared items: kappa 1.
    assert result.pairwise["items"].tolist() == [4, 3, 4]
    assert result.pairwise["agreement"].tolist() == [0.75, 1.0, 0.75]
    assert result.pairwise["cohen_kappa"].tolist() == pytest.approx([0.5, 1.0, 0.5])
    # Fleiss: items 0, 2 and 3 have all three. Per item agreement 1, 1/3, 1;
    # spam 5/9, ham 4/9, so P_e = 41/81 and kappa = (7/9 - 41/81) / (40/81).
    assert result.n_complete == 3
    assert result.fleiss_kappa == pytest.approx(22 / 40)
    # Krippendorff: 13 pairable values (7 spam, 6 ham); the only disagreement is
    # item 2 (2 ordered pairs x 2 / (3 - 1) = 2 coincidences off the diagonal).
    # alpha = 1 - (n - 1) * 2 / (2 * 7 * 6) = 1 - 12 * 2 / 84.
    assert result.krippendorff_alpha == pytest.approx(1 - 24 / 84)
    assert result.items["annotations"].tolist() == [3, 2, 3, 3, 2]
    assert result.items["agreement"].tolist() == pytest.approx([1, 1, 2 / 3, 1, 1])
    assert result.classes == ("ham", "spam")


def test_krippendorffs_own_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": three
    # coders, 15 units, nominal alpha 0.691.
    nan = np.nan
    data = [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
    result = agreement(pd.DataFrame(np.array(data).T, columns=["a", "b", "c"]))
    assert round(result.krippendorff_alpha, 6) == 0.691358
    # Units with one value or none count for nothing, and still have a row.
    assert result.items["annotations"].tolist()[:2] == [1, 0]
    assert math.isnan(result.items["agreement"].iloc[0])
    # Units 6 and 7 have all three coders: (3, 3, 4) and (4, 4, 4).
    assert result.n_complete == 2
    assert result.fleiss_kappa == pytest.approx(
        fleiss_kappa(aggregate_raters([[3, 3, 4], [4, 4, 4]])[0])
    )


def test_fleiss_example_from_his_paper():
    # Fleiss (1971) as on Wikipedia: 10 subjects, 14 raters, 5 categories.
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    rows = [np.repeat(np.arange(1, 6), row) for row in counts]
    annotations = pd.DataFrame(rows, columns=[f"rater_{i}" for i in range(14)])
    assert round(agreement(annotations).fleiss_kappa, 3) == 0.210


def test_cohens_kappa_of_scikit_learns_example():
    annotations = pd.DataFrame(
        {
            "y1": ["negative", "positive", "negative", "neutral", "positive"],
            "y2": ["negative", "positive", "negative", "neutral", "negative"],
        }
    )
    result = agreement(annotations)
    assert result.pairwise["cohen_kappa"].item() == pytest.approx(0.6875)
    # With two annotators labelling everything, Fleiss' kappa is Scott's pi.
    assert result.n_complete == 5


def test_perfect_agreement_is_one():
    truth = np.tile(["a", "b", "c"], 20)
    result = agreement(simulate_annotators(truth, accuracy=1.0, random_state=0))
    assert result.krippendorff_alpha == pytest.approx(1.0)
    assert result.pairwise["cohen_kappa"].dropna().to_numpy() == pytest.approx(1.0)
    assert (result.items["agreement"] == 1).all()


def test_a_pair_without_overlap_gets_nan_and_the_rest_is_computed():
    annotations = pd.DataFrame(
        {
            "a": ["x", "y", "x", "y", None, None],
            "b": [None, None, None, None, "x", "y"],
            "c": ["x", "y", "y", "y", "x", "x"],
        }
    )
    result = agreement(annotations)
    pair = result.pairwise.set_index(["annotator_a", "annotator_b"])
    assert pair.loc[("a", "b"), "items"] == 0
    assert math.isnan(pair.loc[("a", "b"), "agreement"])
    assert math.isnan(pair.loc[("a", "b"), "cohen_kappa"])
    assert pair.loc[("a", "c"), "cohen_kappa"] == pytest.approx(
        cohen_kappa_score(list("xyxy"), list("xyyy"))
    )
    assert "a and b: their kappa is NaN" in result.explain()
    assert math.isnan(result.fleiss_kappa)


def test_kappa_is_nan_on_one_shared_item_or_one_shared_class():
    annotations = pd.DataFrame(
        {
            "a": ["x", "x", "x", "y"],
            "b": ["x", "x", None, None],
            "c": [None, None, "y", "y"],
        }
    )
    pairwise = agreement(annotations).pairwise
    # a and b share two items and both say "x" on each: a single class, no kappa.
    # a and c share two items, "x"/"y" and "y"/"y": two classes, a kappa.
    assert math.isnan(pairwise.loc[0, "cohen_kappa"])
    assert pairwise.loc[0, "agreement"] == 1.0
    assert pairwise.loc[1, "cohen_kappa"] == pytest.approx(
        cohen_kappa_score(["x", "y"], ["y", "y"])
    )
    assert pairwise.loc[2, "items"] == 0

    # One shared item is too few, even with two labels on it.
    one = agreement(pd.DataFrame({"a": ["x", "y", "x"], "b": ["y", None, None]}))
    assert one.pairwise["items"].item() == 1
    assert math.isnan(one.pairwise["cohen_kappa"].item())


# --------------------------------------------------------------------------- simulate


def test_simulated_annotators_have_the_accuracy_and_coverage_asked():
    n = 4000
    accuracy = [0.95, 0.8, 0.6, 0.4]
    coverage = [0.9, 0.7, 0.5, 0.3]
    truth, annotations = simulated(
        "str",
        n_items=n,
        n_classes=4,
        seed=11,
        n_annotators=4,
        accuracy=accuracy,
        coverage=coverage,
    )
    labelled = annotations.notna()
    assert (labelled.sum(axis=1) >= 2).all()
    tests = 2 * len(accuracy)
    for j, column in enumerate(annotations.columns):
        count = int(labelled[column].sum())
        low, high = stats.binom.interval(1 - ALPHA / tests, n, coverage[j])
        assert low <= count <= high
        right = int(
            (annotations.loc[labelled[column], column] == truth[labelled[column]]).sum()
        )
        low, high = stats.binom.interval(1 - ALPHA / tests, count, accuracy[j])
        assert low <= right <= high


def test_wrong_labels_are_drawn_uniformly_from_the_other_classes():
    truth, annotations = simulated(
        "int", n_items=3000, n_classes=4, seed=12, accuracy=0.0, coverage=1.0
    )
    given = annotations.to_numpy()
    assert not (given == truth[:, None]).any()
    wrong = given[truth == 0].ravel()
    counts = np.bincount(wrong.astype(int), minlength=4)
    assert counts[0] == 0
    assert stats.chisquare(counts[1:]).pvalue > ALPHA
    assert set(np.unique(given)) == {0, 1, 2, 3}


def test_default_accuracies_run_from_careful_to_careless():
    truth, annotations = simulated(
        n_items=4000, n_classes=2, seed=13, n_annotators=4, coverage=1.0
    )
    observed = (annotations.to_numpy() == truth[:, None]).mean(axis=0)
    expected = np.linspace(0.95, 0.65, 4)
    assert np.abs(observed - expected).max() < 0.03


def test_coverages_adding_up_to_two_give_every_item_exactly_two():
    truth = np.tile(["a", "b"], 1000)
    annotations = simulate_annotators(
        truth, n_annotators=4, coverage=[1.0, 0.5, 0.25, 0.25], random_state=0
    )
    labelled = annotations.notna()
    assert (labelled.sum(axis=1) == 2).all()
    assert labelled["annotator_1"].all()
    share = labelled.mean()
    assert share.iloc[1:].to_numpy() == pytest.approx([0.5, 0.25, 0.25], abs=0.04)


def test_every_pair_of_annotators_meets():
    _, annotations = simulated(n_items=500, seed=14, n_annotators=6, coverage=0.4)
    pairwise = agreement(annotations).pairwise
    assert (pairwise["items"] > 20).all()


@pytest.mark.parametrize("as_type", ["series", "list", "array", "categorical"])
def test_simulation_keeps_the_index_and_the_labels_type(as_type):
    truth = pd.Series(["lo", "hi", "lo", "mid"] * 5, index=range(100, 120))
    labels = {
        "series": truth,
        "list": truth.tolist(),
        "array": truth.to_numpy(),
        "categorical": truth.astype("category"),
    }[as_type]
    annotations = simulate_annotators(
        labels, n_annotators=3, coverage=0.8, random_state=0
    )
    assert annotations.shape == (20, 3)
    assert list(annotations.columns) == ["annotator_1", "annotator_2", "annotator_3"]
    expected_index = truth.index if as_type in ("series", "categorical") else range(20)
    assert list(annotations.index) == list(expected_index)
    assert set(annotations.stack().dropna().unique()) <= {"lo", "hi", "mid"}
    if as_type == "categorical":
        assert all(isinstance(d, pd.CategoricalDtype) for d in annotations.dtypes)


def test_integer_labels_come_back_as_floats_with_nan():
    annotations = simulate_annotators([0, 1, 2, 1] * 10, coverage=0.6, random_state=0)
    assert all(d == "float64" for d in annotations.dtypes)
    assert set(annotations.stack().dropna().unique()) <= {0.0, 1.0, 2.0}


def test_simulation_is_deterministic_for_a_seed():
    truth = np.tile(["a", "b", "c"], 50)
    first = simulate_annotators(truth, random_state=3)
    pd.testing.assert_frame_equal(simulate_annotators(truth, random_state=3), first)
    generator = np.random.default_rng(3)
    pd.testing.assert_frame_equal(
        simulate_annotators(truth, random_state=generator), first
    )
    assert not simulate_annotators(truth, random_state=4).equals(first)


# --------------------------------------------------------------------------- resolve


def test_majority_vote_by_hand():
    result = resolve(SMALL, random_state=0)
    assert result.labels.tolist() == ["spam", "ham", "spam", "ham", "spam"]
    assert result.confidence.tolist() == pytest.approx([1, 1, 2 / 3, 1, 1])
    assert result.n_ties == 0
    assert list(result.disagreements.index) == [2]
    assert result.disagreements.loc[2, "resolved"] == "spam"
    assert list(result.disagreements.columns) == [
        "ann",
        "bob",
        "cyd",
        "resolved",
        "confidence",
    ]
    weights = result.weights.set_index("annotator")
    # bob agrees with the others' majority on items 0, 1, 3 and 4 but not 2: 4/5.
    # On item 1 the other is ann alone, on item 4 cyd alone.
    assert weights["accuracy"].tolist() == pytest.approx([7 / 8, 4 / 5, 7 / 8])
    assert weights["weight"].tolist() == [1.0, 1.0, 1.0]
    assert weights["items"].tolist() == [4, 5, 4]
    assert weights["shared_items"].tolist() == [4, 5, 4]


def test_a_tie_among_the_others_counts_as_a_share():
    annotations = pd.DataFrame({"a": ["x", "x"], "b": ["x", "y"], "c": ["y", "x"]})
    weights = resolve(annotations).weights
    # Item 0: a's others are b="x" and c="y", a tie of two with a's label in it,
    # so a agrees by 1/2; item 1: b="y", c="x", the same. Item 0 for b: others
    # a="x", c="y", 1/2; item 1 for b: others "x", "x", b said "y": 0.
    assert weights["accuracy"].tolist() == pytest.approx([0.5, 0.25, 0.25])


def test_ties_are_broken_at_random_and_counted():
    annotations = pd.DataFrame({"a": ["x"] * 400, "b": ["y"] * 400})
    result = resolve(annotations, random_state=0)
    assert result.n_ties == 400
    assert result.to_frame()["tie"].all()
    assert result.confidence.eq(0.5).all()
    chosen = (result.labels == "x").sum()
    low, high = stats.binom.interval(1 - ALPHA, 400, 0.5)
    assert low <= chosen <= high
    again = resolve(annotations, random_state=0)
    pd.testing.assert_series_equal(again.labels, result.labels)
    assert not resolve(annotations, random_state=1).labels.equals(result.labels)
    assert "400 items had a tie" in result.explain()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_vote_beats_majority_when_accuracies_differ(seed):
    truth, annotations = simulated(
        n_items=1500,
        n_classes=3,
        seed=seed,
        accuracy=[0.95, 0.9, 0.5, 0.45, 0.4],
        coverage=0.8,
    )
    majority = resolve(annotations, random_state=seed)
    weighted = resolve(annotations, method="weighted", random_state=seed)
    accuracy_majority = (majority.labels == truth).mean()
    accuracy_weighted = (weighted.labels == truth).mean()
    assert accuracy_weighted > accuracy_majority + 0.03
    # The careful annotators get the largest weights.
    order = weighted.weights.sort_values("weight", ascending=False)["annotator"]
    assert set(order.iloc[:2]) == {"annotator_1", "annotator_2"}


@pytest.mark.parametrize("method", ["majority", "weighted"])
@pytest.mark.parametrize("kind", ["str", "int"])
def test_perfect_annotators_give_the_truth(method, kind):
    truth, annotations = simulated(kind, n_items=200, seed=5, accuracy=1.0)
    result = resolve(annotations, method=method, random_state=0)
    assert (result.labels.to_numpy() == truth).all()
    assert (result.confidence == 1).all()
    assert result.disagreements.empty
    assert result.n_ties == 0


def test_weights_are_clipped_log_odds():
    _, annotations = simulated(
        n_items=400,
        n_classes=3,
        seed=6,
        accuracy=[1.0, 1.0, 1.0, 1.0, 0.2],
        n_annotators=5,
        coverage=1.0,
    )
    weights = resolve(annotations, method="weighted").weights
    a = weights["accuracy"].to_numpy()
    expected = np.maximum(
        np.log(2)
        + np.log(np.clip(a, 0, MAX_ACCURACY) / (1 - np.clip(a, 0, MAX_ACCURACY))),
        MIN_WEIGHT,
    )
    assert weights["weight"].to_numpy() == pytest.approx(expected)
    # Perfect annotators, whose others' majority is always right, are capped; the
    # one below chance (1/3) counts almost nothing.
    assert weights["accuracy"].iloc[0] == 1.0
    assert weights["weight"].iloc[0] == pytest.approx(np.log(2 * 99))
    assert weights["weight"].iloc[4] == MIN_WEIGHT


def test_weighted_confidence_is_the_share_of_weighted_votes():
    _, annotations = simulated(n_items=100, seed=9, n_annotators=4, coverage=0.8)
    result = resolve(annotations, method="weighted", random_state=0)
    w = dict(zip(result.weights["annotator"], result.weights["weight"], strict=True))
    for item in annotations.index[:20]:
        row = annotations.loc[item].dropna()
        total = sum(w[a] for a in row.index)
        winner = sum(w[a] for a in row.index if row[a] == result.labels[item])
        assert result.confidence[item] == pytest.approx(winner / total)


def test_unlabelled_items_resolve_to_missing():
    annotations = pd.DataFrame({"a": ["x", None, "y"], "b": ["x", None, "y"]})
    result = resolve(annotations)
    assert result.labels.iloc[[0, 2]].tolist() == ["x", "y"]
    assert pd.isna(result.labels.iloc[1])
    assert math.isnan(result.confidence.iloc[1])
    assert result.to_frame()["annotations"].tolist() == [2, 0, 2]


def test_an_annotator_who_shares_nothing_gets_the_median_weight():
    annotations = pd.DataFrame(
        {
            "a": ["x", "y", "x", "y", None],
            "b": ["x", "y", "x", "x", None],
            "c": ["x", "x", "x", "y", None],
            "d": [None, None, None, None, "y"],
        }
    )
    result = resolve(annotations, method="weighted")
    weights = result.weights.set_index("annotator")
    assert math.isnan(weights.loc["d", "accuracy"])
    assert weights.loc["d", "weight"] == pytest.approx(
        weights["weight"].iloc[:3].median()
    )
    assert result.labels.iloc[4] == "y"


def test_items_may_share_an_index_label():
    annotations = pd.DataFrame(
        {"x": ["a", "b", "a", None], "y": ["a", "a", "a", "b"]}, index=[1, 1, 2, 2]
    )
    result = resolve(annotations, random_state=0)
    assert result.to_frame().index.equals(annotations.index)
    assert result.to_frame()["annotations"].tolist() == [2, 2, 2, 1]
    assert result.disagreements["resolved"].tolist() == [result.labels.iloc[1]]
    assert agreement(annotations).items["annotations"].tolist() == [2, 2, 2, 1]
    assert "Cohen's kappa of x and y is 0.00" in agreement(annotations).explain()


def test_resolution_table():
    result = resolve(SMALL, method="weighted", random_state=0)
    frame = result.to_frame()
    assert list(frame.columns) == [
        "label",
        "confidence",
        "annotations",
        "distinct_labels",
        "tie",
    ]
    assert frame.index.equals(SMALL.index)
    assert frame["distinct_labels"].tolist() == [1, 1, 2, 1, 1]
    assert result.method == "weighted"
    assert result.classes == ("ham", "spam")


# --------------------------------------------------------------------------- results


def test_agreement_chart_is_a_kappa_matrix():
    _, annotations = simulated(seed=1, n_annotators=4, coverage=0.7)
    result = agreement(annotations)
    assert isinstance(result, Agreement)
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == [
        "rect",
        "rect",
        "text",
    ]
    encoding = spec["layer"][1]["encoding"]
    assert encoding["color"]["field"] == "cohen_kappa"
    assert encoding["x"]["sort"] == encoding["y"]["sort"] == list(annotations.columns)
    assert spec["layer"][2]["encoding"]["text"]["field"] == "text"
    values = next(iter(spec["datasets"].values()))
    # Both halves of the symmetric matrix, without the diagonal.
    assert len(values) == 4 * 3
    assert "Fleiss" in spec["title"]["subtitle"]


def test_agreement_shows_itself():
    result = agreement(SMALL)
    pd.testing.assert_frame_equal(result.to_frame(), result.pairwise)
    assert result.to_frame() is not result.pairwise
    text = result.explain()
    assert "chapter 4" in text
    assert "Landis and Koch" in text
    assert "\n" not in repr(result)
    assert repr(result).startswith("<Agreement: Agreement of 3 annotators")
    assert "<table" in result._repr_html_()


def test_resolution_shows_itself():
    _, annotations = simulated(seed=2, n_annotators=4, coverage=0.7)
    result = resolve(annotations, method="weighted", random_state=0)
    assert isinstance(result, Resolution)
    spec = result.chart().to_dict()
    panels = spec["vconcat"][0]["hconcat"]
    assert [p["title"]["text"] for p in panels] == [
        "Estimated accuracy",
        "Weight in the vote",
    ]
    accuracy = panels[0]["layer"]
    assert [layer["mark"]["type"] for layer in accuracy] == ["bar", "text", "rule"]
    assert accuracy[0]["encoding"]["x"]["field"] == "accuracy"
    assert accuracy[0]["encoding"]["x"]["axis"]["format"] == ".0%"
    assert panels[1]["layer"][0]["encoding"]["x"]["field"] == "weight"
    assert "confidence" in spec["vconcat"][1]["title"]["text"].lower()
    majority = resolve(annotations).chart().to_dict()
    assert len(majority["vconcat"][0]["hconcat"]) == 1
    assert "\n" not in repr(result)
    assert repr(result).startswith("<Resolution: 300 items resolved by weighted vote")
    assert "chapter 4" in result.explain()
    assert "<table" in result._repr_html_()


@pytest.mark.parametrize("function", [agreement, resolve])
def test_the_callers_frame_is_not_modified(function):
    _, annotations = simulated(seed=3, n_annotators=4, coverage=0.7)
    before = annotations.copy()
    function(annotations)
    pd.testing.assert_frame_equal(annotations, before)


def test_the_heatmap_refuses_missing_columns():
    from mlkit.charts import heatmap

    frame = pd.DataFrame({"a": ["x"], "b": ["y"], "v": [0.5]})
    with pytest.raises(MlkitValueError, match="lacks the column"):
        heatmap(frame, x="a", y="b", value="kappa", title="t")
    with pytest.raises(MlkitValueError, match="'domain'"):
        heatmap(frame, x="a", y="b", value="v", title="t", domain=(1, 1))


# --------------------------------------------------------------------------- errors

ERRORS = [
    (["x", "y"], MlkitTypeError, "'annotations' must be a pandas DataFrame"),
    (pd.Series(["x", "y"]), MlkitTypeError, "'annotations' must be a pandas DataFrame"),
    (pd.DataFrame({"a": []}), MlkitValueError, "'annotations' has no rows"),
    (pd.DataFrame({"a": ["x", "y"]}), MlkitValueError, "at least 2; got 1"),
    (
        pd.DataFrame([["x", "y"], ["y", "y"]], columns=["a", "a"]),
        MlkitValueError,
        "columns with the same name: 'a'",
    ),
    (
        pd.DataFrame({"a": [None, None], "b": [np.nan, np.nan]}),
        MlkitValueError,
        "holds no label",
    ),
    (
        pd.DataFrame({"a": [[1], [2]], "b": [[1], [2]]}),
        MlkitTypeError,
        "must hold hashable labels",
    ),
]


@pytest.mark.parametrize("function", [agreement, resolve])
@pytest.mark.parametrize(("annotations", "error", "message"), ERRORS)
def test_bad_annotations_are_refused(function, annotations, error, message):
    with pytest.raises(error, match=message) as info:
        function(annotations)
    assert "Hint:" in str(info.value)


def test_agreement_without_overlap_names_the_pairs():
    annotations = pd.DataFrame(
        {"a": ["x", None, None], "b": [None, "y", None], "c": [None, None, "x"]}
    )
    with pytest.raises(
        MlkitValueError, match="no item labelled by two annotators"
    ) as info:
        agreement(annotations)
    assert "a and b, a and c, b and c" in str(info.value)
    assert "Hint:" in str(info.value)
    # resolve needs no overlap: each item has its only label.
    assert resolve(annotations).labels.tolist() == ["x", "y", "x"]


def test_agreement_on_a_single_label_is_refused():
    annotations = pd.DataFrame({"a": ["x", "x", None], "b": ["x", "x", "x"]})
    with pytest.raises(MlkitValueError, match="holds a single label, 'x'"):
        agreement(annotations)
    assert resolve(annotations).labels.tolist() == ["x", "x", "x"]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"method": "dawid_skene"}, MlkitValueError, "'method' must be one of"),
        ({"method": None}, MlkitValueError, "'method' must be one of"),
        ({"random_state": "seed"}, MlkitTypeError, "'random_state' must be"),
    ],
)
def test_resolve_checks_its_options(options, error, message):
    with pytest.raises(error, match=message):
        resolve(SMALL, **options)


def test_resolve_refuses_columns_named_like_its_output():
    with pytest.raises(MlkitValueError, match="column named 'resolved'") as info:
        resolve(SMALL.rename(columns={"ann": "resolved"}))
    assert "rename" in str(info.value)


TRUTH = ["a", "b"] * 5


@pytest.mark.parametrize(
    ("labels", "options", "error", "message"),
    [
        ([], {}, MlkitValueError, "'labels' is empty"),
        (["a", None, "b"], {}, MlkitValueError, "'labels' has 1 missing"),
        (["a", "a"], {}, MlkitValueError, "'labels' holds a single class"),
        ([["a", "b"]], {}, MlkitValueError, "'labels' must be one-dimensional"),
        (
            TRUTH,
            {"n_annotators": 1},
            MlkitValueError,
            "'n_annotators' must be an integer",
        ),
        (
            TRUTH,
            {"n_annotators": 2.5},
            MlkitTypeError,
            "'n_annotators' must be an integer",
        ),
        (
            TRUTH,
            {"n_annotators": True},
            MlkitTypeError,
            "'n_annotators' must be an integer",
        ),
        (TRUTH, {"accuracy": 1.2}, MlkitValueError, r"'accuracy' must be in \[0, 1\]"),
        (TRUTH, {"accuracy": "high"}, MlkitTypeError, "'accuracy' must be a number"),
        (TRUTH, {"accuracy": ["a"] * 5}, MlkitTypeError, "'accuracy' must be numbers"),
        (
            TRUTH,
            {"accuracy": [0.9, 0.8]},
            MlkitValueError,
            "'accuracy' has 2 value",
        ),
        (TRUTH, {"coverage": 0}, MlkitValueError, r"'coverage' must be in \(0, 1\]"),
        (TRUTH, {"coverage": np.nan}, MlkitValueError, "'coverage' must be in"),
        (
            TRUTH,
            {"n_annotators": 3, "coverage": 0.6},
            MlkitValueError,
            "'coverage' adds up to 1.8",
        ),
        (TRUTH, {"random_state": 1.5}, MlkitTypeError, "'random_state' must be"),
    ],
)
def test_simulate_annotators_checks_its_arguments(labels, options, error, message):
    with pytest.raises(error, match=message) as info:
        simulate_annotators(labels, **options)
    assert "Hint:" in str(info.value)
    assert isinstance(info.value, MlkitError)
