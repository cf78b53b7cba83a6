"""The answer policy: scripted rules, tried in order, and a default answer.

A rule applies to a chat whose last user message contains its `match` ("" matches
every chat). Besides the answer text it carries the failures a real server shows: an
error status, an error or a dropped connection mid-stream, a `length` stop, delays, and
a hold until the test releases it. A rule may also answer in another language: when the
system text asks for the reader's words in a language it has words for (`localized`),
its findings' titles, explanations and fix titles are those words, and everything else
(category, severity, evidence, replacement) stays. A chat no rule matches gets the
default answer:
no findings (`no_findings`), or for the benchmark one finding per line carrying MARKER
(`marker_findings`). A chat that asks for a free-text answer (no answer format: a
question about a finding) and that no rule matches gets the free answer when one is set
(`echo_question`: prose in Markdown that names the question), else the default answer
too; a rule can be kept to such chats, or to the others, with `free`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MARKER = "BENCH_MARK"
DefaultAnswer = Callable[[str], str]
# The words a finding has for its reader, which `Rule.localized` may give per language.
READER_FIELDS = ("title", "explanation", "fix_title")
# How Siyada's system text asks for the language: "... fix_title in Arabic (ar)." or,
# for a language it has no name for, "... in the language with BCP 47 tag sw."
_ASKED_LANGUAGE = re.compile(
    r"fix_title in "
    r"(?:the language with BCP 47 tag (?P<bare>[\w-]+)|[^.\n]*?\((?P<named>[\w-]+)\))\."
)


def no_findings(text: str) -> str:
    return json.dumps({"findings": []})


def echo_question(text: str) -> str:
    """A free-text answer: Markdown naming the question (the last line of the user's
    message), so a test sees which question it answers."""
    question = text.strip().split("\n")[-1].removeprefix("Question: ")
    return f"You asked: {question}\n\nThis is the double's answer, streamed in pieces."


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
    back until `release()`; `times` limits how often the rule applies. `localized` maps a
    language tag ("ar") to one {title, explanation, fix_title} per finding of `content`,
    in order: when the system text asks for that language, those words replace the
    finding's (a finding without an entry, or a key left out, keeps its own). `free`
    keeps the rule to chats that ask for a free-text answer (True) or for JSON (False);
    None applies it to both.
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
    localized: dict[str, list[dict[str, str]]] | None = None
    free: bool | None = None


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

    def __init__(
        self, default_answer: DefaultAnswer = no_findings, free_answer: DefaultAnswer | None = None
    ) -> None:
        self.default_answer = default_answer
        self.free_answer = free_answer
        self._rules: list[Rule] = []
        self._lock = threading.Lock()  # tests add rules while the server answers

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def answer(self, text: str, language: str | None = None, *, free: bool = False) -> Answer:
        """The answer to a chat whose last user message is `text`, whose system text asks
        for the reader's words in `language` (None: it does not say), and which asks for
        a free-text answer (`free`) or JSON; uses up one `times`."""
        rule = self._take(text, free)
        if rule.content is None:
            unscripted = self.free_answer if free and self.free_answer else self.default_answer
            return Answer(unscripted(text), rule)
        if isinstance(rule.content, dict):
            return Answer(json.dumps(_in_language(rule, rule.content, language)), rule)
        return Answer(rule.content, rule)

    def _take(self, text: str, free: bool) -> Rule:
        with self._lock:
            for rule in self._rules:
                kind_fits = rule.free is None or rule.free == free
                if rule.times != 0 and kind_fits and rule.match in text:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return Rule("")


def _in_language(rule: Rule, content: dict[str, Any], language: str | None) -> dict[str, Any]:
    words = (rule.localized or {}).get(language or "")
    if not words:
        return content
    findings = [dict(item) for item in content.get("findings", [])]
    for item, own in zip(findings, words, strict=False):
        item.update({key: own[key] for key in READER_FIELDS if key in own})
    return {**content, "findings": findings}


def asked_language(messages: Any) -> str | None:
    """The language tag the system text asks the reader's words in; None when no
    system message asks for one."""
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and message.get("role") == "system":
            found = _ASKED_LANGUAGE.search(str(message.get("content") or ""))
            if found is not None:
                return found.group("bare") or found.group("named")
    return None


def last_user_content(messages: Any) -> str:
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return str(message.get("content") or "")
    return ""
