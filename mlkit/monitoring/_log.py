"""A synthetic prediction log, as partitioned Parquet, larger than memory if asked.

A deployed model leaves a log: one row per request with its inputs, its score
and decision, and, later, the outcome. Monitoring reads that log, and it soon
outgrows a laptop's memory. :func:`write_prediction_log` writes one of any size,
file by file (one file in memory at a time), with shifts planted at a known day,
so that the statistics computed on a cluster can be checked against the truth.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mlkit._exceptions import MlkitValueError, with_hint
from mlkit._validation import check_int

__all__ = ["LOG_COLUMNS", "write_prediction_log"]

#: The columns of the log, in order.
LOG_COLUMNS: tuple[str, ...] = (
    "day",
    "segment",
    "channel",
    "age",
    "amount",
    "tenure",
    "score",
    "prediction",
    "label",
)
#: The regions of the log; the model's scores go wrong for the last one after the shift.
SEGMENTS = ("north", "south", "east", "west")
CHANNELS = ("web", "app", "store")
_CHANNEL_SHARES = ((0.5, 0.35, 0.15), (0.4, 0.45, 0.15))
#: Files of about this many rows, unless n_files says otherwise.
ROWS_PER_FILE = 1_000_000
_META = "_prediction_log.json"  # "_" first: Parquet readers of the folder skip it

EXISTS_ERROR = (
    "'path' {path} already holds a different prediction log ({got}); asked for {want}."
)


def _part(
    first: int, rows: int, n_rows: int, n_days: int, shift_day: int, seed: Any
) -> dict[str, np.ndarray]:
    """Rows ``first .. first + rows`` of the log, drawn from their own seed."""
    rng = np.random.default_rng(seed)
    # Rows in time order, as a log is written: file i holds a contiguous span of days.
    index = np.arange(first, first + rows, dtype=np.int64)
    day = (index * n_days // n_rows).astype(np.int16)
    after = day >= shift_day
    segment = rng.integers(0, len(SEGMENTS), rows).astype(np.int8)
    # Covariate shift: more requests come through the app after the shift.
    u = rng.random(rows)
    before_cut = np.cumsum(_CHANNEL_SHARES[0])
    after_cut = np.cumsum(_CHANNEL_SHARES[1])
    channel = np.where(
        after,
        np.searchsorted(after_cut, u, side="right"),
        np.searchsorted(before_cut, u, side="right"),
    ).astype(np.int8)
    age = rng.integers(18, 91, rows).astype(np.int16)
    # Covariate shift: amounts grow by 15 % after the shift.
    amount = rng.lognormal(3.0, 0.8, rows) * np.where(after, 1.15, 1.0)
    tenure = rng.exponential(4.0, rows)
    logit = -1.0 + 0.5 * (np.log(amount) - 3.0) - 0.02 * (age - 50) + 0.3 * channel
    # Concept drift: after the shift, the outcome of the last segment no longer
    # follows the model, which keeps scoring with the old relation.
    score = 1.0 / (1.0 + np.exp(-logit))
    truth = np.where(
        after & (segment == len(SEGMENTS) - 1),
        1.0 / (1.0 + np.exp(-(logit + 1.0))),
        score,
    )
    label = (rng.random(rows) < truth).astype(np.int8)
    return {
        "day": day,
        "segment": segment,
        "channel": channel,
        "age": age,
        "amount": amount.astype(np.float32),
        "tenure": tenure.astype(np.float32),
        "score": score.astype(np.float32),
        "prediction": (score >= 0.5).astype(np.int8),
        "label": label,
    }


def write_prediction_log(
    path: str | Path,
    n_rows: int = 50_000_000,
    *,
    n_files: int | None = None,
    n_days: int = 30,
    shift_day: int = 20,
    random_state: int = 0,
    overwrite: bool = False,
) -> Path:
    """Write a synthetic prediction log of ``n_rows`` rows as Parquet files.

    One row per request of a binary classifier: the ``day`` (0 to ``n_days`` -
    1), the ``segment`` (a region, the sensitive feature of the log) and
    ``channel`` (text), ``age`` (whole years), ``amount`` and ``tenure``
    (float32), the model's ``score`` (float32), its ``prediction`` (score >=
    0.5) and the ``label`` that came later (int8). From ``shift_day`` on, three
    things change: more requests come through the app (``channel``), amounts
    grow by 15 % (``amount``), and the outcomes of the ``"west"`` segment no
    longer follow the model's scores (concept drift: its calibration and error
    rates move, its inputs do not). ``age`` and ``tenure`` never change.

    Parameters
    ----------
    path : str or pathlib.Path
        A folder, created if missing; the files are ``part-00000.parquet``,
        ... in time order, with ``_prediction_log.json`` describing them.
    n_rows : int, default 50,000,000
        Rows in all. Each file is written from its own seed with only its rows
        in memory (about 30 MB a million rows), so the log may be larger than
        memory.
    n_files : int, optional
        Number of files (the partitions a reader sees); by default one per
        million rows.
    n_days, shift_day : int, default 30 and 20
        The days of the log, and the first day after the shift.
    random_state : int, default 0
        Seed: the same arguments write the same bytes of data.
    overwrite : bool, default False
        A folder that already holds a log written with the same arguments is
        kept as it is (writing is skipped); one with other arguments is refused
        unless ``overwrite`` is True.

    Returns
    -------
    pathlib.Path
        The folder, to read with ``dask.dataframe.read_parquet``,
        ``polars.scan_parquet``, ``duckdb.read_parquet`` or pandas.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from mlkit.monitoring import write_prediction_log
    >>> folder = write_prediction_log(tempfile.mkdtemp(), 20_000, n_files=4)
    >>> log = pd.read_parquet(folder)
    >>> len(log), sorted(p.name for p in folder.glob("*.parquet"))[:2]
    (20000, ['part-00000.parquet', 'part-00001.parquet'])
    >>> app = (log["channel"] == "app").groupby(log["day"] >= 20).mean()
    >>> app.round(2).tolist()  # the share of requests through the app, before and after
    [0.35, 0.45]
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_rows = check_int(n_rows, "n_rows", 1, "50_000_000")
    n_days = check_int(n_days, "n_days", 1, "30")
    shift_day = check_int(shift_day, "shift_day", 0, "20")
    random_state = check_int(random_state, "random_state", 0, "0")
    if n_files is None:
        n_files = max(1, math.ceil(n_rows / ROWS_PER_FILE))
    n_files = check_int(n_files, "n_files", 1, "50")
    if n_files > n_rows:
        raise MlkitValueError(
            with_hint(
                f"'n_files' is {n_files:,}, more than the {n_rows:,} rows.",
                "pass fewer files, or leave n_files out (one per million rows).",
            )
        )
    folder = Path(path)
    want = {
        "n_rows": n_rows,
        "n_files": n_files,
        "n_days": n_days,
        "shift_day": shift_day,
        "random_state": random_state,
        "columns": list(LOG_COLUMNS),
    }
    meta = folder / _META
    if meta.is_file() and not overwrite:
        got = json.loads(meta.read_text())
        if got == want:
            return folder
        raise MlkitValueError(
            with_hint(
                EXISTS_ERROR.format(path=folder, got=got, want=want),
                "pass another folder, or overwrite=True to replace it.",
            )
        )
    if folder.exists() and not folder.is_dir():
        raise MlkitValueError(
            with_hint(
                f"'path' {folder} is a file, not a folder.",
                "pass the path of a folder for the log's files.",
            )
        )
    folder.mkdir(parents=True, exist_ok=True)
    meta.unlink(missing_ok=True)  # an interrupted write leaves no description
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    segments = pa.array(SEGMENTS, pa.string())
    channels = pa.array(CHANNELS, pa.string())
    bounds = np.linspace(0, n_rows, n_files + 1).round().astype(np.int64)
    for i in range(n_files):
        first, last = int(bounds[i]), int(bounds[i + 1])
        columns = _part(
            first, last - first, n_rows, n_days, shift_day, [random_state, i]
        )
        # Codes to names: one take from the few names, no string per row in Python.
        names = {"segment": segments, "channel": channels}
        arrays = {
            name: names[name].take(pa.array(values))
            if name in names
            else pa.array(values)
            for name, values in columns.items()
        }
        pq.write_table(pa.table(arrays), folder / f"part-{i:05d}.parquet")
    meta.write_text(json.dumps(want, indent=1) + "\n")
    return folder
