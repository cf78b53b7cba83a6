"""What the team did with one finding of a review, read from the feedback events.

A finding is matched to events by `is_same_finding`, so a dismissal recorded on one
version of a function also covers the same finding the model gave on a version edited
elsewhere. When several events match, the newest decides: a fix applied and then
edited is a corrected fix, a dismissal undone is no dismissal at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from siyada.feedback.fingerprint import FindingKey, is_same_finding, normalize_evidence
from siyada.feedback.store import FeedbackEvent, ReviewRecord, StoredEvent
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


def finding_key(record: ReviewRecord, finding: Finding) -> FindingKey:
    """The key a feedback event about `finding` of `record` carries."""
    return FindingKey(
        path=record.key_path,
        function=record.function,
        function_hash=record.function_hash,
        category=finding.category,
        evidence=normalize_evidence(finding.evidence),
    )


def active_events(events: Sequence[StoredEvent]) -> list[StoredEvent]:
    """The events that still stand (an undone dismissal no longer does), oldest first."""
    standing = [stored for stored in events if not stored.undone]
    return sorted(standing, key=lambda stored: (stored.event.created_at, stored.id))


def verdict(record: ReviewRecord, finding: Finding, events: Sequence[StoredEvent]) -> Verdict:
    """What the team did with `finding`; `events` as `active_events` gives them."""
    key = finding_key(record, finding)
    matching = [stored.event for stored in events if is_same_finding(stored.event.key, key)]
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
