"""Tests of mk.cases.new_case and `mlkit new-case`: a case folder from a user's data file.

The data are not shipped cases: scikit-learn's bundled sets (offline) and a generated
messy frame, written as CSV, gzipped CSV and Parquet.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlkit as mk
from mlkit._exceptions import MlkitValueError
from mlkit.cli import main


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix in (".parquet", ".pq"):
        frame.to_parquet(path, index=False)
    elif path.name.endswith(".gz"):
        frame.to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})
    else:
        frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def messy() -> pd.DataFrame:
    """Missing values in features and target, dates, text, unicode names, an ID."""
    rng = np.random.default_rng(7)
    n = 240
    words = np.array(
        [
            "the",
            "parcel",
            "arrived",
            "late",
            "and",
            "the",
            "box",
            "was",
            "damaged",
            "but",
            "support",
            "answered",
            "quickly",
            "kindly",
            "refunded",
            "never",
            "again",
            "great",
            "service",
            "slow",
            "delivery",
        ]
    )
    comments = [
        " ".join(rng.choice(words, size=rng.integers(6, 14))) + f" order {i}"
        for i in range(n)
    ]
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in rng.permutation(n)],
            "signup": (
                pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(n), unit="D")
            ).strftime("%Y-%m-%d"),
            "città": rng.choice([f"town_{k}" for k in range(70)], size=n),
            "âge": rng.integers(18, 80, size=n),
            "spend €": np.round(rng.gamma(2.0, 30.0, size=n), 2),
            "newsletter": rng.choice(["yes", "no"], size=n),
            "comment": comments,
            "churned": rng.choice(["stayed", "left"], size=n, p=[0.7, 0.3]),
        }
    )
    frame.loc[rng.random(n) < 0.1, "spend €"] = np.nan
    frame.loc[rng.random(n) < 0.1, "città"] = np.nan
    frame.loc[[3, 50, 100], "churned"] = np.nan
    return frame


EXPECTED_MESSY = {
    "customer_id": "id",
    "signup": "datetime",
    "città": "category",
    "âge": "integer",
    "spend €": "numeric",
    "newsletter": "boolean",
    "comment": "text",
    "churned": "category",
}


# --------------------------------------------------------------------------- sklearn


def test_binary_from_breast_cancer_csv(tmp_path):
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    data = write(frame, tmp_path / "cancer.csv")
    case = mk.cases.new_case(tmp_path / "cancer", data, "target")
    spec = case.spec
    assert spec.task == "binary"
    # 212 malignant (0) against 357 benign (1): the rarer class is the positive one.
    assert spec.positive_label == 0
    assert spec.data.schema["target"] == "integer"
    assert set(spec.data.schema.values()) == {"numeric", "integer"}
    assert spec.data.rows == 569
    assert spec.exclude_columns == ()
    assert spec.costs.false_positive == spec.costs.false_negative == 1.0
    assert "placeholder: equal costs" in spec.costs.rationale
    copied = case.path / "data" / "cancer.csv"
    assert spec.data.sha256 == sha256(copied) == sha256(data)
    assert case.verify() == spec.data.sha256
    df = case.load_data()
    assert df.shape == frame.shape
    np.testing.assert_allclose(df["mean radius"], frame["mean radius"])
    readme = case.readme
    assert "569 rows" in readme
    assert "| `1` | 357 | 62.7% |" in readme
    assert "212 of 569 rows" in case.spec_file.read_text(encoding="utf-8")


def test_multiclass_from_wine_csv_gz(tmp_path):
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    data = write(frame, tmp_path / "wine.csv.gz")
    case = mk.cases.new_case(tmp_path / "wine", data, "target", title="Wine cultivars")
    assert case.spec.task == "multiclass"
    assert case.spec.positive_label is None
    assert case.spec.title == "Wine cultivars"
    assert case.spec.data.schema["target"] == "integer"
    assert case.spec.costs.misclassification == 1.0
    assert case.load_data()["target"].value_counts().sort_index().tolist() == [
        59,
        71,
        48,
    ]


def test_regression_from_diabetes_parquet(tmp_path):
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    data = write(frame, tmp_path / "diabetes.parquet")
    case = mk.cases.new_case(tmp_path / "diabetes", data, "target", sensitive=["sex"])
    spec = case.spec
    assert spec.task == "regression"
    assert spec.sensitive_columns == ("sex",)
    assert spec.data.schema["bmi"] == "numeric"
    assert spec.data.schema["sex"] == "integer"  # 1.0 and 2.0: whole numbers
    assert (spec.costs.over_prediction, spec.costs.under_prediction) == (1.0, 1.0)
    assert spec.costs.target_quantile() == 0.5
    assert sha256(case.data_file) == sha256(data) == spec.data.sha256
    assert "| median | 140.5 |" in case.readme


# --------------------------------------------------------------------------- messy


@pytest.mark.parametrize("name", ["messy.csv", "messy.csv.gz", "messy.parquet"])
def test_messy_frame_in_every_format(messy, tmp_path, name):
    data = write(messy, tmp_path / name)
    before = (sha256(data), data.stat().st_mtime_ns)
    case = mk.cases.new_case(tmp_path / "messy", data, "churned", sensitive=["âge"])
    spec = case.spec
    assert (sha256(data), data.stat().st_mtime_ns) == before  # input untouched
    assert dict(spec.data.schema) == EXPECTED_MESSY
    assert spec.task == "binary"
    assert spec.positive_label == "left"  # the rarer class
    assert spec.text_column == "comment"  # inferred: the long, distinct strings
    assert spec.exclude_columns == ("customer_id",)
    toml = case.spec_file.read_text(encoding="utf-8")
    assert "identifier" in toml
    assert '# time = "signup"' in toml  # a datetime column, offered as the time
    assert "sensitive, with 61 values" in toml  # too many groups: bin them
    # Three rows have no target: the case reader refuses them, so the copy leaves
    # them out, and the README and SOURCE.md say so.
    assert spec.data.rows == len(messy) - 3
    df = case.load_data()
    assert len(df) == len(messy) - 3
    assert df["churned"].notna().all()
    assert (
        df["spend €"].isna().sum() == messy["spend €"].drop([3, 50, 100]).isna().sum()
    )
    assert pd.api.types.is_datetime64_any_dtype(df["signup"])
    assert "missing in 3 of 240 rows" in case.readme
    assert sha256(data) in case.source
    assert spec.data.sha256 == sha256(case.data_file)
    assert case.verify() == spec.data.sha256


def test_missing_value_strings_become_na_values(tmp_path):
    frame = pd.DataFrame(
        {
            "x": ["1", "2", "?", "4", "NA", "6"] * 5,
            "y": ["a", "b", "c"] * 10,
        }
    )
    data = write(frame, tmp_path / "q.csv")
    case = mk.cases.new_case(tmp_path / "q", data, "y")
    assert case.spec.data.na_values == ("?", "NA")
    assert case.spec.data.schema["x"] == "integer"
    assert case.load_data()["x"].isna().sum() == 10


@pytest.mark.parametrize("name", ["d.csv", "d.parquet"])
def test_a_binary_target_of_two_fractions_makes_a_case_that_loads(tmp_path, name):
    frame = pd.DataFrame(
        {"x": np.arange(12.0), "y": [0.5, 1.5, 0.5, 0.5] * 2 + [0.5, 1.5, 0.5, 0.5]}
    )
    case = mk.cases.new_case(tmp_path / "c", write(frame, tmp_path / name), "y")
    assert case.spec.task == "binary"
    assert case.spec.data.schema["y"] == "category"
    assert case.spec.positive_label == "1.5"  # the rarer class
    y = case.load_data()["y"]
    assert sorted(y.cat.categories) == ["0.5", "1.5"]
    assert (y == case.spec.positive_label).sum() == 3


def test_spellings_of_one_whole_number_are_one_class(tmp_path):
    frame = pd.DataFrame(
        {"x": np.arange(8), "y": ["0.0", "-0.0", "1", "1.0", "0", "0", "1", "0"]}
    )
    case = mk.cases.new_case(tmp_path / "c", write(frame, tmp_path / "d.csv"), "y")
    assert (case.spec.task, case.spec.positive_label) == ("binary", 1)
    assert case.load_data()["y"].value_counts().to_dict() == {0: 5, 1: 3}
    frame["y"] = ["1", "1.0"] * 4
    with pytest.raises(MlkitValueError, match=r"'target' 'y' has one value only"):
        mk.cases.new_case(tmp_path / "e", write(frame, tmp_path / "e.csv"), "y")
    assert not (tmp_path / "e").exists()


def test_named_special_columns(messy, tmp_path):
    data = write(messy, tmp_path / "messy.csv")
    case = mk.cases.new_case(
        tmp_path / "m",
        data,
        "churned",
        time_column="signup",
        group_column="customer_id",
        text_column="comment",
        sensitive=["âge", "città"],
    )
    spec = case.spec
    assert spec.time_column == "signup"
    assert spec.group_column == "customer_id"
    # A group is kept whatever its spread: not an identifier to exclude.
    assert spec.data.schema["customer_id"] == "category"
    assert spec.exclude_columns == ()
    assert spec.text_column == "comment"
    assert spec.sensitive_columns == ("âge", "città")


def test_output_is_deterministic(messy, tmp_path):
    data = write(messy, tmp_path / "messy.csv.gz")
    a = mk.cases.new_case(tmp_path / "a" / "case", data, "churned")
    b = mk.cases.new_case(tmp_path / "b" / "case", data, "churned")
    for name in ("case.toml", "README.md", "data/SOURCE.md", "data/messy.csv.gz"):
        assert (a.path / name).read_bytes() == (b.path / name).read_bytes(), name


def test_overwrite(messy, tmp_path):
    data = write(messy, tmp_path / "messy.csv")
    folder = tmp_path / "case"
    mk.cases.new_case(folder, data, "churned")
    (folder / "hooks.py").write_text("def heuristic(X):\n    return X\n")
    with pytest.raises(MlkitValueError, match=r"'folder'.*not empty") as info:
        mk.cases.new_case(folder, data, "newsletter")
    assert "overwrite=True" in str(info.value)
    case = mk.cases.new_case(folder, data, "newsletter", overwrite=True)
    assert case.spec.target == "newsletter"
    assert case.spec.data.schema["newsletter"] == "boolean"
    assert (folder / "hooks.py").is_file()  # not written by new_case: kept


# --------------------------------------------------------------------------- errors


@pytest.fixture
def small(tmp_path) -> Path:
    frame = pd.DataFrame(
        {
            "label": ["a", "b"] * 10,
            "when": ["2024-01-0" + str(1 + i % 9) for i in range(20)],
            "x": np.arange(20.0) / 3,
            "same": ["s"] * 20,
            "empty": [np.nan] * 20,
        }
    )
    return write(frame, tmp_path / "small.csv")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"target": "lable"}, r"'target' is 'lable'.*\nHint: did you mean 'label'\?"),
        (
            {"time_column": "wen"},
            r"'time_column' is 'wen'.*\nHint: did you mean 'when'",
        ),
        ({"time_column": "x"}, r"'time_column' 'x' does not hold dates"),
        ({"group_column": "grp"}, r"'group_column' is 'grp'"),
        ({"text_column": "label"}, r"'text_column' is the target"),
        ({"sensitive": ["x", "sex"]}, r"'sensitive' is 'sex'"),
        ({"sensitive": "label"}, r"'sensitive' lists the target"),
        ({"target": "same"}, r"'target' 'same' has one value only"),
        ({"target": "empty"}, r"'target' 'empty' is missing on every row"),
        ({"title": " "}, r"'title' must be a non-empty string"),
    ],
)
def test_errors_name_the_argument(small, tmp_path, kwargs, pattern):
    kwargs = {"target": "label", **kwargs}
    with pytest.raises(MlkitValueError, match=pattern) as info:
        mk.cases.new_case(tmp_path / "c", small, **kwargs)
    assert "\nHint: " in str(info.value)
    assert not (tmp_path / "c").exists()  # nothing written before the checks pass


def test_errors_on_the_file(tmp_path):
    with pytest.raises(MlkitValueError, match=r"'data' is .*does not exist"):
        mk.cases.new_case(tmp_path / "c", tmp_path / "nope.csv", "y")
    (tmp_path / "data.xlsx").write_bytes(b"x")
    with pytest.raises(MlkitValueError, match=r"'data' is 'data.xlsx'.*not a CSV"):
        mk.cases.new_case(tmp_path / "c", tmp_path / "data.xlsx", "y")
    with pytest.raises(TypeError, match="'data' must be the path"):
        mk.cases.new_case(tmp_path / "c", pd.DataFrame({"y": [1]}), "y")


# --------------------------------------------------------------------------- CLI


def test_cli_end_to_end(messy, tmp_path, capsys):
    data = write(messy, tmp_path / "messy.parquet")
    folder = tmp_path / "shop"
    args = ["new-case", str(folder), "--data", str(data), "--target", "churned"]
    assert main([*args, "--sensitive", "âge", "città", "--title", "Churn"]) == 0
    out = capsys.readouterr().out
    assert "task       binary (positive label 'left')" in out
    assert "excluded   customer_id" in out
    assert "sensitive  âge, città" in out
    assert "comment" in out
    assert "text" in out
    assert f"mlkit run {folder.resolve()}" in out
    case = mk.cases.load(folder)
    assert case.spec.title == "Churn"
    # A second time: the folder is not empty.
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "mlkit new-case: 'folder'" in err
    assert "Hint:" in err
    assert main([*args, "--force", "--time-column", "signup"]) == 0
    assert mk.cases.load(folder).spec.time_column == "signup"
    assert main([*args[:-1], "churn", "--force"]) == 1
    assert "did you mean 'churned'?" in capsys.readouterr().err


# --------------------------------------------------------------------------- run


@pytest.mark.notebook
@pytest.mark.slow
def test_scaffolded_case_runs_through_every_notebook(tmp_path):
    from sklearn.datasets import load_diabetes

    from mlkit._execute import case_notebooks, run_case

    frame = load_diabetes(as_frame=True, scaled=False).frame.iloc[:250].copy()
    rng = np.random.default_rng(1)
    frame.loc[rng.random(len(frame)) < 0.1, "bmi"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.02, "target"] = np.nan
    data = write(frame, tmp_path / "diabetes.csv")
    case = mk.cases.new_case(tmp_path / "diabetes", data, "target", sensitive=["sex"])
    summary = run_case(case, out=tmp_path / "runs", progress=False, echo=lambda s: None)
    assert [p.name for p in summary.notebooks] == [p.name for p in case_notebooks(case)]
    for path in summary.notebooks:
        assert (summary.log.folder / path.name).is_file()
    assert summary.log.status == "complete"
    assert summary.log.decisions
