"""Faults during `mlkit run`: a run folder deleted halfway, a run stopped with Ctrl-C
or killed, and what the next run says about them.

The other faults of the hardening list are tested beside the code they concern:
a truncated data file or a checksum that does not match
(tests/test_cases.py::test_changed_data_file_fails_its_checksum and
tests/test_cli.py::test_run_stops_on_a_changed_data_file_before_any_notebook), and a
corrupted design-log line reported with its number while the rest is read
(tests/test_design.py::test_a_corrupted_line_is_reported_and_the_rest_read).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mlkit import _resources
from mlkit.cli import main
from mlkit.design import DesignLog

RECORD = """\
import mlkit as mk
log = mk.design.DesignLog(case, run_dir=run_dir, iteration=iteration)
log.record("{key}", stage="scoping", question="Kept?", choice="yes")
"""


def write_notebooks(folder: Path, codes: dict[str, str]) -> Path:
    """Guided notebooks stand-ins: the parameters cell, then each code given."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, code in codes.items():
        nb = nbformat.v4.new_notebook()
        parameters = nbformat.v4.new_code_cell(
            'case = "spam"\nrun_dir = "runs"\niteration = "latest"'
        )
        parameters.metadata["tags"] = ["parameters"]
        nb.cells = [parameters, nbformat.v4.new_code_cell(code)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nbformat.write(nb, folder / name)
    return folder


def test_a_run_folder_deleted_halfway_stops_the_run_and_the_next_starts_clean(
    tmp_path, monkeypatch, capsys
):
    runs = tmp_path / "runs"
    earlier = DesignLog.start("spam", run_dir=runs)
    earlier.record("scoping.kept", stage="scoping", question="Kept?", choice="yes")
    earlier.set_status("complete")
    delete = (
        RECORD.format(key="scoping.first") + "import shutil\nshutil.rmtree(log.folder)"
    )
    folder = write_notebooks(
        tmp_path / "notebooks",
        {"00_start_here.ipynb": delete, "01_scoping.ipynb": RECORD.format(key="x.y")},
    )
    monkeypatch.setattr(_resources, "notebooks_dir", lambda: folder)

    assert main(["run", "spam", "--out", str(runs), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "iter-2 was deleted while `mlkit run` was running" in err
    assert "noticed after 00_start_here.ipynb" in err
    assert "Traceback" not in err
    assert not (runs / "spam" / "iter-2").exists()  # not recreated half-empty
    kept = DesignLog("spam", run_dir=runs, iteration=1)
    assert kept.get("scoping.kept").choice == "yes"  # earlier work untouched

    write_notebooks(folder, {"00_start_here.ipynb": RECORD.format(key="scoping.a")})
    assert main(["run", "spam", "--out", str(runs), "--no-progress"]) == 0
    log = DesignLog("spam", run_dir=runs)
    assert log.iteration == 2
    assert log.status == "complete"
    assert [d.key for d in log.decisions] == ["scoping.a", "x.y"]


def test_a_folder_deleted_while_the_next_notebook_records_is_noticed(
    tmp_path, monkeypatch, capsys
):
    # The second notebook deletes the folder and then records again, which
    # recreates it with a new, nearly empty design log: that is noticed too.
    again = (
        RECORD.format(key="scoping.first")
        + "import shutil\nshutil.rmtree(log.folder)\n"
        + 'log.record("scoping.second", stage="scoping", question="Q?", choice=1)'
    )
    folder = write_notebooks(
        tmp_path / "notebooks",
        {
            "00_start_here.ipynb": RECORD.format(key="scoping.zero"),
            "01_scoping.ipynb": again,
        },
    )
    monkeypatch.setattr(_resources, "notebooks_dir", lambda: folder)
    assert main(["run", "spam", "--out", str(tmp_path), "--no-progress"]) == 1
    assert "noticed after 01_scoping.ipynb" in capsys.readouterr().err


STOPPABLE = """\
import pathlib, time
pathlib.Path({marker!r}).write_text("started")
time.sleep(120)
"""


def start_run(tmp_path: Path, folder: Path) -> subprocess.Popen:
    """`mlkit run spam` in its own process, with the stand-in notebooks."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom mlkit import _resources\n"
        f"_resources.notebooks_dir = lambda: Path({str(folder)!r})\n"
        "from mlkit.cli import main\n"
        f"sys.exit(main(['run', 'spam', '--out', {str(tmp_path / 'runs')!r}, "
        "'--no-progress']))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the notebook did not start"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "killed"])
def test_an_interrupted_run_keeps_its_work_and_the_next_run_says_so(
    tmp_path, monkeypatch, capsys, how
):
    marker = tmp_path / "started"
    folder = write_notebooks(
        tmp_path / "notebooks",
        {
            "00_start_here.ipynb": RECORD.format(key="scoping.done"),
            "01_scoping.ipynb": STOPPABLE.format(marker=str(marker)),
        },
    )
    process = start_run(tmp_path, folder)
    try:
        wait_for(marker, process)
        process.send_signal(signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    runs = tmp_path / "runs"
    first = DesignLog("spam", run_dir=runs, iteration=1)
    assert first.get("scoping.done").choice == "yes"  # nothing written earlier lost
    assert (first.folder / "00_start_here.ipynb").is_file()
    expected = {"ctrl-c": "interrupted", "killed": "running"}[how]
    assert first.status == expected

    write_notebooks(folder, {"01_scoping.ipynb": "pass"})
    monkeypatch.setattr(_resources, "notebooks_dir", lambda: folder)
    assert main(["run", "spam", "--out", str(runs), "--no-progress"]) == 0
    out = capsys.readouterr().out
    said = {
        "ctrl-c": "Iteration 1 of spam interrupted (stopped with Ctrl-C)",
        "killed": "Iteration 1 of spam was interrupted before it finished",
    }[how]
    assert said in out
    assert "Starting a new iteration" in out
    assert DesignLog("spam", run_dir=runs, iteration=1).status == "interrupted"
    second = DesignLog("spam", run_dir=runs)
    assert second.iteration == 2
    assert second.status == "complete"
    assert second.get("scoping.done").choice == "yes"
