"""Generated data that the benchmarks share with their peers' environments.

The peers (evidently, netcal, snorkel) run in environments of their own, with
other versions of pandas, so the data they are timed on is made here, with
numpy and pandas only, and each side writes a checksum of what it made: the
comparison in ``bench_*.py`` goes ahead only when the checksums agree.

It also holds ``rss_peak_mb``, the memory measure for code whose allocations
``tracemalloc`` does not see (torch's tensors, pyarrow's buffers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

#: Columns of the drift benchmark: 40 numeric, a quarter of them shifted, and
#: 10 text columns of 5 to 14 categories.
N_NUMERIC = 40
N_CATEGORICAL = 10
#: The shift of every fourth numeric column in the current frame, in standard
#: deviations.
DRIFT_SHIFT = 0.02


def drift_frame(n: int, seed: int, shift: float) -> pd.DataFrame:
    """One frame of the drift benchmark: ``n`` rows, 50 columns.

    Each seed draws its own category probabilities, so the text columns of
    the reference (seed 0) and the current frame (seed 1) differ widely, and
    the numeric columns ``x0, x4, ...`` move by ``shift``.
    """
    rng = np.random.default_rng(seed)
    data = {f"x{i}": rng.normal(shift * (i % 4 == 0), 1.0, n) for i in range(N_NUMERIC)}
    for j in range(N_CATEGORICAL):
        k = 5 + j
        p = rng.dirichlet(np.ones(k))
        data[f"c{j}"] = rng.choice([f"v{v}" for v in range(k)], n, p=p)
    return pd.DataFrame(data)


def drift_frames(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference and the current frame of the drift benchmark."""
    return drift_frame(n, seed=0, shift=0.0), drift_frame(n, seed=1, shift=DRIFT_SHIFT)


def calibration_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0/1 (int64) and over-confident probabilities skewed towards 0."""
    rng = np.random.default_rng(seed)
    truth = rng.beta(2.0, 5.0, size=n)
    y = (rng.uniform(size=n) < truth).astype(np.int64)
    logit = np.log(truth) - np.log1p(-truth)
    return y, 1 / (1 + np.exp(-2.0 * logit))


def checksum_frame(df: pd.DataFrame) -> str:
    """sha256 of a frame's column names and values, the same under pandas 2 and 3.

    Numbers are hashed as float64 bytes and text as its UTF-8 values, so that
    pandas 3's Arrow-backed ``str`` columns and pandas 2's ``object`` columns of
    the same strings give the same digest.
    """
    digest = hashlib.sha256()
    for name in df.columns:
        column = df[name]
        digest.update(f"{name}\0{len(column)}\0".encode())
        if pd.api.types.is_numeric_dtype(column.dtype):
            digest.update(column.to_numpy(dtype=np.float64).tobytes())
        else:
            digest.update("\0".join(column.astype(object).tolist()).encode())
    return digest.hexdigest()


def checksum_arrays(*arrays: np.ndarray) -> str:
    """sha256 of arrays' dtypes, shapes and bytes."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def rss_peak_mb(function: Callable[[], object]) -> float | None:
    """Growth of the process's resident memory during one call, at its peak, MB.

    The kernel's high-water mark of resident memory (``VmHWM``) is reset before
    the call (``/proc/self/clear_refs``, Linux) and read after it, less the
    resident memory before. Unlike ``tracemalloc`` it sees every allocation,
    torch's and pyarrow's included; but memory freed earlier and kept by the
    allocator is reused without growing the process, so it reads low for a
    call that repeats an earlier one: measure on the first call of a kind.
    None where ``/proc`` does not allow it.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kb("VmRSS")
    except OSError:
        return None
    function()
    return max(_status_kb("VmHWM") - before, 0) / 1024
