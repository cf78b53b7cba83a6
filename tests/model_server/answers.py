"""The answer policy: scripted rules, tried in order, and a default answer.

A rule applies to a chat whose last user message contains its `match` ("" matches
every chat). Besides the answer text it carries the failures a real server shows: an
error status, an error or a dropped connection mid-stream, a `length` stop, delays, and
a hold until the test releases it. A chat no rule matches gets the default answer:
no findings (`no_findings`), or for the benchmark one finding per line carrying MARKER
(`marker_findings`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MARKER = "BENCH_MARK"
DefaultAnswer = Callable[[str], str]


def no_findings(text: str) -> str:
    return json.dumps({"findings": []})


def marker_findings(text: str) -> str:
    """No findings, except one per line of the reviewed code that carries MARKER."""
    findings = [
        {
            "category": "bug",
            "severity": "warning",
            "title": "Untrusted data is unpickled",
            "explanation": "pickle.loads runs code from the payload.",
            "evidence": line,
            "confidence": 0.9,
        }
        for line in text.split("\n")
        if MARKER in line
    ]
    return json.dumps({"findings": findings})


@dataclass
class Rule:
    """How to answer a chat whose last user message contains `match`.

    `content` None means the default answer. `status` other than 200 answers with that
    error (`error` its message, `retry_after` a Retry-After header). `error_mid_stream`
    ends a streamed answer half-way with an error line (Ollama) or error event (OpenAI),
    a non-streamed one with a 500; `drop_mid_stream` cuts the connection half-way.
    `done_reason` is Ollama's `done_reason` and OpenAI's `finish_reason`. `delay` comes
    before the answer, `chunk_delay` before each streamed piece. `hold` keeps the answer
    back until `release()`; `times` limits how often the rule applies.
    """

    match: str
    content: str | dict[str, Any] | None = None
    status: int = 200
    error: str | None = None
    retry_after: str | None = None
    error_mid_stream: bool = False
    drop_mid_stream: bool = False
    done_reason: str = "stop"
    delay: float = 0.0
    chunk_delay: float = 0.0
    hold: bool = False
    times: int | None = None


@dataclass(frozen=True)
class Answer:
    """What one chat gets: a rule resolved against the default answer."""

    text: str
    rule: Rule

    @property
    def broken(self) -> bool:
        return self.rule.error_mid_stream or self.rule.drop_mid_stream


class Script:
    """Rules in the order added, and the answer for chats no rule matches."""

    def __init__(self, default_answer: DefaultAnswer = no_findings) -> None:
        self.default_answer = default_answer
        self._rules: list[Rule] = []
        self._lock = threading.Lock()  # tests add rules while the server answers

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def answer(self, text: str) -> Answer:
        """The answer to a chat whose last user message is `text`; uses up one `times`."""
        rule = self._take(text)
        if rule.content is None:
            return Answer(self.default_answer(text), rule)
        if isinstance(rule.content, dict):
            return Answer(json.dumps(rule.content), rule)
        return Answer(rule.content, rule)

    def _take(self, text: str) -> Rule:
        with self._lock:
            for rule in self._rules:
                if rule.times != 0 and rule.match in text:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return Rule("")


def last_user_content(messages: Any) -> str:
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return str(message.get("content") or "")
    return ""
