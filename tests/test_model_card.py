"""Tests for mlkit.design.model_card: the nine sections, from a case, a log and results."""

from __future__ import annotations

import copy
import re
import warnings

import pandas as pd
import pytest

import mlkit as mk
from mlkit._exceptions import CaseError, MlkitTypeError, MlkitValueError
from mlkit._model_card import (
    GROUP_FRAME_ERROR,
    GROUP_OBJECT_ERROR,
    SECTION_TITLES,
    _markdown_to_html,
)
from mlkit.design import DefaultsUsedWarning, DesignLog, ModelCard, model_card

from .conftest import TEST_CASES


class FakeGroupMetrics:
    """A stand-in for what mlkit.fairness.group_metrics returns."""

    def __init__(
        self, frame: pd.DataFrame, disparities: dict[str, float] | None = None
    ):
        self.frame = frame
        self._disparities = pd.Series(disparities or {}, dtype="float64")

    def to_frame(self) -> pd.DataFrame:
        return self.frame  # the same object each time: the card must not change it

    def disparities(self) -> pd.Series:
        return self._disparities


def group_frame(names=("Female", "Male"), counts=(12, 400)) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame(
        {
            "sex": list(names),
            "count": list(counts),
            "base_rate": [0.11, 0.31][:n],
            "selection_rate": [0.05, 0.22][:n],
            "tpr": [0.52, 0.71][:n],
            "tpr_low": [0.31, 0.66][:n],
            "tpr_high": [0.73, 0.76][:n],
            "fpr": [0.01, 0.06][:n],
            "fnr": [0.48, 0.29][:n],
            "precision": [0.8, 0.77][:n],
            "accuracy": [0.93, 0.84][:n],
            "ece": [0.02, 0.03][:n],
        }
    )


CROSS = " \u00d7 "  # between the values of an intersection of groups
DISPARITIES = {
    "demographic_parity_difference": 0.17,
    "demographic_parity_ratio": 0.23,
    "equalized_odds_difference": 0.19,
    "equalized_odds_ratio": 0.27,
    "equal_opportunity_difference": 0.04,
}


@pytest.fixture
def income_log(tmp_path):
    """A design log of the income case with a few decisions, a split and experiments."""
    log = DesignLog("income", run_dir=tmp_path)
    log.record(
        "metric.primary",
        stage="scoping",
        question="Which metric ranks models?",
        options=["accuracy", "expected_cost"],
        choice="expected_cost",
        rationale="A false positive costs four times a false negative.",
    )
    log.record(
        "split.strategy",
        stage="training_data",
        question="How do we split?",
        choice="stratified",
        rationale="No time or entity structure.",
    )
    log.save_artifact(
        "split",
        pd.Series(["train"] * 60 + ["validation"] * 20 + ["test"] * 20),
        stage="training_data",
    )
    log.record(
        "features.columns",
        stage="features",
        question="Which columns are the model's inputs?",
        choice=["age", "education_num", "sex"],
    )
    log.record_experiment(
        "logistic",
        stage="model_development",
        model="LogisticRegression(C=0.5)",
        metrics={"roc_auc": 0.9, "expected_cost": 20.4, "latency_ms": 2.0},
    )
    log.record_experiment(
        "boosting",
        stage="model_development",
        model="HistGradientBoostingClassifier(random_state=0)",
        metrics={"roc_auc": 0.93, "expected_cost": 17.6, "latency_ms": 700.0},
    )
    log.record(
        "model.choice",
        stage="model_development",
        question="Which model goes on to offline evaluation?",
        options=["logistic", "boosting"],
        choice="boosting",
        rationale="It has the best expected cost on the validation rows.",
    )
    log.record(
        "calibration.method",
        stage="offline_evaluation",
        question="How are the model's probabilities recalibrated?",
        options=["none", "isotonic"],
        choice="isotonic",
        evidence={"brier_before": 0.080, "brier_after": 0.095},
    )
    log.record(
        "decision.threshold",
        stage="offline_evaluation",
        question="Above which probability do we act?",
        choice=0.787,
        rationale="It has the least cost on held-out validation rows.",
    )
    with pytest.warns(DefaultsUsedWarning):
        log.recall("metric.secondary", default="roc_auc", stage="scoping")
    return log


# --------------------------------------------------------------------------- no log


def all_cases():
    shipped = list(mk.cases.available().index)
    assert {"spam", "income", "fraud", "bikes"} <= set(shipped)
    return [*shipped, str(TEST_CASES / "demand"), str(TEST_CASES / "triage")]


