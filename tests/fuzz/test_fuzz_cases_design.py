"""Generated input for mlkit.cases, mlkit.design and mlkit.exercises."""

from __future__ import annotations

import math
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from mlkit import cases, design, exercises, fairness
from mlkit._exceptions import MlkitWarning
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import call, fuzz_settings, fuzzes, has_columns

# --------------------------------------------------------------------------- cases

#: A valid case.toml, one line per entry, so that a test can spoil one of them.
VALID_TOML = [
    'title = "A test case"',
    'story = "Rows to predict."',
    'task = "binary"',
    "[columns]",
    'target = "y"',
    "positive_label = 1",
    "[costs]",
    'unit = "USD"',
    "false_positive = 1.0",
    "false_negative = 2.0",
    "[deployment]",
    'prediction = "online"',
    "[data]",
    'file = "data/d.csv"',
    'sha256 = "' + "0" * 64 + '"',
    "[data.schema]",
    'y = "integer"',
    'x = "numeric"',
]
#: Replacements of a line: a wrong type, an unknown value, broken syntax, unicode.
SPOILS = [
    None,
    'task = "ranking"',
    "task = 3",
    'title = """',
    'tïtle = "é"',
    'positive_label = "yes"',
    "false_positive = -1.0",
    "false_positive = nan",
    'prediction = "sometimes"',
    'file = "../outside.csv"',
    'file = "data/d.xlsx"',
    'sha256 = "abc"',
    'y = "money"',
    'x = "numeric"\nz = "datetime"',
    "[nonsense]",
    'target = "nope"',
    "= = =",
    'stages = ["scoping", "nowhere"]',
    "\x00",
]


