"""The dataset from the feedback store's reviews and events: examples judged, the
duplicates removed, clean reviews sampled, the rest split, and the card's counts."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from siyada import __version__
from siyada.dataset.card import Counts, DataCard
from siyada.dataset.examples import Example, judge
from siyada.dataset.options import ExportOptions
from siyada.dataset.selection import clean_sampled, deduplicated, in_validation
from siyada.dataset.verdicts import DROPPED_REASONS, KEPT_REASONS, StandingEvents
from siyada.feedback.records import ReviewRecord, StoredEvent
from siyada.i18n import _


class NothingToExport(Exception):
    """The store holds nothing that makes an example; the message says why."""


@dataclass(frozen=True)
class Dataset:
    train: tuple[Example, ...]
    validation: tuple[Example, ...]
    card: DataCard


def build_dataset(
    reviews: Iterable[ReviewRecord],
    events: Sequence[StoredEvent],
    options: ExportOptions,
    now: float | None = None,
) -> Dataset:
    """The dataset `options` ask for; raises NothingToExport when it would be empty."""
    every = list(reviews)
    if not every:
        raise NothingToExport(_("nothing to export: review some code first"))
    chosen = [r for r in every if options.model is None or r.model == options.model]
    if not chosen:
        raise NothingToExport(_nothing_by_model(options.model or "", every))
    standing = StandingEvents.of(events)
    judged = [judge(record, standing) for record in chosen]
    unique = deduplicated(e for e in judged if e is not None)
    clean = [e for e in unique.examples if e.clean]
    used = [
        e
        for e in unique.examples
        if not e.clean or clean_sampled(e, options.clean_sample, options.seed)
    ]
    if not used:
        raise NothingToExport(
            _(
                "nothing to export: the model found nothing in any of the {count} reviews, "
                "and --clean-sample {fraction} sampled none of them",
                count=len(chosen),
                fraction=options.clean_sample,
            )
        )
    train, validation = _split(used, options)
    unusable = sum(1 for example in judged if example is None)
    read = _Read(len(every), len(chosen), unusable, len(events), unique.removed)
    card = DataCard(
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        siyada_version=__version__,
        options=options,
        models=dict(sorted(Counter(e.model for e in used).items())),
        counts=_counts(read, train, validation, len(clean)),
    )
    return Dataset(tuple(train), tuple(validation), card)


def _split(examples: list[Example], options: ExportOptions) -> tuple[list[Example], list[Example]]:
    train: list[Example] = []
    validation: list[Example] = []
    for example in examples:
        side = in_validation(example, options.validation_fraction, options.seed)
        (validation if side else train).append(example)
    return train, validation


def _nothing_by_model(model: str, reviews: list[ReviewRecord]) -> str:
    models = ", ".join(sorted({r.model for r in reviews}))
    return _(
        "nothing to export: no review by the model {model} (the store has reviews by: {models})",
        model=model,
        models=models,
    )


@dataclass(frozen=True)
class _Read:
    """What was read before the examples were chosen."""

    reviews: int
    chosen: int
    unusable: int
    events: int
    duplicates: int


def _counts(read: _Read, train: list[Example], validation: list[Example], clean: int) -> Counts:
    """The card's counts; the findings' are those of the examples written."""
    used = train + validation
    verdicts = [v for example in used for v in example.verdicts]
    reasons = Counter(v.reason for v in verdicts)
    too_long = sum(example.fixes_too_long for example in used)
    return Counts(
        reviews_read=read.reviews,
        reviews_of_other_models=read.reviews - read.chosen,
        reviews_unusable=read.unusable,
        events_read=read.events,
        duplicates_removed=read.duplicates,
        examples=len(used),
        train=len(train),
        validation=len(validation),
        findings_kept={reason: reasons[reason] for reason in KEPT_REASONS},
        findings_dropped={reason: reasons[reason] for reason in DROPPED_REASONS},
        corrected_fixes=reasons["corrected"] - too_long,
        fixes_too_long=too_long,
        clean_available=clean,
        clean_sampled=sum(1 for example in used if example.clean),
        emptied_by_feedback=sum(1 for example in used if example.emptied),
    )
