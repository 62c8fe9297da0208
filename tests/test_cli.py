"""Tests for the mlkit command: cases, run, doctor and lab."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from mlkit import _resources
from mlkit.cli import _free_port, _lab_command, main
from mlkit.design import DesignLog

ROOT = Path(__file__).resolve().parents[1]
MLKIT = Path(sys.executable).parent / "mlkit"


def run_cli(*args, **kwargs):
    return subprocess.run(
        [str(MLKIT), *args], capture_output=True, text=True, timeout=600, **kwargs
    )


@pytest.fixture
def tiny_notebooks(tmp_path, monkeypatch):
    """Replace the guided notebooks by one small notebook whose code is given."""

    def make(code: str) -> Path:
        folder = tmp_path / "notebooks"
        folder.mkdir(exist_ok=True)
        nb = nbformat.v4.new_notebook()
        parameters = nbformat.v4.new_code_cell(
            'case = "spam"\nrun_dir = "runs"\niteration = "latest"'
        )
        parameters.metadata["tags"] = ["parameters"]
        nb.cells = [parameters, nbformat.v4.new_code_cell(code)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nbformat.write(nb, folder / "00_start_here.ipynb")
        monkeypatch.setattr(_resources, "notebooks_dir", lambda: folder)
        return folder

    return make


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("mlkit 0.")


def test_cases_lists_the_shipped_cases(capsys):
    assert main(["cases"]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split() == ["name", "title", "task", "rows", "stages"]
    assert any(r.startswith("spam ") and "1,956" in r and "13 of 13" in r for r in rows)
    assert any(r.startswith("income ") and "48,842" in r for r in rows)
    assert any(r.startswith("bikes ") and "17,379" in r for r in rows)


def test_cases_shows_a_broken_case(tmp_path, monkeypatch, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "case.toml").write_text('title = "Mine"\ntask = "binary"\n')
    monkeypatch.setenv("MLKIT_CASES_PATH", str(tmp_path))
    assert main(["cases"]) == 0
    assert "mine (" in capsys.readouterr().out


def test_run_executes_every_notebook_of_a_case_into_a_new_iteration(tmp_path):
    result = run_cli(
        "run", str(ROOT / "tests" / "cases" / "triage"), "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "triage" / "iter-1"
    assert f"are in {folder}" in result.stdout
    assert "cell" in result.stderr  # the progress bar
    executed = sorted(p.name for p in folder.glob("*.ipynb"))
    assert executed == [
        "00_start_here.ipynb",
        "01_scoping.ipynb",
        "12_review_and_iterate.ipynb",
    ]
    nb = nbformat.read(folder / "01_scoping.ipynb", as_version=4)
    injected = [
        c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])
    ]
    assert len(injected) == 1
    assert f"run_dir = {str(tmp_path)!r}" in injected[0].source
    assert "iteration = 1" in injected[0].source
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    log = DesignLog("triage", run_dir=tmp_path)
    assert log.status == "complete"
    assert log.metadata["created_by"] == "mlkit run"
    stages = {d.stage for d in log.decisions}
    assert stages == {"start", "scoping", "review"}
    # The design report: every decision, offline charts, one file each.
    report = (folder / "report.md").read_text()
    for d in log.decisions:
        assert d.question in report
    assert "## Framing" in report
    assert "## 12. Review and iterate" in report
    page = (folder / "report.html").read_text()
    assert page.count('class="mlkit-chart"') >= 3
    assert "vegaEmbed" in page
    assert "<script src" not in page
    assert "requirements.serving=online" in result.stdout  # the suggested change
    # A second iteration with a decision set, then the comparison.
    again = run_cli(
        "run",
        str(ROOT / "tests" / "cases" / "triage"),
        "--out",
        str(tmp_path),
        "--no-progress",
        "--set",
        "requirements.serving=online",
    )
    assert again.returncode == 0, again.stderr
    assert DesignLog.iterations("triage", run_dir=tmp_path) == [1, 2]
    second = DesignLog("triage", run_dir=tmp_path, iteration=2)
    assert second.overrides == {"requirements.serving": "online"}
    assert second.get("requirements.serving").source == "override"
    assert (
        '`requirements.serving="online"`' in (second.folder / "report.md").read_text()
    )
    compared = run_cli(
        "compare",
        str(ROOT / "tests" / "cases" / "triage"),
        "iter-1",
        "iter-2",
        "--out",
        str(tmp_path),
    )
    assert compared.returncode == 0, compared.stderr
    lines = compared.stdout.splitlines()
    assert any(
        line.split() == ["requirements.serving", "batch", "online"] for line in lines
    ), compared.stdout
    saved = tmp_path / "triage" / "compare-iter-1-iter-2.html"
    assert saved.is_file()
    assert "vegaEmbed" in saved.read_text()


def test_run_by_name_passes_the_name(tmp_path, tiny_notebooks, capsys):
    tiny_notebooks("print('case is', case)")
    assert main(["run", "income", "--out", str(tmp_path), "--no-progress"]) == 0
    nb = nbformat.read(
        tmp_path / "income" / "iter-1" / "00_start_here.ipynb", as_version=4
    )
    assert nb.cells[-1].outputs[0]["text"] == "case is income\n"
    assert "done  00_start_here.ipynb" in capsys.readouterr().out


def test_a_failing_notebook_stops_the_run(tmp_path, tiny_notebooks, capsys):
    tiny_notebooks("1 / 0")
    assert main(["run", "spam", "--out", str(tmp_path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "00_start_here.ipynb failed in cell 2 with ZeroDivisionError" in err
    log = DesignLog("spam", run_dir=tmp_path)
    assert log.status == "failed"
    copy = nbformat.read(log.folder / "00_start_here.ipynb", as_version=4)
    assert copy.cells[-1].outputs[0]["ename"] == "ZeroDivisionError"


def test_an_interrupted_run_is_reported_by_the_next(tmp_path, tiny_notebooks, capsys):
    tiny_notebooks("pass")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    crashed = DesignLog.start("spam", run_dir=tmp_path)
    crashed.set_status("running", pid=gone.pid)
    (crashed.folder / "kept.txt").write_text("earlier work")
    assert main(["run", "spam", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Iteration 1 of spam was interrupted before it finished" in out
    assert DesignLog("spam", run_dir=tmp_path, iteration=1).status == "interrupted"
    assert (crashed.folder / "kept.txt").read_text() == "earlier work"
    assert DesignLog("spam", run_dir=tmp_path).iteration == 2


def test_run_stops_on_a_changed_data_file_before_any_notebook(
    tmp_path, case_copy, capsys
):
    folder = case_copy("spam")
    data = folder / "data" / "youtube_spam.csv.gz"
    data.write_bytes(data.read_bytes()[:1000])
    assert main(["run", str(folder), "--out", str(tmp_path / "runs")]) == 1
    assert "does not match its checksum" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_run_an_unknown_case(capsys):
    assert main(["run", "spma"]) == 1
    err = capsys.readouterr().err
    assert "No case named 'spma'" in err
    assert "did you mean 'spam'" in err
    assert "Traceback" not in err


def test_doctor_passes_here(capsys, tmp_path):
    assert main(["doctor", "--out", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    for name in (
        "python",
        "packages",
        "pinned versions",
        "offline charts",
        "notebook kernel",
        "case spam",
        "case income",
        "case bikes",
        "exercises",
        "run folder",
    ):
        assert any(line[7:].startswith(name) for line in out.splitlines()), name
    assert "[FAIL]" not in out
    assert "learners' copy of 13 notebooks can be written" in out
    assert "All set" in out


def test_doctor_fails_on_a_broken_case(tmp_path, case_copy, monkeypatch, capsys):
    folder = case_copy("spam")
    data = folder / "data" / "youtube_spam.csv.gz"
    data.write_bytes(data.read_bytes()[:-10])
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.move(folder, cases / "myspam")
    monkeypatch.setenv("MLKIT_CASES_PATH", str(cases))
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "case myspam" in x)
    assert line.startswith("[FAIL]")
    assert "does not match its checksum" in line
    assert "fix: restore the original" in out
    assert "1 problem(s) to fix" in out


def test_lab_command_is_local_and_tokened(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    command = _lab_command(
        ROOT, "notebooks/00_start_here.ipynb", port=8890, token="t0k", browser=False
    )
    assert "--ip=127.0.0.1" in command
    assert "--IdentityProvider.token=t0k" in command
    assert "--allow-root" in command
    assert "--no-browser" in command
    assert command[-1] == "notebooks/00_start_here.ipynb"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "--allow-root" not in _lab_command(
        ROOT, "x", port=1, token="t", browser=True
    )


def test_lab_serves_the_start_notebook_with_a_token(tmp_path):
    port = _free_port(first=18888)
    env = {
        **os.environ,
        "JUPYTER_TOKEN": "test-token",
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    server = subprocess.Popen(
        [str(MLKIT), "lab", "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        first_line = server.stdout.readline()
        assert first_line.startswith("JupyterLab, serving")
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(
                    f"{base}/api/status?token=test-token", timeout=2
                ):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/status", timeout=5)
        assert refused.value.code == 403
        refused.value.close()
        url = f"{base}/api/contents/notebooks/00_start_here.ipynb?token=test-token&content=0"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert json.load(response)["type"] == "notebook"
        page = f"{base}/lab/tree/notebooks/00_start_here.ipynb?token=test-token"
        with urllib.request.urlopen(page, timeout=10) as response:
            assert response.status == 200
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        server.stdout.close()


def test_python_dash_m(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mlkit", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("lab", "cases", "run", "doctor"):
        assert command in result.stdout