@fuzzes("mlkit.cases.load")
@given(st.data())
@fuzz_settings(60)
def test_load(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / data.draw(st.sampled_from(["case", "cäse 年", "x.y"]))
        folder.mkdir()
        lines = list(VALID_TOML)
        # Half the files are valid; the others spoil one line.
        if data.draw(st.sampled_from([False, True])):
            at = data.draw(st.integers(0, len(lines) - 1))
            spoil = data.draw(st.sampled_from(SPOILS))
            if spoil is None:
                del lines[at]
            else:
                lines[at] = spoil
        (folder / "case.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (Path(tmp) / "afile").write_text("x")
        case = data.draw(
            st.sampled_from(
                ["folder", "folder_str", "toml", "name"] * 2
                + [
                    "missing",
                    "afile",
                    "unknown_name",
                    "number",
                    "none",
                    "empty",
                ]
            )
        )
        argument = {
            "folder": folder,
            "folder_str": str(folder),
            "toml": folder / "case.toml",
            "missing": Path(tmp) / "nowhere",
            "afile": Path(tmp) / "afile",
            "name": data.draw(st.sampled_from(["spam", "income", "bikes"])),
            "unknown_name": data.draw(st.text(max_size=8)),
            "number": 3,
            "none": None,
            "empty": "",
        }[case]

        def check(result):
            assert isinstance(result, cases.Case)
            assert result.spec.task in cases.TASKS

        call("mlkit.cases.load", cases.load, argument, check=check)


@fuzzes("mlkit.cases.available")
@given(st.data())
@fuzz_settings(5)
def test_available(data):
    def check(table):
        has_columns(
            table, ["title", "task", "target", "rows", "stages", "path", "problem"]
        )
        assert {"spam", "income"} <= set(table.index)

    call("mlkit.cases.available", cases.available, check=check)


#: Classes of a target, two-valued fractions included (0.5 and 1.5).
TARGET_CLASSES = st.sampled_from(
    [(0, 1), ("no", "yes"), (0, 1, 2), ("a", "b", "c"), (0.5, 1.5), (False, True)]
)


@fuzzes("mlkit.cases.new_case")
@given(st.data())
@fuzz_settings(15)
def test_new_case(data):
    # Most calls are valid; the others spoil one argument each.
    spoil = data.draw(
        st.sampled_from(
            [None] * 8
            + ["data", "folder", "target", "time_column", "sensitive", "title", "y"]
        )
    )
    n = gen.rows(data, 0 if spoil == "y" else 6, 40)
    frame = gen.frame(data, n, max_columns=3)
    if spoil == "y":
        frame["target"] = data.draw(
            st.sampled_from(
                [gen.floats(data, n), np.full(n, np.nan), np.zeros(n), np.arange(n)]
            )
        )
    elif data.draw(st.integers(0, 3)):
        classes = data.draw(TARGET_CLASSES)
        y = gen.labels(data, n, classes=classes, min_classes=2)
        y[: len(classes)] = classes  # every class on some row
        frame["target"] = y
    else:  # a number to regress
        frame["target"] = gen.floats(data, n, nasty=False)
    with_time = data.draw(st.booleans())
    if with_time:
        stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="h")
        frame["when"] = stamps
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        suffix = data.draw(
            st.sampled_from(
                [".txt", ".xlsx"] if spoil == "data" else [".csv", ".parquet"]
            )
        )
        source = base / f"données{suffix}"
        if suffix == ".parquet":
            frame.reset_index(drop=True).to_parquet(source)
        else:
            frame.to_csv(source, index=False)
        (base / "afile").write_text("x")
        folder = base / data.draw(
            st.sampled_from(["afile"] if spoil == "folder" else ["new", "nouveau cas"])
        )
        columns = list(frame.columns)
        first = columns[0]
        path = data.draw(
            st.sampled_from([base / "missing.csv", 3])
            if spoil == "data" and data.draw(st.booleans())
            else st.sampled_from([source, str(source)])
        )
        target = data.draw(
            st.sampled_from(["nope", 3, None])
            if spoil == "target"
            else st.just("target")
        )
        time_column = (
            data.draw(st.sampled_from([first, "nope", "target"]))
            if spoil == "time_column"
            else ("when" if with_time and data.draw(st.booleans()) else None)
        )
        sensitive = data.draw(
            st.sampled_from([["target"], [3], "nope"])
            if spoil == "sensitive"
            else st.sampled_from([(), [first], first])
        )
        title = data.draw(
            st.sampled_from(["", " ", 3])
            if spoil == "title"
            else st.sampled_from([None, "Un titre"])
        )

        def check(case):
            assert isinstance(case, cases.Case)
            assert case.spec.target == target
            assert (folder / "case.toml").is_file()
            loaded = case.load_data()
            assert list(loaded.columns) == columns
            y = loaded[target]
            assert len(loaded) == int(frame[target].notna().sum())
            if case.spec.task == "binary":
                assert y.nunique() == 2
                assert case.spec.positive_label in set(y)
            if time_column is not None:
                assert case.spec.time_column == time_column

        call(
            "mlkit.cases.new_case",
            cases.new_case,
            folder,
            path,
            target,
            time_column=time_column,
            group_column=data.draw(st.sampled_from([None, None, first])),
            sensitive=sensitive,
            title=title,
            overwrite=data.draw(st.booleans()),
            check=check,
        )


# --------------------------------------------------------------------------- stages


@fuzzes("mlkit.design.stage")
@given(st.data())
@fuzz_settings(60)
def test_stage(data):
    kind = data.draw(st.sampled_from(["slug", "slug", "text", "odd"]))
    slug = data.draw(
        {
            "slug": st.sampled_from(design.STAGE_SLUGS),
            "text": st.text(max_size=10),
            "odd": st.sampled_from([None, 3, ["scoping"], "Scoping"]),
        }[kind]
    )
    call(
        "mlkit.design.stage",
        design.stage,
        slug,
        check=lambda s: s.slug == slug,
    )


@fuzzes("mlkit.design.stages_frame")
@given(st.data())
@fuzz_settings(50)
def test_stages_frame(data):
    # Most calls are valid; the others spoil one argument.
    spoil = data.draw(st.sampled_from([None] * 5 + ["applies", "decisions"]))
    slugs = st.sampled_from(design.STAGE_SLUGS)
    applies = data.draw(
        st.one_of(
            st.lists(st.sampled_from(["nowhere", "Ω", None]), min_size=1, max_size=2),
            st.sampled_from(["scoping", 3, {"scoping": 1}]),
        )
        if spoil == "applies"
        else st.one_of(
            st.none(),
            st.lists(slugs, max_size=4),
            st.lists(slugs, max_size=3).map(tuple),
        )
    )
    applied = None if applies is None or spoil else set(applies)
    counts = st.one_of(st.integers(0, 5), st.sampled_from([np.int64(2), np.uint8(1)]))
    decisions = data.draw(
        st.one_of(
            st.dictionaries(
                st.sampled_from(["nowhere", "Ω"]), counts, min_size=1, max_size=1
            ),
            st.dictionaries(
                slugs,
                st.sampled_from([-1, 1.5, "2", None, np.nan, True]),
                min_size=1,
                max_size=2,
            ),
            st.sampled_from([[("scoping", 1)], "scoping", 3]),
        )
        if spoil == "decisions"
        else st.one_of(st.none(), st.dictionaries(slugs, counts, max_size=4))
    )

    def check(frame):
        has_columns(
            frame,
            [
                "number",
                "slug",
                "title",
                "chapters",
                "notebook",
                "question",
                "applies",
                "decisions",
                "ready",
            ],
        )
        assert frame["slug"].tolist() == list(design.STAGE_SLUGS)
        expected = dict(decisions or {})
        assert frame["decisions"].tolist() == [
            int(expected.get(slug, 0)) for slug in design.STAGE_SLUGS
        ]
        if applied is not None:
            assert set(frame.loc[frame["applies"], "slug"]) == applied
        elif applies is None:
            assert frame["applies"].all()

    call(
        "mlkit.design.stages_frame",
        design.stages_frame,
        applies=applies,
        decisions=decisions,
        check=check,
    )


# --------------------------------------------------------------------------- the log

KEYS = st.one_of(
    st.sampled_from(["split.strategy", "metric.primary", "model.kind", "a.b.c"]),
    st.from_regex(r"[a-z][a-z0-9_]{0,4}\.[a-z0-9_]{1,4}", fullmatch=True),
    st.sampled_from(["Split", "split", "", None, 3, "é.x", "a..b"]),
)
STAGES = st.one_of(
    st.sampled_from(design.STAGE_SLUGS), st.sampled_from(["nowhere", None, 3])
)
SCALARS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=6),
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            np.float64(0.5),
            np.int64(3),
            np.bool_(True),
            np.float32(np.nan),
            np.str_("ñ"),
            pd.NA,
            pd.NaT,
        ]
    ),
)


