"""Shared set-up of the test suite.

Network access is blocked for the whole run: ``tests/offline`` goes first on
PYTHONPATH, so its ``sitecustomize`` refuses connections to other machines in this
process and in every process the tests start (kernels, the ``mlkit`` command).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
OFFLINE = TESTS / "offline"
TEST_CASES = TESTS / "cases"

os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(OFFLINE), *filter(None, [os.environ.get("PYTHONPATH")])]
)
# Kernels and subprocesses inherit the variable; this process loads the guard now.
_spec = importlib.util.spec_from_file_location(
    "_mlkit_offline", OFFLINE / "sitecustomize.py"
)
network_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(network_guard)

# Not test modules: the network guard, and the hooks of the test cases.
collect_ignore = ["offline", "cases"]

# Tests must not depend on the case folders of whoever runs them.
os.environ.pop("MLKIT_CASES_PATH", None)
# Notebook 10's cluster section: a log of 300,000 rows, not 50 million (kernels
# inherit the environment).
os.environ["MLKIT_LOG_ROWS"] = "300000"


@pytest.fixture
def case_copy(tmp_path):
    """Copy a shipped (or test) case into a temporary folder and return its path.

    Tests edit the copy's case.toml or data to build a broken case.
    """

    def copy(name: str = "spam") -> Path:
        source = ROOT / "case_studies" / name
        if not source.is_dir():
            source = TEST_CASES / name
        target = tmp_path / f"copy_{name}"
        shutil.copytree(source, target)
        return target

    return copy


@pytest.fixture
def with_test_cases(monkeypatch):
    """Make the test cases (demand, triage) loadable by name."""
    monkeypatch.setenv("MLKIT_CASES_PATH", str(TEST_CASES))


def pytest_terminal_summary(terminalreporter):
    """Print how many generated inputs each public function saw in the fuzz tests."""
    import sys

    harness = sys.modules.get("tests.fuzz._harness")
    if harness is None or not harness.COUNTS:
        return
    counts = harness.COUNTS
    total = sum(sum(c.values()) for c in counts.values())
    write = terminalreporter.write_line
    terminalreporter.section("generated inputs per public function")
    write(
        f"{total:,} generated calls of {len(counts)} public functions and classes; "
        "each returned a valid result or was refused with an mlkit error and its Hint."
    )
    for name in sorted(counts):
        c = counts[name]
        write(
            f"  {name:<55} {c['returned'] + c['refused']:>6,}  "
            f"(returned {c['returned']:,}, refused {c['refused']:,})"
        )
