"""netcal's ECE and MCE on the probabilities of benchmarks/bench_calibration.py.

netcal needs torch, which must not enter the project's environment, so this
script runs in the peers' environment (``benchmarks/peers/peers.txt``, built by
``benchmarks/peers/setup.sh``). From the repository root:

    PYTHONPATH=. .venv-peers/bin/python benchmarks/peers/calibration_netcal.py

It makes the same labels and probabilities as bench_calibration.py
(``benchmarks/_data.py``, seed 0) at 1e6 and 1e7 rows, writes their checksum,
and measures ``netcal.metrics.ECE(bins=15).measure(p, y)`` and
``MCE(bins=15).measure(p, y)``, as a user gets both numbers: with
``equal_intervals=True`` (bins of equal width, "uniform") and
``equal_intervals=False`` (edges at ``np.quantile`` of the probabilities, the
outer ones set to 0 and 1: netcal's "quantile" bins). A 1-d ``p`` with 0/1
labels is netcal's binary case: ``p`` is the positive class's probability and
the label is the outcome, as in mlkit's ``reliability``.

The values are written in full so that bench_calibration.py can check them
against mlkit's before it shows any time; the times are medians of N runs
after a warm-up (one thread), interleaved with the runs of mlkit's
``reliability`` (the checkout's, on this environment's numpy, the project's
version), so that their ratio holds on a shared machine; the peak memory is a
separate call's (``tracemalloc``) and the growth of resident memory on the
first call.

Writes ``calibration_netcal.json`` beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import date
from pathlib import Path
from typing import Any

# One thread, before numpy and torch load their thread pools.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import _data  # noqa: E402
import numpy as np  # noqa: E402
from _harness import machine, peak_mb, timed_together  # noqa: E402

OUTPUT = HERE / "calibration_netcal.json"
N_BINS = 15
SIZES = (1_000_000, 10_000_000)
STRATEGIES = {"uniform": True, "quantile": False}


def netcal_ece_mce(y: np.ndarray, p: np.ndarray, equal_intervals: bool):
    from netcal.metrics import ECE, MCE

    ece = ECE(bins=N_BINS, equal_intervals=equal_intervals).measure(p, y)
    mce = MCE(bins=N_BINS, equal_intervals=equal_intervals).measure(p, y)
    return float(ece), float(mce)


def mlkit_reliability(y: np.ndarray, p: np.ndarray, equal_intervals: bool):
    from mlkit.calibration import reliability

    strategy = "uniform" if equal_intervals else "quantile"
    return reliability(y, p, n_bins=N_BINS, strategy=strategy)


def main() -> None:
    import netcal
    import scipy
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    result: dict[str, Any] = {
        "generated": date.today().isoformat(),
        "versions": {
            "netcal": netcal.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "settings": f"ECE(bins={N_BINS}, equal_intervals=...).measure(p, y) and "
        f"MCE(bins={N_BINS}, equal_intervals=...).measure(p, y); one thread; "
        f"median of {args.runs} runs after a warm-up",
        "runs": args.runs,
        "sizes": [],
    }
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        for n in SIZES:
            y, p = _data.calibration_data(n)
            entry: dict[str, Any] = {
                "rows": n,
                "sha256": _data.checksum_arrays(y, p),
                "strategies": {},
            }
            for strategy, equal in STRATEGIES.items():
                values: list = []
                rss = _data.rss_peak_mb(
                    lambda y=y, p=p, equal=equal, values=values: values.append(
                        netcal_ece_mce(y, p, equal)
                    )
                )
                ece, mce = values[0]
                seconds, ours = timed_together(
                    [
                        lambda y=y, p=p, e=equal: netcal_ece_mce(y, p, e),
                        lambda y=y, p=p, e=equal: mlkit_reliability(y, p, e),
                    ],
                    args.runs,
                )
                entry["strategies"][strategy] = {
                    "equal_intervals": equal,
                    "ece": ece,
                    "mce": mce,
                    "seconds": seconds,
                    "mlkit_seconds_interleaved": ours,
                    "peak_mb_tracemalloc": peak_mb(
                        lambda y=y, p=p, e=equal: netcal_ece_mce(y, p, e)
                    ),
                    "peak_mb_rss_first_call": rss,
                }
                print(
                    f"{n:,} {strategy}: ECE {ece:.6f}, MCE {mce:.6f}, {seconds:.3f} s"
                )
            result["sizes"].append(entry)
    result["machine"] = machine()
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
