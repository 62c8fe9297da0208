"""The package as installed: fast import, small dependencies, a complete wheel."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import mlkit

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "altair", "jupyter_client", "nbclient")


def test_import_is_light_and_has_no_side_effects():
    code = (
        "import sys, json, warnings; before = set(sys.modules); import mlkit; "
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_submodules_load_on_first_use():
    assert set(mlkit.__all__) == {
        "__version__",
        "calibration",
        "cases",
        "charts",
        "cli",
        "deployment",
        "design",
        "evaluation",
        "exercises",
        "experiments",
        "fairness",
        "features",
        "labeling",
        "models",
        "monitoring",
        "sampling",
        "splitting",
        "widgets",
    }
    assert mlkit.cases.load is not None
    assert "design" in dir(mlkit)
    with pytest.raises(AttributeError, match="no attribute 'serving'"):
        mlkit.serving  # noqa: B018


def test_version_matches_the_distribution():
    assert importlib.metadata.version("dmls-mlkit") == mlkit.__version__


def test_runtime_dependencies_stay_small():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("=")[0].strip() for dep in project["dependencies"]}
    # narwhals comes with altair; it is named because mlkit imports it itself.
    assert names == {"numpy", "pandas", "scikit-learn", "scipy", "altair", "narwhals"}
    altair = importlib.metadata.requires("altair")
    assert any(r.startswith("narwhals") and "extra" not in r for r in altair)
    assert project["name"] == "dmls-mlkit"
    lab = " ".join(project["optional-dependencies"]["lab"])
    for needed in ("jupyterlab", "ipywidgets", "shap", "nbclient", "vl-convert-python"):
        assert needed in lab


def test_lock_pins_every_dependency():
    lock = (ROOT / "requirements" / "lock.txt").read_text()
    pinned = {line.split("==")[0].lower() for line in lock.splitlines() if "==" in line}
    for name in (
        "numpy",
        "pandas",
        "scikit-learn",
        "altair",
        "jupyterlab",
        "pytest",
        "ruff",
    ):
        assert name in pinned


def test_setup_is_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme
    assert "make test" in readme
    assert "dmls-mlkit" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_wheel_carries_cases_notebooks_and_lock(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("dmls_mlkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mlkit/_bundle/case_studies/spam/data/youtube_spam.csv.gz" in names
    assert "mlkit/_bundle/notebooks/00_start_here.ipynb" in names
    assert "mlkit/_bundle/requirements/lock.txt" in names
    assert not any(n.startswith("tests/") for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import mlkit; from mlkit import _resources as r; "
        "print(r.is_checkout(), r.root().name, r.lock_file().is_file(), "
        "mlkit.cases.load('income').load_data().shape[0], "
        "len(list(r.notebooks_dir().glob('*.ipynb'))))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ["PYTHONPATH"]]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    is_checkout, root, lock, rows, notebooks = out.stdout.split()
    assert (is_checkout, root, lock, rows) == ("False", "_bundle", "True", "48842")
    assert int(notebooks) >= 2