def _nested(inner):
    return st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(st.text(max_size=4), st.integers(0, 3)), inner, max_size=3
        ),
    )


VALUES = st.recursive(SCALARS, _nested, max_leaves=6)
ODD = st.sampled_from(
    [
        1 + 2j,
        {1, "a"},
        {2.0, float("nan")},
        pd.Timestamp("2024-01-01"),
        np.arange(3),
        pd.Series([1.0, np.nan]),
        len,
    ]
)


def plain(value):
    """What a value reads back as: JSON's kinds, NaN as None."""
    return design._jsonable(value, "value")


def same_json(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            same_json(x, y) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_json(a[k], b[k]) for k in a)
    return a == b and type(a) is type(b)


@fuzzes("mlkit.design.DesignLog")
@given(st.data())
@fuzz_settings(40)
def test_design_log(data):
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = data.draw(
            st.sampled_from([tmp, Path(tmp) / "runs é", Path(tmp) / "afile"])
        )
        (Path(tmp) / "afile").write_text("x")
        log = call(
            "mlkit.design.DesignLog",
            design.DesignLog,
            data.draw(st.sampled_from(["demo", "spam", "cas été", "", "a/b", 3, None])),
            run_dir=run_dir,
            iteration=data.draw(
                st.sampled_from(["latest", "new", 1, 2, 0, "first", 1.0, True])
            ),
        )
        if log is None:
            return
        recorded = {}
        for _ in range(data.draw(st.integers(1, 4))):
            key = data.draw(KEYS)
            options = data.draw(st.one_of(st.just(()), st.lists(SCALARS, max_size=3)))
            choice = data.draw(
                st.one_of(
                    SCALARS, st.sampled_from(options) if options else SCALARS, ODD
                )
            )
            evidence = data.draw(
                st.one_of(
                    st.none(),
                    st.dictionaries(st.text(max_size=5), VALUES, max_size=3),
                    ODD.map(lambda v: {"x": v}),
                    st.sampled_from([[1, 2], "text"]),
                )
            )
            decision = call(
                "mlkit.design.DesignLog",
                log.record,
                key,
                stage=data.draw(STAGES),
                question=data.draw(
                    st.sampled_from(
                        ["How do we split?", "", "  ", None, "Qu'est-ce ? 年"]
                    )
                ),
                choice=choice,
                options=options,
                rationale=data.draw(st.sampled_from(["", "because", "ünïcode"])),
                evidence=evidence,
            )
            if decision is not None:
                assert same_json(decision.choice, plain(choice))
                recorded[key] = decision
        for key, decision in recorded.items():
            again = call("mlkit.design.DesignLog", log.get, key)
            assert again is not None
            assert same_json(again.choice, decision.choice)
            assert same_json(dict(again.evidence), dict(decision.evidence))
        frame = call(
            "mlkit.design.DesignLog", log.to_frame, history=data.draw(st.booleans())
        )
        if frame is not None:
            has_columns(
                frame,
                [
                    "stage",
                    "key",
                    "question",
                    "choice",
                    "options",
                    "rationale",
                    "evidence",
                    "source",
                    "time",
                ],
            )
            assert set(recorded) <= set(frame["key"])
        if data.draw(st.booleans()):
            with warnings.catch_warnings():
                # Recalling an undecided key warns that the default is used, by design.
                warnings.simplefilter("ignore", design.DefaultsUsedWarning)
                call(
                    "mlkit.design.DesignLog",
                    log.recall,
                    data.draw(KEYS),
                    default=data.draw(SCALARS),
                    stage=data.draw(STAGES),
                )
        _experiments(data, log)
        _artifacts(data, log)
        repr(log)
        log._repr_html_()
        if data.draw(st.booleans()):
            other = design.DesignLog(log.case, run_dir=log.run_dir, iteration="new")
            call(
                "mlkit.design.DesignLog",
                design.DesignLog.compare,
                log,
                data.draw(st.sampled_from([other, log, "log"])),
            )