@pytest.mark.parametrize("case", all_cases())
def test_every_case_has_a_card_without_a_log(case):
    card = model_card(case)
    assert isinstance(card, ModelCard)
    assert tuple(card.sections) == SECTION_TITLES
    markdown, page = card.to_markdown(), card.to_html()
    for title in SECTION_TITLES:
        assert f"\n## {title}\n" in markdown
        assert f"<h2>{title}</h2>" in page
    for title, text in card.sections.items():
        # Each section says what is missing, and which notebook fills it in.
        assert re.search(r"not (recorded yet|given)", text, re.IGNORECASE), title
        assert ".ipynb" in text, title
    assert card.iteration is None
    assert "model.choice" in card.not_recorded
    assert "\n" not in repr(card)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://|<[^>]*\b(src|href)=|@import|url\(", page)


def test_card_from_the_spec_reads_the_case():
    card = model_card("income")
    sections = card.sections
    assert "`sex`, `race`" in sections["Factors"]
    assert "CC BY 4.0" in sections["Model details"]
    assert "500 ms" in sections["Intended use"]
    assert "= 0.8 for a calibrated model" in sections["Metrics"]
    assert "| false positive | 400 |" in sections["Metrics"]
    assert "Fairness is not assessed" in sections["Caveats and recommendations"]


def test_card_says_when_fairness_cannot_be_assessed():
    caveats = model_card("spam").sections["Caveats and recommendations"]
    assert "Fairness could not be assessed" in caveats
    assert "collect" in caveats


def test_simulated_case_needs_no_licence_and_runs_no_hooks():
    card = model_card("fraud")
    details = card.sections["Model details"]
    assert "simulated by `simulate(random_state=0" in details
    assert "Licence of the data**: none needed" in details


def test_case_by_path_or_object_gives_the_same_card():
    case = mk.cases.load("spam")
    assert model_card(case).to_markdown() == model_card(case.path).to_markdown()


def test_stages_a_case_leaves_out_are_named():
    card = model_card(str(TEST_CASES / "triage"))
    assert "this case's process leaves that stage out" in card.sections["Training data"]


# --------------------------------------------------------------------------- with a log


def test_log_fills_the_right_sections(income_log):
    card = model_card("income", income_log)
    s = card.sections
    assert card.iteration == 1
    assert "iteration 1" in s["Model details"]
    assert "HistGradientBoostingClassifier(random_state=0)" in s["Model details"]
    assert "**Primary metric**: `expected_cost`. A false positive costs" in s["Metrics"]
    assert "at least 0.787 (tuned on held-out rows)" in s["Metrics"]
    assert (
        "**Split**: `stratified`. No time or entity structure." in s["Evaluation data"]
    )
    assert "| test | 20 | 20.0% |" in s["Evaluation data"]
    assert "the training part of the split, 60 rows" in s["Training data"]
    assert "`age`, `education_num`, `sex`" in s["Training data"]
    assert "The model uses `sex` as an input" in s["Ethical considerations"]
    # The experiments, the chosen one marked.
    assert re.search(r"\| boosting \| ✓ \|", s["Quantitative analyses"])
    assert "| logistic |  |" in s["Quantitative analyses"]
    for key in ("metric.primary", "split.strategy", "model.choice", "features.columns"):
        assert key not in card.not_recorded
    assert "labels.source" in card.not_recorded


def test_log_findings_become_caveats(income_log):
    caveats = model_card("income", income_log).sections["Caveats and recommendations"]
    assert "did not carry over" in caveats  # Brier score rose on the test rows
    assert "over the budget of 500 ms" in caveats  # the chosen model's latency
    assert "defaults" in caveats
    assert "`metric.secondary`" in caveats
    assert "no design log" not in caveats


def test_an_empty_log_is_a_log_with_nothing_recorded(tmp_path):
    card = model_card("spam", DesignLog("spam", run_dir=tmp_path))
    assert card.iteration == 1
    assert "nothing recorded yet" in card.sections["Model details"]
    assert "model.choice" in card.not_recorded


# --------------------------------------------------------------------------- results


def test_metrics_with_intervals_from_a_mapping():
    card = model_card("income", metrics={"roc_auc": (0.9, 0.89, 0.91), "n": 3})
    text = card.sections["Quantitative analyses"]
    assert "| metric | value [interval] |" in text
    assert "| roc_auc | 0.9 [0.89, 0.91] |" in text
    assert "| n | 3 |" in text
    assert "carry no intervals" not in card.sections["Caveats and recommendations"]


