"""The checkers of notebook 12: each on its right answer and on the mistakes it names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlkit as mk
from mlkit.design import DesignLog
from mlkit.exercises._core import STRICT_ENV


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    # The notebook tests run in strict mode; here every verdict must come back.
    monkeypatch.delenv(STRICT_ENV, raising=False)


def splits(values, half):
    values = np.asarray(values, dtype=float)
    return pd.DataFrame(
        {
            "split": ["time", "random"],
            "pr_auc": values,
            "low": values - half,
            "high": values + half,
        }
    )


@pytest.mark.parametrize(
    ("values", "half", "real"),
    [
        ([0.50, 0.60], 0.03, True),
        ([0.50, 0.52], 0.03, False),
        ([0.5, 0.55], 0.03, True),
    ],
)
def test_progress_or_noise_accepts_the_margin_of_the_difference(values, half, real):
    frame = splits(values, half)
    feedback = mk.exercises.check("12.1", real, splits=frame, metric="pr_auc")
    assert feedback.passed, str(feedback)
    assert not mk.exercises.check(
        "12.1", not real, splits=frame, metric="pr_auc"
    ).passed


def test_progress_or_noise_names_overlap_and_points_mistakes():
    # 0.05 apart with half-widths 0.03: the intervals overlap, the margin is 0.042.
    overlap = mk.exercises.check(
        "12.1", False, splits=splits([0.5, 0.55], 0.03), metric="pr_auc"
    )
    assert "overlapping 95 % intervals" in overlap.message
    points = mk.exercises.check(
        "12.1", True, splits=splits([0.5, 0.52], 0.03), metric="pr_auc"
    )
    assert "point estimates differ" in points.message
    text = mk.exercises.check(
        "12.1", "yes", splits=splits([0.5, 0.52], 0.03), metric="pr_auc"
    )
    assert text.status == "wrong"
    assert "True or False" in text.message
    assert mk.exercises.check("12.1", None, splits=None, metric=None).passed
    assert not mk.exercises.check("12.1", True, splits=None, metric=None).passed
    assert mk.exercises.check(
        "12.1", np.bool_(True), splits=splits([0.5, 0.6], 0.03), metric="pr_auc"
    ).passed


@pytest.fixture
def decisions():
    return pd.DataFrame(
        {
            "key": ["metric.secondary", "split.strategy", "model.choice"],
            "choice": ["roc_auc", "group", "boosting"],
            "source": ["default", "notebook", "default"],
        }
    )


def test_defaults_are_listed_by_key(decisions):
    assert mk.exercises.check(
        "12.2", ["model.choice", "metric.secondary"], decisions=decisions
    ).passed
    choices = mk.exercises.check("12.2", ["roc_auc", "boosting"], decisions=decisions)
    assert "choices, not keys" in choices.message
    extra = mk.exercises.check(
        "12.2",
        ["model.choice", "metric.secondary", "split.strategy"],
        decisions=decisions,
    )
    assert "split.strategy came from notebook" in extra.message
    missing = mk.exercises.check("12.2", "model.choice", decisions=decisions)
    assert "1 default decision(s) are missing" in missing.message
    unknown = mk.exercises.check("12.2", ["model.kind"], decisions=decisions)
    assert "'model.kind' is not a decision" in unknown.message


@pytest.fixture
def log(tmp_path):
    log = DesignLog("demo", run_dir=tmp_path)
    log.record(
        "split.strategy",
        stage="training_data",
        question="How?",
        options=["random", "time"],
        choice="time",
    )
    log.record(
        "decision.threshold", stage="offline_evaluation", question="Where?", choice=0.3
    )
    return log


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("split.strategy=random", "changes split.strategy from 'time' to 'random'"),
        ("split.strategy = random", "Spaces around '='"),
        ("split.strategy", "has no '='"),
        ("split.strategy=shuffled", "not an option of split.strategy"),
        ("split.strategy=time", "already 'time'"),
        ("model.kind=logistic", "not decided in this iteration"),
        (("split.strategy", "random"), "expected a string"),
        ("decision.threshold=0.4", "from 0.3 to 0.4"),
    ],
)
def test_the_next_setting_is_a_valid_change(log, answer, words):
    feedback = mk.exercises.check("12.3", answer, log=log)
    assert feedback.passed == ("changes" in words or "from 0.3" in words), str(feedback)
    assert words in feedback.message, str(feedback)
