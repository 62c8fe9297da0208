"""Refuse every network connection except to this machine.

The test suite puts this folder first on PYTHONPATH, so Python imports this module
at start-up in the test process and in every process the tests start: notebook
kernels, the ``mlkit`` command, JupyterLab. A test that reaches the network fails
with an OSError that says so, which proves that mlkit and its notebooks run offline.
"""

import ipaddress
import socket

MESSAGE = "network access is blocked in mlkit's tests (only this machine is allowed)"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name other than localhost
    return address.is_loopback or address.is_unspecified


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0] if isinstance(address, tuple) else address
        if not _is_local(host):
            raise OSError(f"{MESSAGE}: tried to connect to {address!r}")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        raise socket.gaierror(f"{MESSAGE}: tried to resolve {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


def sendto(self, data, *args):
    address = args[-1]
    _check(self, address)
    return _sendto(self, data, *args)


_sendto = socket.socket.sendto
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.getaddrinfo = getaddrinfo