@pytest.mark.parametrize("kind", ["tidy", "wide"])
def test_metrics_from_a_table(kind):
    if kind == "tidy":
        frame = pd.DataFrame(
            {"metric": ["pr_auc"], "value": [0.61], "low": [0.55], "high": [0.66]}
        )
        expected = "| pr_auc | 0.61 [0.55, 0.66] |"
    else:  # one row per entry, as baselines(...).to_frame()
        frame = pd.DataFrame(
            {
                "name": ["majority", "boosting"],
                "kind": ["baseline", "model"],
                "pr_auc": [0.24, 0.61],
                "pr_auc_low": [float("nan"), 0.55],
                "pr_auc_high": [float("nan"), 0.66],
                "note": ["", "the chosen model"],
            }
        )
        expected = "| boosting | model | 0.61 [0.55, 0.66] | the chosen model |"
    before = frame.copy()
    text = model_card("income", metrics=frame).sections["Quantitative analyses"]
    assert expected in text
    pd.testing.assert_frame_equal(frame, before)


def test_metrics_without_intervals_are_flagged():
    card = model_card("income", metrics={"roc_auc": 0.9})
    assert "| roc_auc | 0.9 |" in card.sections["Quantitative analyses"]
    assert "carry no intervals" in card.sections["Caveats and recommendations"]


def test_group_tables_render_with_intervals_and_flags():
    sex = FakeGroupMetrics(group_frame(), DISPARITIES)
    both = group_frame(names=("Female", "Male")).rename(columns={"sex": "race"})
    both.insert(0, "sex", ["Female", "Male"])
    card = model_card(
        "income", group_metrics={"sex": sex, f"sex{CROSS}race": FakeGroupMetrics(both)}
    )
    text = card.sections["Quantitative analyses"]
    assert "### By group: sex" in text
    assert "| sex | count | base_rate | selection_rate | tpr [interval] |" in text
    assert "| Female | 12 | 0.11 | 0.05 | 0.52 [0.31, 0.73] |" in text
    assert "| equalized_odds_difference | 0.19 | above 0.1 |" in text
    assert "| demographic_parity_ratio | 0.23 | below 0.8 |" in text
    assert "| equal_opportunity_difference | 0.04 |  |" in text
    assert f"### By group: sex{CROSS}race" in text
    assert "| Female | Female | 12 |" in text
    factors = card.sections["Factors"]
    assert "Female (n = 12); Male (n = 400)" in factors
    assert f"Female{CROSS}Female (n = 12)" in factors
    caveats = card.sections["Caveats and recommendations"]
    assert "Small groups in sex: Female has fewer than 30 rows" in caveats
    assert "Large disparities by sex" in caveats
    assert "Fairness is not assessed" not in caveats
    page = card.to_html()
    assert '<td class="num">0.52 [0.31, 0.73]</td>' in page


def test_a_group_table_alone_is_accepted():
    frame = group_frame()
    text = model_card("income", group_metrics={"sex": frame}).sections[
        "Quantitative analyses"
    ]
    assert "| Male | 400 |" in text
    assert "Disparities" not in text


def test_text_is_escaped_in_html_and_neutralised_in_markdown():
    frame = group_frame(names=("<b>x</b>", "a|b"))
    card = model_card(
        "income",
        group_metrics={"<i>sex</i>": FakeGroupMetrics(frame)},
        caveats=["<script>alert(1)</script> **bold**"],
        ethical_considerations="R&D & <img src=x onerror=alert(1)>",
        model_details={"owner": "<em>risk</em> team"},
    )
    page = card.to_html()
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page
    assert "<script" not in page
    assert "<img" not in page
    assert "<i>sex</i>" not in page
    assert "<em>risk</em>" not in page
    assert "R&amp;D &amp;" in page
    assert "<strong>bold</strong>" in page
    assert "a|b" in page  # a pipe inside a cell stays in its cell
    assert not re.search(r"<[^>]*\b(src|href|on\w+)=", page)
    markdown = card.to_markdown()
    assert "<b>x</b>" not in markdown
    assert "<script" not in markdown
    assert "a\\|b" in markdown
    assert "<b>x</b>" not in card._repr_html_()


def test_ethics_and_details_from_arguments():
    card = model_card(
        "income",
        ethical_considerations=["Applicants did not consent to this use."],
        caveats="Incomes are in 1994 dollars.",
        model_details={"owner": "the risk team", "reviewed": True},
    )
    s = card.sections
    assert "- Applicants did not consent to this use." in s["Ethical considerations"]
    assert "*Not given*" not in s["Ethical considerations"]
    assert s["Caveats and recommendations"].startswith("- Incomes are in 1994 dollars.")
    assert card.caveats[0] == "Incomes are in 1994 dollars."
    assert "- **owner**: the risk team" in s["Model details"]
    assert "- **reviewed**: yes" in s["Model details"]


