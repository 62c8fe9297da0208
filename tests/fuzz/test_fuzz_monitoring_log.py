"""Generated input for mlkit.monitoring.write_prediction_log: sizes, files and seeds."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from mlkit import monitoring
from tests.fuzz._harness import call, fuzz_settings, fuzzes


def _valid_log(n_rows, n_files):
    def check(folder):
        files = sorted(Path(folder).glob("part-*.parquet"))
        assert len(files) == n_files
        table = pq.read_table(files)
        assert table.num_rows == n_rows
        assert table.column_names == list(monitoring.LOG_COLUMNS)
        return True

    return check


@fuzzes("mlkit.monitoring.write_prediction_log")
@given(st.data())
@fuzz_settings(12)
def test_write_prediction_log(data):
    # One argument spoilt at a time, so that most calls write a log.
    problem = data.draw(
        st.sampled_from([None] * 6 + ["n_rows", "n_files", "days", "seed", "path"])
    )
    n_rows = data.draw(st.integers(1, 2_000))
    n_files = data.draw(st.integers(1, min(n_rows, 5)))
    n_days = data.draw(st.integers(1, 40))
    shift_day = data.draw(st.integers(0, 45))
    random_state = data.draw(st.integers(0, 2**31))
    if problem == "n_rows":
        n_rows = data.draw(st.sampled_from([0, -5, 10.5, "100", None]))
    elif problem == "n_files":
        n_files = data.draw(st.sampled_from([0, n_rows + 1, 2.0, "3"]))
    elif problem == "days":
        n_days = data.draw(st.sampled_from([0, -1, 1.5]))
    elif problem == "seed":
        random_state = data.draw(st.sampled_from([-1, 0.5, "0", None]))
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "log"
        if problem == "path":
            path.write_text("not a folder")
        call(
            "mlkit.monitoring.write_prediction_log",
            monitoring.write_prediction_log,
            str(path),
            n_rows,
            n_files=n_files,
            n_days=n_days,
            shift_day=shift_day,
            random_state=random_state,
            check=_valid_log(n_rows, n_files),
        )
    finally:
        shutil.rmtree(folder)
