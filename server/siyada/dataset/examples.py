"""One review as one training example: the messages the engine sent, and the answer
the model should have given, holding only the findings the team kept.

The assistant turn is JSON in the schema the model answers in (`FINDINGS_SCHEMA`):
the fields the model gives, in the schema's order, never the line numbers Siyada adds
when it anchors a finding. A corrected fix longer than the schema allows keeps its
finding but loses the fix: an answer the schema refuses would teach the model nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from siyada.dataset.verdicts import StandingEvents, Verdict, verdict
from siyada.feedback.records import ReviewRecord
from siyada.review.findings import MAX_REPLACEMENT_CHARS, Finding

ROLES = ("system", "user")


@dataclass(frozen=True)
class Example:
    """A review as the model should answer it."""

    system: str
    user: str
    # The assistant turn: JSON of {"findings": [...]}.
    answer: str
    model: str
    created_at: float
    # What the team did with each finding the model gave (none: a clean review).
    verdicts: tuple[Verdict, ...] = ()
    # Corrected fixes too long for the schema: their findings are kept without a fix.
    fixes_too_long: int = 0

    @property
    def clean(self) -> bool:
        """The model found nothing here (not: the team dropped all it found)."""
        return not self.verdicts

    @property
    def emptied(self) -> bool:
        """The model found something and the team dropped every finding."""
        return bool(self.verdicts) and not any(v.kept for v in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        """One line of the JSONL: the chat format Unsloth and TRL take."""
        return {
            "messages": [
                {"role": "system", "content": self.system},
                {"role": "user", "content": self.user},
                {"role": "assistant", "content": self.answer},
            ]
        }


def judge(record: ReviewRecord, events: StandingEvents) -> Example | None:
    """`record` as an example, or None when its messages are not one system and one
    user turn."""
    turns = _turns(record.messages)
    if turns is None:
        return None
    verdicts = tuple(verdict(record, finding, events) for finding in record.findings)
    items: list[dict[str, Any]] = []
    too_long = 0
    for finding, judged in zip(record.findings, verdicts, strict=True):
        if not judged.kept:
            continue
        fits = judged.replacement is None or len(judged.replacement) <= MAX_REPLACEMENT_CHARS
        items.append(_answer_item(finding, judged.replacement if fits else None))
        too_long += not fits and judged.reason == "corrected"
    answer = json.dumps({"findings": items}, ensure_ascii=False)
    return Example(turns[0], turns[1], answer, record.model, record.created_at, verdicts, too_long)


def _turns(messages: Sequence[dict[str, str]]) -> tuple[str, str] | None:
    """The system and user texts, when the messages are exactly those two."""
    if tuple(message.get("role") for message in messages) != ROLES:
        return None
    system, user = (message.get("content") for message in messages)
    if not isinstance(system, str) or not isinstance(user, str):
        return None
    return system, user


def _answer_item(finding: Finding, replacement: str | None) -> dict[str, Any]:
    """The finding as the schema has the model write it."""
    item: dict[str, Any] = {
        "category": finding.category,
        "severity": finding.severity,
        "title": finding.title,
        "explanation": finding.explanation,
        "evidence": finding.evidence,
    }
    if replacement is not None:
        item["replacement"] = replacement
        if finding.fix_title:
            item["fix_title"] = finding.fix_title
    item["confidence"] = finding.confidence
    return item
