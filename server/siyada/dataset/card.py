"""The data card written beside the dataset: what it holds, where it came from and
which options made it, as JSON (`data_card.json`) and for people (`DATA_CARD.md`).

The card describes files that travel together with the data, like the JSONL's keys:
it is written in English whatever the terminal's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from siyada.dataset.options import ExportOptions

FORMAT: Final = (
    "JSONL, one chat per line: {messages: [system, user, assistant]}, the format "
    "Unsloth and TRL take; the assistant turn is JSON of {findings: [...]} in "
    "Siyada's answer schema"
)
TRAIN_FILE: Final = "train.jsonl"
VALIDATION_FILE: Final = "validation.jsonl"
CARD_JSON: Final = "data_card.json"
CARD_MARKDOWN: Final = "DATA_CARD.md"


@dataclass(frozen=True)
class Counts:
    reviews_read: int
    # Left out by --model.
    reviews_of_other_models: int
    # Whose messages are not one system and one user turn.
    reviews_unusable: int
    events_read: int
    duplicates_removed: int
    examples: int
    train: int
    validation: int
    # Findings the model gave, by what the team did with them.
    findings_kept: Mapping[str, int]
    findings_dropped: Mapping[str, int]
    # Kept findings whose fix the user corrected: the corrected text is the fix taught.
    corrected_fixes: int
    # Corrected fixes longer than the answer schema allows: the finding kept, no fix.
    fixes_too_long: int
    # Reviews in which the model found nothing, and how many of them were sampled.
    clean_available: int
    clean_sampled: int
    # Reviews whose every finding the team dropped: kept, they teach silence too.
    emptied_by_feedback: int


@dataclass(frozen=True)
class DataCard:
    created: str  # ISO 8601, UTC
    siyada_version: str
    options: ExportOptions
    # Examples per model that gave the reviews.
    models: Mapping[str, int]
    counts: Counts

    def to_json(self) -> dict[str, Any]:
        counts = asdict(self.counts)
        return {
            "format": FORMAT,
            "files": {"train": TRAIN_FILE, "validation": VALIDATION_FILE},
            "created": self.created,
            "siyada_version": self.siyada_version,
            "options": asdict(self.options),
            "models": dict(self.models),
            "counts": counts,
        }

    def to_markdown(self) -> str:
        counts = self.counts
        lines = [
            "# Siyada review dataset",
            "",
            f"Exported {self.created} by Siyada {self.siyada_version}.",
            "",
            f"Format: {FORMAT}.",
            "",
            f"- `{TRAIN_FILE}`: {counts.train} examples",
            f"- `{VALIDATION_FILE}`: {counts.validation} examples",
            "",
            "## Options",
            "",
            *_table(("Option", "Value"), _options_rows(self.options)),
            "",
            "## Models the reviews came from",
            "",
            *_table(("Model", "Examples"), sorted(self.models.items())),
            "",
            "## Counts",
            "",
            *_table(("What", "Count"), _count_rows(counts)),
            "",
        ]
        return "\n".join(lines)


def _options_rows(options: ExportOptions) -> list[tuple[str, object]]:
    return [
        ("--validation-fraction", options.validation_fraction),
        ("--clean-sample", options.clean_sample),
        ("--seed", options.seed),
        ("--model", options.model if options.model is not None else "(every model)"),
    ]


def _count_rows(counts: Counts) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("reviews read", counts.reviews_read),
        ("reviews of other models (left out)", counts.reviews_of_other_models),
        ("reviews unusable (left out)", counts.reviews_unusable),
        ("feedback events read", counts.events_read),
        ("duplicates removed", counts.duplicates_removed),
        ("examples", counts.examples),
        ("train", counts.train),
        ("validation", counts.validation),
    ]
    rows += [(f"findings kept: {reason}", n) for reason, n in counts.findings_kept.items()]
    rows += [(f"findings dropped: {reason}", n) for reason, n in counts.findings_dropped.items()]
    rows += [
        ("corrected fixes (the user's text taught)", counts.corrected_fixes),
        ("corrected fixes too long for the schema (fix left out)", counts.fixes_too_long),
        ("clean reviews available", counts.clean_available),
        ("clean reviews sampled", counts.clean_sampled),
        ("reviews emptied by feedback (kept)", counts.emptied_by_feedback),
    ]
    return rows


def _table(header: tuple[str, str], rows: list[tuple[str, object]]) -> list[str]:
    return [
        f"| {header[0]} | {header[1]} |",
        "|---|---:|",
        *(f"| {_cell(name)} | {_cell(value)} |" for name, value in rows),
    ]


def _cell(value: object) -> str:
    """A table cell: a pipe or a line break in a model's name must not break the row."""
    return str(value).replace("|", "\\|").replace("\n", " ")
