"""Records what a Python process does on the network and with other programs.

Tests copy this file as `sitecustomize.py` into a folder they put first on the
PYTHONPATH of a process they start (the language server, `siyada check`): Python imports
it at start-up, before any code of the program runs, and it installs an audit hook
(PEP 578) that appends one JSON line per event to the file named by the environment
variable SIYADA_AUDIT_LOG. Every process started with that environment (children too)
writes to the same file, each line carrying its pid.

Recorded events: every socket connect, name lookup, bind and sendto/sendmsg (with the
address), and every attempt to start another program. The file is opened with O_APPEND
and each line written with one `os.write`, so lines from threads and processes never
interleave. Only the standard library is used.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

ENV_VAR = "SIYADA_AUDIT_LOG"

_SOCKET_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
PROCESS_EVENTS = {
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.startfile",
    "pty.spawn",
    "webbrowser.open",
}
_RECORDED = _SOCKET_EVENTS | PROCESS_EVENTS | {"socket.getaddrinfo"}


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def _record_of(event: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
        return {"event": event, "host": _text(host), "port": _text(port)}
    if event in _SOCKET_EVENTS:
        sock, address = args[0], args[1]
        family = getattr(sock, "family", None)
        record: dict[str, Any] = {"event": event, "family": int(family or 0)}
        if isinstance(address, tuple) and address:
            record["host"] = _text(address[0])
            record["port"] = _text(address[1]) if len(address) > 1 else None
        else:
            record["path"] = _text(address)  # AF_UNIX and other non-IP families
        return record
    if event in PROCESS_EVENTS:
        return {"event": event, "args": [_text(a) for a in args]}
    return None


def install(path: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    pid = os.getpid()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in _RECORDED:
            return
        try:
            record = _record_of(event, args)
            if record is None:
                return
            record["pid"] = os.getpid()
            os.write(descriptor, (json.dumps(record) + "\n").encode())
        except Exception as error:  # never break the audited program
            failure = {"event": "audit.error", "detail": repr(error), "pid": pid}
            os.write(descriptor, (json.dumps(failure) + "\n").encode())

    sys.addaudithook(hook)
    os.write(descriptor, (json.dumps({"event": "audit.started", "pid": pid}) + "\n").encode())


def read(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records written so far (for the tests)."""
    try:
        with open(path, encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]
    except FileNotFoundError:
        return []


if (_path := os.environ.get(ENV_VAR)) and __name__ == "sitecustomize":
    install(_path)
