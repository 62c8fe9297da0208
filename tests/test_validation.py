"""Tests for mlkit._validation: the argument checks shared by mlkit's functions."""

from __future__ import annotations

import math

import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit._validation import check_confidence, check_int, check_number, model_errors


def test_model_errors_names_the_argument_and_chains_the_error():
    with (
        pytest.raises(MlkitValueError) as info,
        model_errors("model", "predict on 'X'"),
    ):
        raise KeyError("income")
    message = str(info.value)
    assert message.startswith("'model' could not predict on 'X': KeyError: 'income'")
    assert "\nHint: check that 'model' is fitted" in message
    assert isinstance(info.value.__cause__, KeyError)


def test_model_errors_of_a_function_speak_of_a_function():
    with (
        pytest.raises(MlkitValueError) as info,
        model_errors("heuristic", "run on 'X_test'", function=True),
    ):
        raise AttributeError("'Series' object has no attribute 'lower'")
    message = str(info.value)
    assert "'heuristic' is a function of yours" in message
    assert "fitted" not in message


def test_model_errors_passes_mlkit_errors_and_other_exceptions_through():
    own = MlkitValueError("'X' has no rows.\nHint: pass rows.")
    with (
        pytest.raises(MlkitValueError) as info,
        model_errors("model", "predict on 'X'"),
    ):
        raise own
    assert info.value is own
    # Not an error about the data (a bug, an interrupt): left as it is.
    with pytest.raises(RuntimeError), model_errors("model", "predict on 'X'"):
        raise RuntimeError("out of file handles")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (0, MlkitValueError),
        (1.0, MlkitTypeError),
        (True, MlkitTypeError),
        ("3", MlkitTypeError),
    ],
)
def test_check_int_refuses_what_is_not_an_int_of_at_least_low(value, error):
    with pytest.raises(
        error, match=r"'n' must be an integer of at least 1; got"
    ) as info:
        check_int(value, "n", 1, "3")
    assert "\nHint: pass, for example, n=3." in str(info.value)


def test_check_int_and_check_number_return_plain_numbers():
    import numpy as np

    assert check_int(np.int64(4), "n", 1, "3") == 4
    assert type(check_int(np.int64(4), "n", 1, "3")) is int
    assert check_number(np.float32(0.5), "p", low=0, high=1, example="0.5") == 0.5


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "allowed"),
    [
        (0.0, {"low": 0, "open_low": True}, MlkitValueError, "(0, inf]"),
        (1.0, {"high": 1, "open_high": True}, MlkitValueError, "[-inf, 1)"),
        (math.nan, {}, MlkitValueError, "[-inf, inf]"),
        (math.inf, {"low": 0}, MlkitValueError, "[0, inf]"),
        ("0.5", {"low": 0, "high": 1}, MlkitTypeError, "[0, 1]"),
        (None, {}, MlkitTypeError, "[-inf, inf]"),
    ],
)
def test_check_number_says_what_range_is_allowed(value, kwargs, error, allowed):
    with pytest.raises(error) as info:
        check_number(value, "p", example="0.5", **kwargs)
    assert f"'p' must be a number in {allowed}; got {value!r}." in str(info.value)


@pytest.mark.parametrize("value", [0, 1, -0.5, 1.5, float("nan"), "0.95", None])
def test_check_confidence_is_open_zero_one(value):
    with pytest.raises((MlkitValueError, MlkitTypeError), match="'confidence'") as info:
        check_confidence(value)
    assert "\nHint: " in str(info.value)
    assert check_confidence(0.9) == 0.9
