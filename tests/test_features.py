"""Tests for mlkit.features: a preprocessor from column kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlkit.cases as cases
from mlkit._exceptions import MlkitValueError
from mlkit.features import make_preprocessor


def test_each_kind_is_encoded_and_ids_and_times_are_left_out():
    df = pd.DataFrame(
        {
            "n": [1.0, np.nan, 3.0, 4.0],
            "i": [1, 2, 3, 4],
            "b": pd.array([True, False, None, True], dtype="boolean"),
            "c": pd.Categorical(["x", "y", "x", None]),
            "t": ["red apple pie", "green apple", "red pie", "apple pie"],
            "id": ["a", "b", "c", "d"],
            "when": pd.date_range("2024-01-01", periods=4),
        }
    )
    kinds = {
        "n": "numeric",
        "i": "integer",
        "b": "boolean",
        "c": "category",
        "t": "text",
        "id": "id",
        "when": "datetime",
    }
    before = df.copy(deep=True)
    pre = make_preprocessor(kinds, min_frequency=1).fit(df)
    names = list(pre.get_feature_names_out())
    assert {"numbers__n", "numbers__i"} <= set(names)
    assert any(n.startswith("categories__c_") for n in names)
    assert any(n.startswith("categories__b_") for n in names)
    assert any(n.startswith("text_t__") for n in names)
    assert not any("id" in n.split("__")[0] or "when" in n for n in names)
    out = pre.transform(df)
    dense = out.toarray() if hasattr(out, "toarray") else out
    assert not np.isnan(dense).any()  # missing values imputed or encoded
    pd.testing.assert_frame_equal(df, before)


def test_columns_select_a_subset():
    kinds = {"a": "numeric", "b": "category"}
    pre = make_preprocessor(kinds, ["a"])
    assert [name for name, *_ in pre.transformers] == ["numbers"]


@pytest.mark.parametrize(
    ("kinds", "columns", "message"),
    [
        ({"a": "numeric"}, ["b"], r"'columns' names 'b', which 'kinds' does not"),
        ({"a": "fancy"}, None, r"unknown kind\(s\) \['fancy'\]"),
        ({"a": "id", "t": "datetime"}, None, "leave no column to encode"),
    ],
)
def test_bad_kinds(kinds, columns, message):
    with pytest.raises(MlkitValueError, match=message):
        make_preprocessor(kinds, columns)


@pytest.mark.parametrize("name", ["spam", "income", "fraud", "bikes"])
def test_fits_every_shipped_case(name):
    case = cases.load(name)
    df = case.load_data()
    columns = list(case.spec.feature_columns)
    out = make_preprocessor(case.spec.data.schema, columns).fit_transform(df[columns])
    assert out.shape[0] == len(df)
    assert out.shape[1] > len(columns)


def test_dense_output_on_request():
    df = pd.DataFrame({"c": list("abcdefghij") * 10, "n": range(100)})
    kinds = {"c": "category", "n": "numeric"}
    sparse = make_preprocessor(kinds, min_frequency=1).fit_transform(df)
    dense = make_preprocessor(kinds, min_frequency=1, dense=True).fit_transform(df)
    assert hasattr(sparse, "toarray")
    assert isinstance(dense, np.ndarray)
    np.testing.assert_array_equal(sparse.toarray(), dense)


def test_encode_target():
    from mlkit.features import encode_target

    values = pd.Series(["spam", "ham", "spam"], index=[5, 6, 7])
    encoded = encode_target(values, task="binary", positive_label="spam")
    assert encoded.tolist() == [1, 0, 1]
    assert encoded.index.tolist() == [5, 6, 7]
    assert encode_target(values, task="multiclass").equals(values)
    with pytest.raises(MlkitValueError, match="'positive_label' must be one of"):
        encode_target(values, task="binary", positive_label="eggs")
