"""Does the server keep answering while odd input is open and being reviewed?

For each input (5 MB file, 1 MB minified JavaScript, a 5,000-line function, 10,000 tiny
functions, a 500 KB file under the size limit), open it against the simulated model at
its published speed, so reviews are in flight, then send code-action requests and time
their answers; for the 500 KB file also while typing into it. Target: p95 < 200 ms.

    .venv/bin/python bench/responsiveness.py [--requests 40] [--only "500 KB"]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fake model server

from common import simulated_model
from lsp_session import Session
from lsprotocol import types

from tests.model_server import ModelSpeed

TARGET_MS = 200.0


def inputs() -> dict[str, tuple[str, str, str]]:
    """name → (file name, language id, text)."""
    under_limit = "".join(
        f"def f{i}(items):\n    total = 0\n    for item in items:\n        total += item * {i}\n"
        f"    return total\n\n\n"
        for i in range(5_000)
    )[: 500 * 1024]
    return {
        "5 MB Python file": (
            "big.py",
            "python",
            "".join(
                f"def f{i}(x):\n    y = x * {i}\n    return y + 1\n\n\n" for i in range(110_000)
            ),
        ),
        "1 MB minified JavaScript": (
            "app.min.js",
            "javascript",
            ";".join(f"function f{i}(a){{return a+{i}}}" for i in range(40_000)),
        ),
        "a 5,000-line function": (
            "long.py",
            "python",
            "def huge(x):\n"
            + "".join(f"    x = x + {i}\n" for i in range(5_000))
            + "    return x\n",
        ),
        "10,000 tiny functions": (
            "tiny.py",
            "python",
            "\n".join(f"def t{i}(): return {i}" for i in range(10_000)) + "\n",
        ),
        "500 KB Python file (reviewed)": ("half.py", "python", under_limit),
    }


async def time_code_actions(session: Session, uri: str, count: int) -> list[float]:
    latencies = []
    for index in range(count):
        line = index * 7
        request = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line, 0), end=types.Position(line, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
        started = time.monotonic()
        await session.client.text_document_code_action_async(request)
        latencies.append((time.monotonic() - started) * 1000)
        await asyncio.sleep(0.02)  # pacing, like a user moving the cursor
    return latencies


async def typing_and_code_actions(session: Session, uri: str, count: int) -> list[float]:
    """A keystroke, then a code action, `count` times: what a user typing sees."""
    latencies = []
    for index in range(count):
        session.insert(uri, index + 2, 1, 4, "x")
        request = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(1, 0), end=types.Position(1, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
        started = time.monotonic()
        await session.client.text_document_code_action_async(request)
        latencies.append((time.monotonic() - started) * 1000)
        await asyncio.sleep(0.05)
    return latencies


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(name: str, file_name: str, language: str, text: str, count: int) -> list[str]:
    folder = Path(tempfile.mkdtemp(prefix="siyada-resp-"))
    model = simulated_model(ModelSpeed())
    model.start()
    session = await Session.start({"endpoint": model.url, "debounceMs": 300}, folder, folder)
    try:
        uri = (folder / file_name).as_uri()
        item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        opened = time.monotonic()
        session.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        await session.until(
            lambda: any(p.uri == uri for p in session.published) or bool(session.messages),
            120,
            "open",
        )
        open_ms = (time.monotonic() - opened) * 1000
        rows = [
            _row(
                name, "code actions", await time_code_actions(session, uri, count), open_ms, session
            )
        ]
        if "reviewed" in name:
            rows.append(
                _row(
                    name,
                    "keystroke + code action",
                    await typing_and_code_actions(session, uri, count),
                    open_ms,
                    session,
                )
            )
        return rows
    finally:
        await session.close()
        model.stop()


def _row(name: str, what: str, latencies: list[float], open_ms: float, session: Session) -> str:
    p95 = percentile(latencies, 0.95)
    verdict = "PASS" if p95 < TARGET_MS else "FAIL"
    peak_mb = session.memory_kib().get("VmHWM", 0) / 1024
    p50, worst = percentile(latencies, 0.5), max(latencies)
    return (
        f"{name:32} | {what:24} | {p50:6.1f} | {p95:6.1f} | {worst:6.1f} "
        f"| {open_ms:7.0f} | {peak_mb:6.0f} | {verdict}"
    )


async def main(count: int, only: str | None = None) -> int:
    print(
        f"{'input':32} | {'request':24} | {'p50 ms':>6} | {'p95 ms':>6} | {'max ms':>6} "
        f"| open ms | RSS MB | p95 < {TARGET_MS:.0f} ms"
    )
    failed = False
    for name, (file_name, language, text) in inputs().items():
        if only is not None and only.lower() not in name.lower():
            continue
        for row in await measure(name, file_name, language, text, count):
            print(row, flush=True)
            failed |= row.endswith("FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=40, help="code actions per input")
    parser.add_argument("--only", help="run only the inputs whose name contains this")
    arguments = parser.parse_args()
    raise SystemExit(asyncio.run(main(arguments.requests, arguments.only)))