def test_inputs_are_unchanged(income_log):
    metrics = {"roc_auc": (0.9, 0.89, 0.91)}
    frame = group_frame()
    groups = {"sex": FakeGroupMetrics(frame, DISPARITIES)}
    kept = (copy.deepcopy(metrics), frame.copy(), income_log.path.read_bytes())
    model_card("income", income_log, metrics=metrics, group_metrics=groups)
    assert metrics == kept[0]
    pd.testing.assert_frame_equal(frame, kept[1])
    assert list(groups) == ["sex"]
    assert income_log.path.read_bytes() == kept[2]


# --------------------------------------------------------------------------- the card


def test_card_is_immutable_and_reproducible():
    card = model_card("spam")
    card.sections["Factors"] = "changed"
    assert card.sections["Factors"] != "changed"
    with pytest.raises(AttributeError):
        card.title = "x"
    assert model_card("spam").to_markdown() == card.to_markdown()


def test_repr_and_notebook_display(income_log):
    card = model_card("income", income_log)
    assert repr(card).startswith("<ModelCard 'income', iteration 1: 9 sections,")
    shown = card._repr_html_()
    assert "<html" not in shown
    assert "<!DOCTYPE" not in shown
    assert '<article class="mlkit-model-card">' in shown
    assert "<style>" in shown


@pytest.mark.parametrize("suffix", [".md", ".html", ".HTML"])
def test_save(tmp_path, suffix):
    card = model_card("spam")
    path = card.save(tmp_path / "cards" / f"spam{suffix}")
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    expected = card.to_markdown() if suffix == ".md" else card.to_html()
    assert text == expected


def test_save_rejects_other_suffixes(tmp_path):
    card = model_card("spam")
    with pytest.raises(MlkitValueError, match=r"must end in \.md or \.html"):
        card.save(tmp_path / "card.pdf")
    with pytest.raises(MlkitTypeError, match="'path' must be a file path"):
        card.save(3)


def test_markdown_to_html_converter():
    page = _markdown_to_html(
        "### A `<tag>` title\n\n"
        "- one item\n  continued\n- [a link](https://example.org) and *emphasis*\n\n"
        "| name | value |\n|---|---:|\n| a \\| b | 1 |\n\n"
        "a paragraph\non two lines with hours_per_week"
    )
    assert "<h3>A <code>&lt;tag&gt;</code> title</h3>" in page
    assert "<li>one item continued</li>" in page
    assert "a link (https://example.org)" in page
    assert "href" not in page
    assert "<em>emphasis</em>" in page
    assert '<th class="num">value</th>' in page
    assert '<td>a | b</td><td class="num">1</td>' in page
    assert "<p>a paragraph on two lines with hours_per_week</p>" in page


# --------------------------------------------------------------------------- errors


def test_errors(income_log, tmp_path):
    with pytest.raises(MlkitTypeError, match="'log' must be a DesignLog"):
        model_card("income", "runs/income")
    with pytest.raises(MlkitValueError, match="design log of case 'spam'"):
        model_card("income", DesignLog("spam", run_dir=tmp_path))
    with pytest.raises(MlkitTypeError, match="'metrics' must be a mapping"):
        model_card("income", metrics=[0.9])
    with pytest.raises(MlkitTypeError, match="'metrics' maps 'auc' to 'high'"):
        model_card("income", metrics={"auc": "high"})
    with pytest.raises(MlkitTypeError, match="'group_metrics' must be a mapping"):
        model_card("income", group_metrics=[group_frame()])
    with pytest.raises(
        MlkitTypeError,
        match=re.escape(GROUP_OBJECT_ERROR.format(name="sex", got="list")),
    ):
        model_card("income", group_metrics={"sex": [1, 2]})
    with pytest.raises(
        MlkitValueError,
        match=re.escape(GROUP_FRAME_ERROR.split("; got")[0].format(name="sex")),
    ):
        model_card("income", group_metrics={"sex": group_frame().drop(columns="count")})
    with pytest.raises(MlkitTypeError, match="'caveats' must be a string"):
        model_card("income", caveats=5)
    with pytest.raises(MlkitTypeError, match="'ethical_considerations' must be"):
        model_card("income", ethical_considerations=["ok", 3])
    with pytest.raises(MlkitTypeError, match="'model_details' must be"):
        model_card("income", model_details=3)
    with pytest.raises(CaseError, match="No case named"):
        model_card("no-such-case")
    with pytest.raises(MlkitTypeError, match="Hint:"):
        model_card("income", metrics=object())


def test_no_warning_from_a_full_card(income_log):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model_card(
            "income",
            income_log,
            metrics={"roc_auc": (0.9, 0.89, 0.91)},
            group_metrics={"sex": FakeGroupMetrics(group_frame(), DISPARITIES)},
        )
