"""What the team did with one finding of a review, read from the feedback events.

A finding is matched to events by `is_same_finding`, so a dismissal recorded on one
version of a function also covers the same finding the model gave on a version edited
elsewhere. When several events match, the newest decides: a fix applied and then
edited is a corrected fix, a dismissal undone is no dismissal at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from siyada.feedback.fingerprint import FindingKey, finding_key, is_same_finding
from siyada.feedback.records import FeedbackEvent, ReviewRecord, StoredEvent
from siyada.review.findings import Finding

# Why a finding stays in the assistant turn, or why it is left out.
KeptReason = Literal["accepted", "corrected", "fixed_by_hand", "untouched"]
DroppedReason = Literal["dismissed", "ignore_comment"]
KEPT_REASONS: Final[tuple[KeptReason, ...]] = (
    "accepted",
    "corrected",
    "fixed_by_hand",
    "untouched",
)
DROPPED_REASONS: Final[tuple[DroppedReason, ...]] = ("dismissed", "ignore_comment")

_KEPT_BY_KIND: Final[dict[str, KeptReason]] = {
    "fix_applied": "accepted",
    "fix_edited": "corrected",
    "changed_by_hand": "fixed_by_hand",
}


@dataclass(frozen=True)
class Verdict:
    """One finding's fate: kept (with the replacement to teach) or dropped."""

    kept: bool
    reason: KeptReason | DroppedReason
    # The replacement the assistant turn carries: the user's corrected text for a
    # corrected fix, else the model's own (None: no fix).
    replacement: str | None


def key_of(record: ReviewRecord, finding: Finding) -> FindingKey:
    """The key a feedback event about `finding` of `record` carries."""
    return finding_key(
        path=record.key_path,
        function=record.function,
        function_hash=record.function_hash,
        category=finding.category,
        evidence=finding.evidence,
    )


_Place = tuple[str, str, str]


def _place(key: FindingKey) -> _Place:
    return (key.path, key.function, key.category)


@dataclass(frozen=True)
class StandingEvents:
    """The events that still stand (an undone dismissal no longer does), filed by what
    `is_same_finding` compares, so each finding is compared with few events."""

    by_fingerprint: Mapping[str, tuple[StoredEvent, ...]]
    by_place: Mapping[_Place, tuple[StoredEvent, ...]]

    @classmethod
    def of(cls, events: Iterable[StoredEvent]) -> StandingEvents:
        by_fingerprint: dict[str, list[StoredEvent]] = defaultdict(list)
        by_place: dict[_Place, list[StoredEvent]] = defaultdict(list)
        for stored in events:
            if not stored.undone:
                by_fingerprint[stored.event.key.fingerprint].append(stored)
                by_place[_place(stored.event.key)].append(stored)
        return cls(
            {k: tuple(v) for k, v in by_fingerprint.items()},
            {k: tuple(v) for k, v in by_place.items()},
        )

    def matching(self, key: FindingKey) -> list[FeedbackEvent]:
        """The events about `key`'s finding, oldest first."""
        candidates = {
            stored.id: stored
            for stored in (
                *self.by_fingerprint.get(key.fingerprint, ()),
                *self.by_place.get(_place(key), ()),
            )
            if is_same_finding(stored.event.key, key)
        }
        ordered = sorted(candidates.values(), key=lambda s: (s.event.created_at, s.id))
        return [stored.event for stored in ordered]


def verdict(record: ReviewRecord, finding: Finding, events: StandingEvents) -> Verdict:
    """What the team did with `finding` of `record`: the newest matching event says."""
    matching = events.matching(key_of(record, finding))
    if not matching:
        return Verdict(True, "untouched", finding.replacement)
    return _from_event(matching[-1], finding)


def _from_event(event: FeedbackEvent, finding: Finding) -> Verdict:
    if event.kind == "dismissed" or event.kind == "ignore_comment":
        return Verdict(False, event.kind, None)
    reason = _KEPT_BY_KIND[event.kind]
    if reason == "corrected" and event.final_text is not None:
        return Verdict(True, reason, event.final_text)
    return Verdict(True, reason, finding.replacement)