def _experiments(data, log):
    for _ in range(data.draw(st.integers(0, 2))):
        metrics = data.draw(
            st.one_of(
                st.dictionaries(
                    st.sampled_from(["pr_auc", "rmse", "é", "", "time"]),
                    st.one_of(
                        st.floats(),
                        st.sampled_from(
                            [np.float64(0.5), np.int64(2), True, "0.5", None]
                        ),
                    ),
                    max_size=3,
                ),
                st.sampled_from([None, [0.5], "pr_auc"]),
            )
        )
        run = call(
            "mlkit.design.DesignLog",
            log.record_experiment,
            data.draw(st.sampled_from(["logistic", "boosting+smote", "a b", "", None])),
            stage=data.draw(STAGES),
            metrics=metrics,
            model=data.draw(st.sampled_from([None, "rule", 3, 1 + 2j])),
            params=data.draw(
                st.sampled_from([None, {"k": 1, "ñ": [np.nan]}, [1], {"s": {1, 2}}])
            ),
            notes=data.draw(st.sampled_from(["", "note", 3])),
            duration_s=data.draw(
                st.sampled_from([None, 1.5, -1.0, np.inf, "2", np.float32(0.25)])
            ),
        )
        if run is not None:
            for name, value in metrics.items():
                assert same_json(run.metrics[name], float(value))
    table = call(
        "mlkit.design.DesignLog",
        log.experiments,
        stage=data.draw(st.sampled_from([None, "model_development", "nowhere"])),
        history=data.draw(st.booleans()),
    )
    if table is not None:
        has_columns(
            table, ["time", "stage", "name", "model", "duration_s", "notes", "params"]
        )


def _artifacts(data, log):
    n = gen.rows(data, 0, 5)
    obj = data.draw(
        st.sampled_from(
            [
                "frame",
                "series",
                "array",
                "objects",
                "json",
                "odd",
            ]
        )
    )
    value = {
        "frame": gen.frame(data, n, max_columns=2).reset_index(drop=True),
        "series": gen.column(data, n, data.draw(st.sampled_from(gen.KINDS))).rename(
            data.draw(st.sampled_from([None, "s", "é", 3]))
        ),
        "array": gen.floats(data, n),
        "objects": np.array([1, "a"], dtype=object),
        "json": data.draw(VALUES),
        "odd": data.draw(ODD),
    }[obj]
    name = data.draw(st.sampled_from(["split", "model.final", "a b", "", "../x", 3]))
    path = call(
        "mlkit.design.DesignLog",
        log.save_artifact,
        name,
        value,
        stage=data.draw(STAGES),
        description=data.draw(st.sampled_from(["", "désc"])),
    )
    back = call(
        "mlkit.design.DesignLog",
        log.load_artifact,
        name if data.draw(st.booleans()) else "missing",
    )
    if path is not None and back is not None and obj in ("array",):
        np.testing.assert_array_equal(back, value)
    if path is not None and back is not None and obj == "json":
        assert same_json(back, plain(value))
    table = call("mlkit.design.DesignLog", lambda: log.artifacts)
    if table is not None and path is not None:
        assert name in set(table["name"])


