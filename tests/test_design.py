"""Tests for mlkit.design: the stages, the design log, artifacts and comparisons."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlkit._exceptions import DesignLogError, MlkitTypeError, MlkitValueError
from mlkit.design import (
    STAGE_SLUGS,
    STAGES,
    DefaultsUsedWarning,
    DesignComparison,
    DesignLog,
    DesignLogWarning,
    Experiment,
    stage,
    stages_frame,
)


def record(log, key="split.strategy", choice="time", **kwargs):
    kwargs.setdefault("stage", "training_data")
    kwargs.setdefault("question", "How do we split?")
    return log.record(key, choice=choice, **kwargs)


# --------------------------------------------------------------------------- stages


def test_stages_are_the_book_process_in_order():
    assert [s.number for s in STAGES] == list(range(13))
    assert len(set(STAGE_SLUGS)) == 13
    assert STAGE_SLUGS[0] == "start"
    assert STAGE_SLUGS[-1] == "review"
    for s in STAGES:
        assert s.notebook.startswith(f"{s.number:02d}_")
        assert s.notebook.endswith(".ipynb")
        assert s.question.endswith("?")
        assert all(1 <= ch <= 11 for ch in s.chapters)


def test_stage_lookup():
    assert stage("monitoring").chapters == (8,)
    with pytest.raises(MlkitValueError, match="'slug' must be one of"):
        stage("evaluation")


def test_stages_frame():
    frame = stages_frame(applies=["start", "scoping"], decisions={"scoping": 2})
    assert len(frame) == 13
    assert frame["applies"].sum() == 2
    assert frame.set_index("slug").loc["scoping", "decisions"] == 2
    assert frame.set_index("slug").loc["start", "ready"]


# --------------------------------------------------------------------------- decisions


def test_nothing_is_written_before_the_first_decision(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    assert log.iteration == 1
    assert log.status == "new"
    assert log.decisions == []
    assert log.to_frame().empty
    assert not (tmp_path / "spam").exists()


def test_record_get_and_read_back(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    decision = record(
        log,
        options=["random", "time"],
        rationale="Deployment predicts the future.",
        evidence={"pr_auc": np.float64(0.8), "rows": np.int64(10), "ok": True},
    )
    assert decision.choice == "time"
    assert decision.source == "notebook"
    assert log.folder == tmp_path / "spam" / "iter-1"
    assert log.status == "open"
    again = DesignLog("spam", run_dir=tmp_path)  # a later notebook reads it back
    got = again.get("split.strategy")
    assert got.choice == "time"
    assert got.options == ("random", "time")
    assert got.evidence == {"pr_auc": 0.8, "rows": 10, "ok": True}
    assert again.get("model.kind") is None
    line = json.loads(log.path.read_text().splitlines()[0])
    assert line["type"] == "decision"
    assert line["stage"] == "training_data"
    assert list(line)[:3] == ["time", "type", "case"]


def test_recording_a_key_again_supersedes_and_keeps_history(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    record(log, choice="random")
    record(log, key="model.kind", choice="logistic", stage="model_development")
    record(log, choice="time")
    assert [d.key for d in log.decisions] == ["model.kind", "split.strategy"]
    assert log.get("split.strategy").choice == "time"
    assert len(log.to_frame()) == 2
    history = log.to_frame(history=True)
    assert history["choice"].tolist() == ["random", "logistic", "time"]


def test_evidence_accepts_numpy_and_pandas(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    evidence = {
        "array": np.array([1.5, np.nan]),
        "series": pd.Series({"a": 1, "b": 2}),
        "frame": pd.DataFrame({"x": [1, 2]}),
        "stamp": pd.Timestamp("2024-01-02"),
        "nested": {"t": (1, 2)},
    }
    got = record(log, evidence=evidence).evidence
    assert got == {
        "array": [1.5, None],
        "series": {"a": 1, "b": 2},
        "frame": [{"x": 1}, {"x": 2}],
        "stamp": "2024-01-02T00:00:00",
        "nested": {"t": [1, 2]},
    }


def test_evidence_that_cannot_be_stored(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    with pytest.raises(
        DesignLogError, match=r"'evidence'\['model'\] is a LogisticRegression"
    ):
        record(log, evidence={"model": LogisticRegression()})
    assert not log.path.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "split"}, "'key' must be a dotted lower-case name"),
        ({"key": "Split.Strategy"}, "'key' must be a dotted"),
        ({"stage": "evaluation"}, "'stage' must be one of"),
        ({"question": " "}, "'question' must be a non-empty string"),
        (
            {"options": ["random", "group"]},
            r"'choice' 'time' is not one of the options",
        ),
    ],
)
def test_bad_records_are_refused(tmp_path, kwargs, message):
    log = DesignLog("spam", run_dir=tmp_path)
    with pytest.raises(MlkitValueError, match=message):
        record(log, **kwargs)


@pytest.mark.parametrize("case", ["", "a/b", 3, None])
def test_bad_case_names(tmp_path, case):
    with pytest.raises(MlkitTypeError, match="'case' must be a case name"):
        DesignLog(case, run_dir=tmp_path)


def test_iterations(tmp_path):
    assert DesignLog.iterations("spam", run_dir=tmp_path) == []
    record(DesignLog("spam", run_dir=tmp_path))
    record(DesignLog("spam", run_dir=tmp_path, iteration="new"))
    record(DesignLog("spam", run_dir=tmp_path, iteration=5))
    assert DesignLog.iterations("spam", run_dir=tmp_path) == [1, 2, 5]
    assert DesignLog("spam", run_dir=tmp_path).iteration == 5
    assert DesignLog("spam", run_dir=tmp_path, iteration="new").iteration == 6
    assert DesignLog("other", run_dir=tmp_path).iteration == 1
    for bad in (0, -1, "newest", 1.5, True):
        with pytest.raises(MlkitValueError, match="'iteration' must be"):
            DesignLog("spam", run_dir=tmp_path, iteration=bad)


def test_overrides_replace_the_proposed_choice(tmp_path):
    log = DesignLog.start(
        "spam", run_dir=tmp_path, overrides={"split.strategy": "random"}
    )
    decision = record(log, options=["random", "time"], rationale="Time is safer.")
    assert decision.choice == "random"
    assert decision.source == "override"
    assert "proposed 'time'" in decision.rationale
    assert log.overrides == {"split.strategy": "random"}
    with pytest.raises(MlkitValueError, match="'key' must be"):
        DesignLog.start("spam", run_dir=tmp_path, overrides={"bad": 1})


def test_recall_reads_an_earlier_decision(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    record(log, choice="group")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            log.recall("split.strategy", default="time", stage="training_data")
            == "group"
        )


def test_recall_falls_back_to_the_default_and_says_so(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    with pytest.warns(DefaultsUsedWarning, match=r"Run 03_training_data.ipynb first"):
        choice = log.recall("split.strategy", default="time", stage="training_data")
    assert choice == "time"
    recorded = log.get("split.strategy")
    assert recorded.source == "default"
    assert "case's default" in recorded.rationale


def test_a_corrupted_line_is_reported_and_the_rest_read(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    record(log, choice="random")
    with log.path.open("a") as fh:
        fh.write('{"type": "decision", "key": "half a line\n')
        fh.write("\n")
        fh.write('{"type": "note"}\n')
    record(log, key="model.kind", choice="tree", stage="model_development")
    with pytest.warns(DesignLogWarning) as caught:
        decisions = DesignLog("spam", run_dir=tmp_path).decisions
    assert [d.key for d in decisions] == ["split.strategy", "model.kind"]
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2
    assert "line 2, is not a valid design-log line" in messages[0]
    assert "line 4," in messages[1]


def test_status_and_metadata(tmp_path):
    log = DesignLog.start("spam", run_dir=tmp_path, source="test")
    assert log.status == "open"
    log.set_status("running", note="go", pid=123)
    log.set_status("complete")
    meta = log.metadata
    assert meta["status"] == "complete"
    assert meta["pid"] == 123
    assert meta["created_by"] == "test"
    assert [h["status"] for h in meta["history"]] == ["running", "complete"]


# --------------------------------------------------------------------------- artifacts


def test_dataframe_series_and_array_round_trip(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    frame = pd.DataFrame(
        {
            "x": [1.5, 2.5, None],
            "c": pd.Categorical(["a", "b", "a"]),
            "s": ["u", "v", "w"],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02", None]),
        }
    )
    series = pd.Series([3, 4], name="pred")
    array = np.arange(6).reshape(2, 3)
    log.save_artifact("frame", frame, stage="training_data")
    log.save_artifact("pred", series, stage="model_development")
    path = log.save_artifact("idx", array, stage="training_data", description="rows")
    assert path == log.folder / "artifacts" / "idx.npy"
    again = DesignLog("spam", run_dir=tmp_path)
    pd.testing.assert_frame_equal(again.load_artifact("frame"), frame)
    pd.testing.assert_series_equal(again.load_artifact("pred"), series)
    np.testing.assert_array_equal(again.load_artifact("idx"), array)
    assert again.artifacts["name"].tolist() == ["frame", "pred", "idx"]
    assert again.artifacts.set_index("name").loc["idx", "description"] == "rows"


def test_json_artifact(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    log.save_artifact(
        "params", {"C": 1.0, "cols": ("a", "b")}, stage="model_development"
    )
    assert log.load_artifact("params") == {"C": 1.0, "cols": ["a", "b"]}


def test_estimator_round_trip_with_skops(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    log = DesignLog("spam", run_dir=tmp_path)
    path = log.save_artifact("model", model, stage="model_development")
    assert path.suffix == ".skops"
    loaded = log.load_artifact("model")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_model_with_untrusted_types_is_refused(tmp_path):
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Homemade(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

    log = DesignLog("spam", run_dir=tmp_path)
    log.save_artifact(
        "model", Homemade().fit([[0], [1]], [0, 1]), stage="model_development"
    )
    with pytest.raises(
        DesignLogError, match=r"types mlkit does not load on trust: .*Homemade"
    ):
        log.load_artifact("model")


def test_a_changed_or_missing_artifact_is_refused(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    path = log.save_artifact("idx", np.arange(4), stage="training_data")
    np.save(path, np.arange(5))
    with pytest.raises(DesignLogError, match="changed after it was saved"):
        log.load_artifact("idx")
    path.unlink()
    with pytest.raises(DesignLogError, match="was deleted"):
        log.load_artifact("idx")
    with pytest.raises(DesignLogError, match="'name' 'split' is no artifact"):
        log.load_artifact("split")


def test_a_missing_artifact_is_rebuilt_and_said_so(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    with pytest.warns(DefaultsUsedWarning, match="rebuilt from the case's defaults"):
        got = log.load_artifact(
            "split", rebuild=lambda: np.arange(3), stage="training_data"
        )
    np.testing.assert_array_equal(got, np.arange(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(log.load_artifact("split"), np.arange(3))
    with pytest.raises(MlkitValueError, match="'stage' is needed"):
        log.load_artifact("other", rebuild=lambda: 1)


@pytest.mark.parametrize(
    ("name", "obj", "error", "message"),
    [
        ("bad name!", 1, MlkitValueError, "'name' must be a file-name-like"),
        ("objects", np.array([object(), 1]), MlkitValueError, "holds Python objects"),
        ("thing", object(), MlkitTypeError, "is not a DataFrame, Series"),
    ],
)
def test_artifacts_that_cannot_be_saved(tmp_path, name, obj, error, message):
    log = DesignLog("spam", run_dir=tmp_path)
    with pytest.raises(error, match=message):
        log.save_artifact(name, obj, stage="training_data")


# --------------------------------------------------------------------------- experiments

FIXED_COLUMNS = ["time", "stage", "name", "model", "duration_s", "notes"]


def experiment(log, name="logistic", **kwargs):
    kwargs.setdefault("stage", "model_development")
    kwargs.setdefault("metrics", {"pr_auc": 0.6})
    return log.record_experiment(name, **kwargs)


def test_experiment_round_trip(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5))
    run = experiment(
        log,
        "logistic+scaled",
        model=model,
        metrics={"pr_auc": 0.61, "expected_cost": 1.8},
        params={"class_weight": "balanced", "features": ("raw", "engineered")},
        notes=" first try ",
        duration_s=2,
    )
    assert isinstance(run, Experiment)
    assert run.model == "standardscaler → logisticregression(C=0.5)"
    assert "max_iter" not in run.model  # a default is not worth a line
    again = DesignLog("spam", run_dir=tmp_path).experiments()
    row = again.iloc[0]
    assert row["name"] == "logistic+scaled"
    assert row["stage"] == "model_development"
    assert row["model"] == run.model
    assert (row["pr_auc"], row["expected_cost"], row["duration_s"]) == (0.61, 1.8, 2.0)
    assert row["notes"] == "first try"
    assert json.loads(row["params"]) == {
        "class_weight": "balanced",
        "features": ["raw", "engineered"],
    }
    assert run.params == json.loads(row["params"])
    assert run.metrics == {"pr_auc": 0.61, "expected_cost": 1.8}
    assert run.time == row["time"]
    line = json.loads(log.path.read_text().splitlines()[0])
    assert list(line)[:6] == ["time", "type", "case", "iteration", "stage", "name"]
    assert line["type"] == "experiment"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (None, ""),
        (LogisticRegression(), "LogisticRegression"),
        (
            LogisticRegression(C=np.float64(0.5), class_weight="balanced"),
            "LogisticRegression(C=0.5, class_weight='balanced')",
        ),
        ("amount > 500", "amount > 500"),  # a rule of thumb is no estimator
    ],
    ids=["none", "defaults", "changed", "text"],
)
def test_experiment_model_descriptions(tmp_path, model, expected):
    log = DesignLog("spam", run_dir=tmp_path)
    assert experiment(log, model=model).model == expected


def test_a_hand_named_pipeline_step_says_its_class(tmp_path):
    from sklearn.pipeline import Pipeline

    model = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    log = DesignLog("spam", run_dir=tmp_path)
    assert experiment(log, model=model).model == "scale → clf:LogisticRegression"


def test_experiment_metrics_accept_numpy_and_store_nan_as_null(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    run = experiment(
        log,
        metrics={
            "pr_auc": np.float32(0.5),
            "recall": np.float64(0.25),
            "alerts": np.int64(12),
            "brier": float("nan"),
        },
    )
    assert run.metrics["pr_auc"] == 0.5
    assert all(type(v) is float for v in run.metrics.values())
    assert np.isnan(run.metrics["brier"])
    line = json.loads(log.path.read_text())
    assert line["metrics"] == {
        "pr_auc": 0.5,
        "recall": 0.25,
        "alerts": 12.0,
        "brier": None,
    }
    frame = log.experiments()
    assert frame[["pr_auc", "recall", "alerts", "brier"]].dtypes.eq("float64").all()
    assert np.isnan(frame.loc[0, "brier"])


def test_experiments_keep_every_run_and_show_the_latest_by_default(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    experiment(log, "logistic", metrics={"pr_auc": 0.5})
    experiment(log, "boosting", metrics={"pr_auc": 0.7})
    experiment(log, "logistic", metrics={"pr_auc": 0.6})
    latest = log.experiments()
    assert latest["name"].tolist() == ["boosting", "logistic"]
    assert latest.set_index("name").loc["logistic", "pr_auc"] == 0.6
    history = log.experiments(history=True)
    assert history["name"].tolist() == ["logistic", "boosting", "logistic"]
    assert history["pr_auc"].tolist() == [0.5, 0.7, 0.6]
    assert list(history.index) == [0, 1, 2]


def test_experiments_sorted_by_time(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    experiment(log, "later")
    experiment(log, "earlier")
    lines = log.path.read_text().splitlines()
    first = json.loads(lines[0]) | {"time": "2030-01-01T00:00:00Z"}
    log.path.write_text(json.dumps(first) + "\n" + lines[1] + "\n")
    assert log.experiments()["name"].tolist() == ["earlier", "later"]


def test_experiments_by_stage(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    experiment(log, "logistic")
    experiment(log, "logistic", stage="offline_evaluation", metrics={"pr_auc": 0.4})
    experiment(log, "boosting", stage="offline_evaluation")
    development = log.experiments(stage="model_development")
    assert development["name"].tolist() == ["logistic"]
    assert development["pr_auc"].tolist() == [0.6]  # not the later run elsewhere
    assert log.experiments(stage="offline_evaluation")["name"].tolist() == [
        "logistic",
        "boosting",
    ]
    assert log.experiments(stage="fairness").empty
    with pytest.raises(MlkitValueError, match="'stage' must be one of"):
        log.experiments(stage="evaluation")


def test_experiment_columns_are_the_union_of_metrics(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    experiment(log, "logistic", metrics={"pr_auc": 0.6, "recall": 0.5})
    experiment(log, "boosting", metrics={"pr_auc": 0.7, "brier": 0.1}, params={"a": 1})
    frame = log.experiments()
    assert list(frame.columns) == [
        *FIXED_COLUMNS,
        "pr_auc",
        "recall",
        "brier",
        "params",
    ]
    table = frame.set_index("name")
    assert np.isnan(table.loc["logistic", "brier"])
    assert np.isnan(table.loc["boosting", "recall"])
    assert np.isnan(table.loc["logistic", "duration_s"])
    assert table["params"].tolist() == ["{}", '{"a": 1}']


def test_no_experiment_gives_an_empty_table(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    assert list(log.experiments().columns) == [*FIXED_COLUMNS, "params"]
    assert log.experiments().empty
    record(log)  # a log written before experiments existed reads the same way
    assert log.experiments(history=True).empty
    assert "experiment(s) recorded" not in log._repr_html_()


BAD_EXPERIMENTS = [
    # (what, arguments, error, message naming the argument)
    ("name with a space", {"name": "logistic regression"}, MlkitValueError, "'name'"),
    ("name not a string", {"name": 3}, MlkitValueError, "'name'"),
    ("unknown stage", {"stage": "evaluation"}, MlkitValueError, "'stage'"),
    ("metrics not a mapping", {"metrics": [0.6]}, MlkitTypeError, "'metrics'"),
    (
        "metric not a number",
        {"metrics": {"pr_auc": "0.6"}},
        MlkitTypeError,
        "'metrics'",
    ),
    ("bool metric", {"metrics": {"passed": True}}, MlkitTypeError, "'metrics'"),
    (
        "numpy bool",
        {"metrics": {"passed": np.bool_(True)}},
        MlkitTypeError,
        "'metrics'",
    ),
    ("infinite metric", {"metrics": {"ratio": np.inf}}, MlkitValueError, "'metrics'"),
    ("metric name not text", {"metrics": {1: 0.5}}, MlkitTypeError, "'metrics'"),
    (
        "metric named like a column",
        {"metrics": {"name": 1}},
        MlkitValueError,
        "'metrics'",
    ),
    ("negative duration", {"duration_s": -1.0}, MlkitValueError, "'duration_s'"),
    ("duration not a number", {"duration_s": "2s"}, MlkitTypeError, "'duration_s'"),
    ("infinite duration", {"duration_s": np.inf}, MlkitValueError, "'duration_s'"),
    (
        "params not JSON",
        {"params": {"fn": object()}},
        DesignLogError,
        r"'params'\['fn'\]",
    ),
    ("params not a mapping", {"params": ["a"]}, MlkitTypeError, "'params'"),
    ("model not an estimator", {"model": 3}, MlkitTypeError, "'model'"),
    ("notes not text", {"notes": None}, MlkitTypeError, "'notes'"),
]


@pytest.mark.parametrize(
    ("what", "kwargs", "error", "message"),
    BAD_EXPERIMENTS,
    ids=[b[0] for b in BAD_EXPERIMENTS],
)
def test_bad_experiments_are_refused_with_a_hint(
    tmp_path, what, kwargs, error, message
):
    log = DesignLog("spam", run_dir=tmp_path)
    with pytest.raises(error, match=message) as info:
        experiment(log, **kwargs)
    assert "\nHint: " in str(info.value)
    assert not log.path.exists()


def test_experiments_leave_decisions_and_comparisons_alone(tmp_path):
    one = DesignLog("spam", run_dir=tmp_path, iteration=1)
    two = DesignLog("spam", run_dir=tmp_path, iteration=2)
    for log in (one, two):
        record(log)
        experiment(log, "logistic")
    experiment(two, "boosting")
    metrics = {"pr_auc": 0.6}
    experiment(one, "logistic", metrics=metrics)
    assert metrics == {"pr_auc": 0.6}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # experiment lines are valid lines
        assert len(two.decisions) == 1
        assert two.to_frame()["key"].tolist() == ["split.strategy"]
        assert len(one.to_frame(history=True)) == 1
        assert two.artifacts.empty
        assert DesignLog.compare(one, two).changed == []
    html = two._repr_html_()
    assert "2 experiment(s) recorded; <code>log.experiments()</code>" in html
    assert repr(two).endswith(f"1 decision(s), at {two.path}>")
    with two.path.open("a") as fh:  # edited by hand: metrics not an object
        fh.write('{"type": "experiment", "name": "x", "stage": "data", "metrics": 1}\n')
    with pytest.warns(DesignLogWarning, match="its metrics are not an object"):
        assert two.experiments()["name"].tolist() == ["logistic", "boosting"]


# --------------------------------------------------------------------------- compare


def test_compare_two_iterations(tmp_path):
    one = DesignLog("spam", run_dir=tmp_path, iteration=1)
    two = DesignLog("spam", run_dir=tmp_path, iteration=2)
    record(one, choice="random", evidence={"pr_auc": 0.9, "n": {"rows": 100}})
    record(two, choice="time", evidence={"pr_auc": 0.8, "n": {"rows": 100}})
    for log in (one, two):
        record(log, key="metric.primary", choice="expected_cost", stage="scoping")
    record(two, key="model.kind", choice="tree", stage="model_development")
    comparison = DesignLog.compare(one, two)
    assert isinstance(comparison, DesignComparison)
    table = comparison.to_frame().set_index("key")
    assert table.loc["split.strategy", "status"] == "changed"
    assert table.loc["metric.primary", "status"] == "same"
    assert table.loc["model.kind", "status"] == "only in b"
    assert comparison.changed == ["split.strategy", "model.kind"]
    assert comparison.to_frame()["key"].tolist()[0] == "metric.primary"  # process order
    evidence = comparison.evidence.set_index("measure")
    assert evidence.loc["pr_auc", "difference"] == pytest.approx(-0.1)
    assert evidence.loc["n.rows", "difference"] == 0
    spec = comparison.chart().to_dict()
    assert len(spec["vconcat"]) == 2
    html = comparison._repr_html_()
    assert "2 of 3 decision(s) differ" in html
    assert repr(comparison).startswith(
        "<DesignComparison: spam iter-1 against spam iter-2"
    )


def test_compare_without_decisions_or_evidence(tmp_path):
    empty = DesignComparison._build(
        DesignLog("a", run_dir=tmp_path), DesignLog("a", run_dir=tmp_path, iteration=2)
    )
    assert empty.changed == []
    assert empty.chart().to_dict()["mark"]["type"] == "text"
    one = DesignLog("b", run_dir=tmp_path, iteration=1)
    two = DesignLog("b", run_dir=tmp_path, iteration=2)
    record(one)
    record(two)
    assert "layer" in DesignLog.compare(one, two).chart().to_dict()


def test_compare_needs_logs(tmp_path):
    with pytest.raises(MlkitTypeError, match="'b' must be a DesignLog"):
        DesignLog.compare(DesignLog("a", run_dir=tmp_path), "iter-2")


def test_log_display(tmp_path):
    log = DesignLog("spam", run_dir=tmp_path)
    assert "No decision recorded yet" in log._repr_html_()
    record(log)
    record(log, key="metric.primary", choice="cost", stage="scoping")
    html = log._repr_html_()
    assert "split.strategy" in html
    assert "vegaEmbed" in html
    layers = log.chart(applies=["start", "scoping"]).to_dict()["layer"]
    dots = next(layer for layer in layers if layer["mark"]["type"] == "circle")
    data = log.chart().to_dict()["datasets"]
    counts = {
        row["slug"]: row["decisions"]
        for rows in data.values()
        for row in rows
        if "slug" in row
    }
    assert counts["scoping"] == 1
    assert counts["training_data"] == 1
    assert dots["encoding"]["color"]["field"] == "status"
    assert repr(log) == f"<DesignLog 'spam' iteration 1: 2 decision(s), at {log.path}>"
