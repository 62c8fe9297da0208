"""Iterations: decisions set with --set, the design report, and comparisons."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from mlkit import cases
from mlkit._exceptions import MlkitValueError
from mlkit._execute import case_notebooks, check_overrides, decision_keys
from mlkit._report import markdown_table, notebook_charts, write_report
from mlkit.charts import _chart_html
from mlkit.cli import main, parse_settings, suggest_setting
from mlkit.design import DesignLog


def test_settings_read_json_values_and_keep_words_as_text():
    assert parse_settings(
        ["split.strategy=random", "decision.threshold=0.3", "x.flag=true", "y.z=[1, 2]"]
    ) == {
        "split.strategy": "random",
        "decision.threshold": 0.3,
        "x.flag": True,
        "y.z": [1, 2],
    }
    assert parse_settings(None) == {}


@pytest.mark.parametrize("bad", ["split.strategy", "=random", "split.strategy= "])
def test_a_setting_without_key_or_value_is_refused(bad):
    with pytest.raises(MlkitValueError, match="--set takes KEY=VALUE") as info:
        parse_settings([bad])
    assert "Hint:" in str(info.value)


def test_the_notebooks_decide_the_keys_an_iteration_may_set():
    keys = decision_keys(case_notebooks(cases.load("fraud")))
    assert keys["split.strategy"] == "03_training_data.ipynb"
    assert keys["model.choice"] == "06_model_development.ipynb"
    assert keys["review.next_change"] == "12_review_and_iterate.ipynb"
    check_overrides(cases.load("fraud"), {"split.strategy": "random"})


def test_a_key_no_notebook_decides_is_refused_with_the_close_ones():
    with pytest.raises(MlkitValueError, match=r"did you mean split\.strategy"):
        check_overrides(cases.load("fraud"), {"split.stratgy": "random"})
    # triage stops at scoping: nothing there splits the data.
    triage = cases.load(str(Path(__file__).parent / "cases" / "triage"))
    with pytest.raises(MlkitValueError, match="No notebook that runs on 'triage'"):
        check_overrides(triage, {"split.strategy": "random"})


def test_a_set_value_must_be_one_of_the_options(tmp_path):
    log = DesignLog.start(
        "spam", run_dir=tmp_path, overrides={"split.strategy": "shuffled"}
    )
    with pytest.raises(MlkitValueError, match="not one of the options") as info:
        log.record(
            "split.strategy",
            stage="training_data",
            question="How do we split?",
            options=["random", "time"],
            choice="time",
        )
    assert "--set split.strategy=random" in str(info.value)


def test_the_suggested_setting_changes_a_decision_to_another_option(tmp_path):
    log = DesignLog("demo", run_dir=tmp_path)
    log.record(
        "framing.task",
        stage="scoping",
        question="Which task?",
        options=["binary", "regression"],
        choice="binary",
    )
    assert suggest_setting(log) is None  # the kind of task is not varied
    log.record(
        "metric.secondary",
        stage="scoping",
        question="Which metric?",
        options=["roc_auc", "pr_auc"],
        choice="pr_auc",
    )
    assert suggest_setting(log) == "metric.secondary=roc_auc"
    log.record(
        "split.strategy",
        stage="training_data",
        question="How do we split?",
        options=["random", "time"],
        choice="time",
    )
    assert suggest_setting(log) == "split.strategy=random"


def _metrics(values, half):
    names = ["expected_cost", "pr_auc", "fpr", "bias"]
    return pd.DataFrame(
        {
            "metric": names,
            "value": values,
            "low": np.subtract(values, half),
            "high": np.add(values, half),
            "test_rows": 1000,
        }
    )


def _iteration(tmp_path, number, strategy, metrics, case="demo"):
    log = DesignLog(case, run_dir=tmp_path, iteration=number)
    log.record(
        "split.strategy",
        stage="training_data",
        question="How do we split?",
        options=["random", "time"],
        choice=strategy,
        evidence={"rows": 100 * number},
    )
    log.save_artifact("test_metrics", metrics, stage="offline_evaluation")
    return log


def test_the_comparison_tells_progress_from_noise(tmp_path):
    a = _iteration(tmp_path, 1, "time", _metrics([1.0, 0.40, 0.10, 0.5], 0.03))
    b = _iteration(tmp_path, 2, "random", _metrics([0.5, 0.60, 0.11, -0.2], 0.03))
    comparison = DesignLog.compare(a, b)
    assert comparison.changed == ["split.strategy"]
    table = comparison.metrics.set_index("metric")
    assert list(table["verdict"]) == ["better", "better", "within noise", "better"]
    # The margin is the two half-widths combined as independent: sqrt(2) * 0.03.
    np.testing.assert_allclose(table["margin"], np.hypot(0.03, 0.03))
    np.testing.assert_allclose(table["difference"], [-0.5, 0.2, 0.01, -0.7])
    assert "pr_auc 0.4 → 0.6 (better)" in comparison.explain()
    worse = DesignLog.compare(b, a).metrics.set_index("metric")["verdict"]
    assert list(worse) == ["worse", "worse", "within noise", "worse"]
    spec = comparison.chart().to_dict()  # decisions, then one panel per metric
    assert len(spec["vconcat"]) == 2
    page = comparison.save(tmp_path / "out" / "compare.html")
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "vegaEmbed" in text


def test_without_saved_metrics_the_comparison_has_decisions_only(tmp_path):
    a = DesignLog("demo", run_dir=tmp_path, iteration=1)
    b = DesignLog("demo", run_dir=tmp_path, iteration=2)
    for log in (a, b):
        log.record("x.y", stage="scoping", question="Which?", choice=1)
    comparison = DesignLog.compare(a, b)
    assert comparison.metrics.empty
    assert comparison.changed == []
    assert "on the test rows" not in comparison.explain()


def test_compare_names_the_iterations_that_exist(tmp_path, capsys):
    _iteration(tmp_path, 1, "time", _metrics([1.0, 0.4, 0.1, 0.5], 0.03), "spam")
    assert main(["compare", "spam", "iter-1", "iter-3", "--out", str(tmp_path)]) == 1
    assert "spam has no iteration 3" in capsys.readouterr().err
    assert main(["compare", "spam", "first", "iter-1", "--out", str(tmp_path)]) == 1
    assert "named like iter-2" in capsys.readouterr().err


def test_compare_prints_decisions_and_metrics(tmp_path, capsys):
    for n, strategy, values in (
        (1, "time", [1.0, 0.4, 0.1, 0.5]),
        (2, "random", [0.5, 0.6, 0.1, 0.5]),
    ):
        log = DesignLog("spam", run_dir=tmp_path, iteration=n)
        log.record(
            "split.strategy",
            stage="training_data",
            question="How?",
            options=["random", "time"],
            choice=strategy,
        )
        log.save_artifact(
            "test_metrics", _metrics(values, 0.03), stage="offline_evaluation"
        )
    assert main(["compare", "spam", "1", "iter-2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert any(
        line.split() == ["split.strategy", "time", "random"]
        for line in out.splitlines()
    )
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line}
    assert rows["pr_auc"][-1] == "better"
    assert rows["fpr"][-2:] == ["within", "noise"]
    assert (tmp_path / "spam" / "compare-iter-1-iter-2.html").is_file()


def _executed_notebook(path, spec):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("chart")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": _chart_html(spec), "text/plain": "x"}
        )
    ]
    nb.cells = [cell]
    nbformat.write(nb, path)


def test_the_report_holds_framing_decisions_charts_metrics_and_card(tmp_path):
    case = cases.load("spam")
    log = DesignLog.start(
        "spam", run_dir=tmp_path, overrides={"split.strategy": "random"}
    )
    log.record(
        "split.strategy",
        stage="training_data",
        question="How do we split the rows?",
        options=["random", "group"],
        choice="group",
        rationale="Comments of one video look alike.",
        evidence={
            "leak_auc": 0.91,
            "by_part": pd.DataFrame({"part": ["train"], "rows": [10]}),
        },
    )
    log.save_artifact(
        "test_metrics", _metrics([1.0, 0.4, 0.1, 0.5], 0.03), stage="offline_evaluation"
    )
    (log.folder / "model_card.md").write_text(
        "# Model card\n\n## Intended use\n\nModeration.\n"
    )
    spec = {"mark": "point", "data": {"values": [{"a": 1}]}, "encoding": {}}
    notebook = log.folder / "03_training_data.ipynb"
    _executed_notebook(notebook, spec)
    assert notebook_charts(notebook) == [spec]
    md_path, html_path = write_report(case, log, notebooks=[notebook], seconds=[1.5])
    report = md_path.read_text()
    assert report.startswith("# Design report: Moderating comment spam")
    assert '`split.strategy="random"`' in report  # set for this iteration
    assert "**random** (set for this iteration)" in report
    assert "Evidence: leak_auc 0.91." in report
    assert "| train | 10 |" in report
    assert "## Final metrics on the test rows" in report
    assert "| pr_auc |" in report
    assert "### Intended use" in report  # the card's headings one level down
    assert "| 03_training_data.ipynb | 1.5 |" in report
    page = html_path.read_text()
    assert page.count('class="mlkit-chart"') == 1
    assert "vegaEmbed" in page
    assert "<script src" not in page
    assert "<h2>Framing</h2>" in page
    assert "status **open**" in report
    assert "the run has not finished" in report


def test_a_report_without_charts_carries_no_chart_library(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    log.record("x.y", stage="scoping", question="Which?", choice="a")
    _, html_path = write_report(cases.load("spam"), log)
    assert "vegaEmbed" not in html_path.read_text()
    assert json.loads((log.folder / "iteration.json").read_text())["case"] == "spam"


def test_markdown_tables_escape_pipes_and_cut_long_tables():
    frame = pd.DataFrame({"rule": ["a|b"] * 25, "n": range(25)})
    text = markdown_table(frame, max_rows=20)
    assert "| a\\|b | 0 |" in text
    assert "|---|---:|" in text
    assert "*5 more rows in the design log.*" in text


def test_the_display_leads_with_the_decisions_that_differ(tmp_path):
    a = DesignLog("demo", run_dir=tmp_path, iteration=1)
    b = DesignLog("demo", run_dir=tmp_path, iteration=2)
    for log, strategy in ((a, "time"), (b, "random")):
        log.record("metric.primary", stage="scoping", question="Which?", choice="cost")
        log.record(
            "split.strategy", stage="training_data", question="How?", choice=strategy
        )
    comparison = DesignLog.compare(a, b)
    assert comparison._display_frame()["key"].tolist() == ["split.strategy"]
    assert len(comparison.to_frame()) == 2
    same = DesignLog.compare(a, a)
    assert len(same._display_frame()) == 2  # nothing differs: every decision shows