# --------------------------------------------------------------------------- model card


def _group_result(data):
    """What mlkit.fairness.group_metrics returns on a few generated rows."""
    n = gen.rows(data, 4, 40)
    y_true = gen.binary_labels(data, n)
    y_pred = gen.binary_labels(data, n)
    groups = np.asarray(
        data.draw(st.lists(st.sampled_from(["f", "m", "x"]), min_size=n, max_size=n))
    )
    with warnings.catch_warnings():
        # Small groups and undefined rates are warned about, by design.
        warnings.simplefilter("ignore", MlkitWarning)
        return fairness.group_metrics(y_true, y_pred, sensitive_features=groups)


@fuzzes("mlkit.design.model_card")
@given(st.data())
@fuzz_settings(12)
def test_model_card(data):
    # Most calls are valid; the others spoil one argument each.
    spoil = data.draw(
        st.sampled_from(
            [None] * 7
            + ["case", "log", "metrics", "group_metrics", "texts", "model_details"]
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        case = data.draw(
            st.sampled_from(["nowhere", 3, ""])
            if spoil == "case"
            else st.sampled_from(["spam", "income"])
        )
        log = None
        if spoil == "log" or data.draw(st.booleans()):
            other = {"spam": "income", "income": "spam"}.get(case, "spam")
            log = design.DesignLog(
                other if spoil == "log" or case not in ("spam", "income") else case,
                run_dir=tmp,
            )
            log.record(
                "metric.primary",
                stage="scoping",
                question="Which metric?",
                choice="pr_auc",
            )
            if data.draw(st.booleans()):
                log.record_experiment(
                    "logistic", stage="model_development", metrics={"pr_auc": 0.5}
                )
            if spoil == "log" and data.draw(st.booleans()):
                log = data.draw(st.sampled_from(["log", {"metric": 1}]))
        value = st.one_of(
            st.floats(0, 1),
            st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)),
            st.sampled_from([np.float64(0.5), 1, np.nan]),
        )
        metrics = data.draw(
            st.sampled_from(
                [
                    {"pr_auc": None},
                    {"é": (1, 2)},
                    {"roc_auc": "x"},
                    [0.5],
                    "roc_auc",
                    pd.DataFrame({"a": [1]}),
                ]
            )
            if spoil == "metrics"
            else st.one_of(
                st.none(),
                st.dictionaries(
                    st.sampled_from(["roc_auc", "pr_auc", "é"]), value, max_size=3
                ),
                st.sampled_from(
                    [
                        pd.DataFrame({"metric": ["roc_auc"], "value": [0.8]}),
                        pd.DataFrame(
                            {
                                "metric": ["roc_auc", "pr_auc"],
                                "value": [0.8, 0.4],
                                "low": [0.7, 0.3],
                                "high": [0.9, 0.5],
                            }
                        ),
                    ]
                ),
            )
        )
        if spoil == "group_metrics":
            group_metrics = data.draw(
                st.sampled_from(
                    ["sex", {"sex": 3}, {"sex": pd.DataFrame({"sex": ["a"]})}]
                )
            )
        else:
            group_metrics = data.draw(st.sampled_from([None, {}, "result", "table"]))
            if group_metrics in ("result", "table"):
                result = _group_result(data)
                group_metrics = {
                    "sex": result if group_metrics == "result" else result.to_frame()
                }
        good_texts = st.sampled_from(["", "Une phrase.", ["a", "b"], (), ["**gras**"]])
        bad_texts = st.sampled_from([3, [None], [1.5]])
        ethical = data.draw(bad_texts if spoil == "texts" else good_texts)
        caveats = data.draw(
            bad_texts if spoil == "texts" and data.draw(st.booleans()) else good_texts
        )
        details = data.draw(
            st.sampled_from([3, ["owner"]])
            if spoil == "model_details"
            else st.sampled_from(
                [None, {"owner": "équipe"}, "details", {"n": np.nan}, {"n": 3}]
            )
        )

        def check(card):
            assert len(card.sections) == 9
            assert list(card.sections)[:4] == [
                "Model details",
                "Intended use",
                "Factors",
                "Metrics",
            ]
            assert all(isinstance(text, str) for text in card.sections.values())
            markdown = card.to_markdown()
            assert card.to_html().startswith("<!DOCTYPE html>")
            for sentence in (ethical, caveats):
                for line in [sentence] if isinstance(sentence, str) else sentence:
                    assert line in markdown

        call(
            "mlkit.design.model_card",
            design.model_card,
            case,
            log,
            metrics=metrics,
            group_metrics=group_metrics,
            ethical_considerations=ethical,
            caveats=caveats,
            model_details=details,
            check=check,
        )


