"""The suite runs offline: connections to other machines fail, in this process and
in the kernels that run the notebooks. If these tests pass, every other test ran
without the network."""

from __future__ import annotations

import socket
import urllib.request

import nbformat
import pytest

from mlkit._execute import execute_notebook
from tests.conftest import network_guard


def test_names_other_than_localhost_do_not_resolve():
    with pytest.raises(OSError, match="network access is blocked"):
        urllib.request.urlopen("https://pypi.org/simple/", timeout=5)


def test_addresses_of_other_machines_are_refused():
    with socket.socket() as sock, pytest.raises(OSError, match="tried to connect"):
        sock.connect(("93.184.216.34", 80))


def test_this_machine_is_reachable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        for host in ("127.0.0.1", "localhost"):
            with socket.create_connection((host, port), timeout=5):
                pass


def test_kernels_are_offline_too(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import urllib.request\n"
            "try:\n"
            "    urllib.request.urlopen('https://cdn.jsdelivr.net/npm/vega@6', timeout=5)\n"
            "except OSError as exc:\n"
            "    print('refused:', exc)\n"
        )
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    source = tmp_path / "probe.ipynb"
    nbformat.write(nb, source)
    done = execute_notebook(source, tmp_path / "done.ipynb")
    text = done.cells[0].outputs[0]["text"]
    assert text.startswith("refused:")
    assert network_guard.MESSAGE in text
