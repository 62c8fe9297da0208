"""write_prediction_log: a synthetic log as Parquet files, with known shifts."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import LOG_COLUMNS, write_prediction_log


@pytest.fixture(scope="module")
def log_folder(tmp_path_factory):
    return write_prediction_log(tmp_path_factory.mktemp("log"), 200_000, n_files=8)


def test_rows_files_columns_and_types(log_folder):
    files = sorted(log_folder.glob("part-*.parquet"))
    assert [f.name for f in files] == [f"part-{i:05d}.parquet" for i in range(8)]
    log = pd.read_parquet(log_folder)
    assert len(log) == 200_000
    assert list(log.columns) == list(LOG_COLUMNS)
    assert set(log["segment"]) == {"north", "south", "east", "west"}
    assert set(log["channel"]) == {"web", "app", "store"}
    assert log["day"].between(0, 29).all()
    assert log["day"].is_monotonic_increasing
    assert log["age"].between(18, 90).all()
    assert log["score"].between(0, 1).all()
    assert (log["prediction"] == (log["score"] >= 0.5)).all()
    assert set(log["label"]) == {0, 1}
    # Each file a contiguous span of days, as a log partitioned by time.
    firsts = [pq.read_table(f, columns=["day"])["day"][0].as_py() for f in files]
    assert firsts == sorted(firsts)


def test_the_planted_shifts_and_only_those(log_folder):
    log = pd.read_parquet(log_folder)
    after = log["day"] >= 20
    app = log.groupby(after)["channel"].apply(lambda c: (c == "app").mean())
    assert app[False] == pytest.approx(0.35, abs=0.01)
    assert app[True] == pytest.approx(0.45, abs=0.01)
    ratio = log.loc[after, "amount"].median() / log.loc[~after, "amount"].median()
    assert ratio == pytest.approx(1.15, abs=0.02)
    for column in ("age", "tenure"):
        assert log.loc[after, column].mean() == pytest.approx(
            log.loc[~after, column].mean(), rel=0.01
        )
    # The scores stay calibrated everywhere but in the west segment after the shift.
    gap = (log["label"] - log["score"]).groupby([after, log["segment"]]).mean()
    assert gap[(True, "west")] > 0.15
    assert gap.drop((True, "west")).abs().max() < 0.01


def test_the_same_arguments_give_the_same_data(tmp_path, log_folder):
    again = write_prediction_log(tmp_path / "again", 200_000, n_files=8)
    pd.testing.assert_frame_equal(pd.read_parquet(again), pd.read_parquet(log_folder))
    other = write_prediction_log(tmp_path / "other", 200_000, n_files=8, random_state=1)
    assert not pd.read_parquet(other)["amount"].equals(
        pd.read_parquet(log_folder)["amount"]
    )


def test_the_files_do_not_depend_on_how_many_there_are(tmp_path):
    one = pd.read_parquet(write_prediction_log(tmp_path / "a", 1_000, n_files=1))
    assert one["day"].tolist() == (np.arange(1_000) * 30 // 1_000).tolist()


def test_an_existing_log_is_kept_or_refused(tmp_path):
    folder = write_prediction_log(tmp_path / "log", 1_000, n_files=2)
    first = folder / "part-00000.parquet"
    stamp = first.stat().st_mtime_ns
    assert write_prediction_log(folder, 1_000, n_files=2) == folder
    assert first.stat().st_mtime_ns == stamp  # kept, not written again
    with pytest.raises(MlkitValueError, match="already holds a different") as info:
        write_prediction_log(folder, 2_000, n_files=2)
    assert "overwrite=True" in str(info.value)
    write_prediction_log(folder, 2_000, n_files=3, overwrite=True)
    assert len(pd.read_parquet(folder)) == 2_000
    assert len(list(folder.glob("part-*.parquet"))) == 3


def test_engines_read_the_folder(log_folder):
    pattern = str(log_folder / "*.parquet")
    assert pl.scan_parquet(pattern).select(pl.len()).collect().item() == 200_000
    assert duckdb.sql(f"select count(*) from '{pattern}'").fetchall()[0][0] == 200_000


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_rows": 0}, MlkitValueError, "'n_rows'"),
        ({"n_rows": 10.5}, MlkitTypeError, "'n_rows'"),
        ({"n_rows": 3, "n_files": 4}, MlkitValueError, "'n_files' is 4"),
        ({"n_days": 0}, MlkitValueError, "'n_days'"),
        ({"random_state": -1}, MlkitValueError, "'random_state'"),
    ],
)
def test_bad_input_is_refused_with_a_hint(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        write_prediction_log(tmp_path / "log", **{"n_rows": 100, **kwargs})
    assert "\nHint: " in str(info.value)


def test_a_file_is_not_a_folder(tmp_path):
    path = tmp_path / "log"
    path.write_text("")
    with pytest.raises(MlkitValueError, match=r"'path' .* is a file"):
        write_prediction_log(path, 100)