# --------------------------------------------------------------------------- exercises

#: Exercise ids: the real ones twice as often as each kind of wrong one.
IDS = st.sampled_from(["real", "real", "wrong", "text", "odd"]).flatmap(
    lambda kind: {
        "real": st.sampled_from(exercises.exercises()["id"].tolist()),
        "wrong": st.sampled_from(["99.9", "", "3.2", "03.2 "]),
        "text": st.text(max_size=5),
        "odd": st.sampled_from([None, 3, 3.2, ["00.1"]]),
    }[kind]
)
ANSWERS = st.one_of(
    st.just(...),
    SCALARS,
    st.sampled_from(
        [[1, 2], {"a": 1}, np.arange(3), pd.Series([1.0]), pd.DataFrame({"a": [1]})]
    ),
)


@fuzzes("mlkit.exercises.check")
@given(st.data())
@fuzz_settings(60)
def test_check(data):
    context = data.draw(
        st.dictionaries(
            st.sampled_from(["y_train", "df", "case", "model", "X"]),
            ANSWERS,
            max_size=2,
        )
    )

    def check(feedback):
        assert feedback.status in ("correct", "wrong", "unanswered")
        str(feedback)

    call(
        "mlkit.exercises.check",
        exercises.check,
        data.draw(IDS),
        data.draw(ANSWERS),
        check=check,
        **context,
    )


#: What learners pass to select a notebook: its number, its name, its file name.
NOTEBOOKS = st.sampled_from(
    [
        "00",
        "0",
        "3",
        "03",
        "12",
        "03_training_data",
        "03_training_data.ipynb",
        "07_offline_evaluation",
        "11",
    ]
)


@fuzzes("mlkit.exercises.exercises")
@given(st.data())
@fuzz_settings(40)
def test_exercises(data):
    kind = data.draw(st.sampled_from(["none"] + ["name"] * 6 + ["bad", "text", "odd"]))
    notebook = data.draw(
        {
            "none": st.none(),
            "name": NOTEBOOKS,
            "bad": st.sampled_from(["", " ", ".ipynb", "99", "-1", "03_training"]),
            "text": st.text(max_size=4),
            "odd": st.sampled_from([3, ["00"], b"00"]),
        }[kind]
    )

    def check(table):
        has_columns(table, ["id", "notebook", "title"])
        assert table["id"].is_unique
        assert table["id"].is_monotonic_increasing
        if notebook is not None:
            assert len(table)
            assert table["notebook"].nunique() == 1
            (chosen,) = set(table["notebook"])
            key = notebook.strip().removesuffix(".ipynb")
            assert chosen.removesuffix(".ipynb") == key or chosen[:2] == key.zfill(2)
            assert table["id"].str.startswith(chosen[:2] + ".").all()

    call("mlkit.exercises.exercises", exercises.exercises, notebook, check=check)


@fuzzes("mlkit.exercises.learners_copy")
@given(st.data())
@fuzz_settings(12)
def test_learners_copy(data):
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "afile").write_text("x")
        (base / "done").mkdir()
        (base / "done" / "00_start_here.ipynb").write_text("{}")
        # Most calls are valid; the others spoil one argument.
        spoil = data.draw(
            st.sampled_from([None, None, "out", "notebooks", "overwrite"])
        )
        out = data.draw(
            st.sampled_from(
                ["done", "afile", "int"] if spoil == "out" else ["new", "str", "done"]
            )
        )
        target = {
            "new": base / "cópia",
            "done": base / "done",
            "afile": base / "afile",
            "int": 3,
            "str": str(base / "s"),
        }[out]
        notebooks = data.draw(
            st.sampled_from(
                ["99", [3], "", []]
                if spoil == "notebooks"
                else ["00", ["00", "01"], "00_start_here.ipynb", ["00", "00"]]
            )
        )

        def check(paths):
            assert all(p.is_file() for p in paths)
            assert len(paths) == len(set(paths))

        call(
            "mlkit.exercises.learners_copy",
            exercises.learners_copy,
            target,
            notebooks=notebooks,
            overwrite="no" if spoil == "overwrite" else data.draw(st.booleans()),
            check=check,
        )
