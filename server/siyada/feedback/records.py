"""What the feedback store keeps, as values: events (what a user did with a finding),
dismissals, and the model's answers with the messages that asked for them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from siyada.feedback.fingerprint import FindingKey
from siyada.review.findings import Finding

EventKind = Literal["fix_applied", "fix_edited", "ignore_comment", "dismissed", "changed_by_hand"]
EVENT_KINDS: Final[tuple[str, ...]] = get_args(EventKind)


@dataclass(frozen=True)
class FeedbackEvent:
    """One thing a user did with a finding."""

    kind: EventKind
    key: FindingKey
    language: str
    title: str
    explanation: str
    # What Siyada suggested (the finding's replacement), if anything.
    replacement: str | None
    # fix_edited only: the lines the fix wrote, as the user left them.
    final_text: str | None
    model: str
    created_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        # The kind may come from a client's command: refuse one the store cannot keep.
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown feedback kind {self.kind!r}; expected one of {EVENT_KINDS}")

    def as_kind(self, kind: EventKind) -> FeedbackEvent:
        return self if self.kind == kind else dataclasses.replace(self, kind=kind)


@dataclass(frozen=True)
class Dismissal:
    """An active dismissal; `id` is what `siyada feedback undo` takes."""

    id: int
    key: FindingKey
    title: str
    created_at: float


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored: its row id, and whether it was undone (dismissals only)."""

    id: int
    event: FeedbackEvent
    undone: bool

    def as_dismissal(self) -> Dismissal:
        return Dismissal(self.id, self.event.key, self.event.title, self.event.created_at)


@dataclass(frozen=True)
class ReviewRecord:
    """One answer of the model: exactly what the engine sent, and what came back."""

    key_path: str
    function: str
    function_hash: str
    language: str
    model: str
    messages: tuple[dict[str, str], ...]
    findings: tuple[Finding, ...]
    created_at: float = field(default_factory=time.time)

    @property
    def prompt_hash(self) -> str:
        """A digest of the messages, which with the function hash and model names a row."""
        text = json.dumps(self.messages, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
