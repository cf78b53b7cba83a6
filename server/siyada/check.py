"""`siyada check`: review files through the pipeline the editor uses and print the findings.

Exit codes: 0 files reviewed, no findings (at least as severe as `--fail-on`); 1 such
findings; 2 could not review (one line on stderr says why) or nothing reviewable in the
paths named. With `--diff REF`, a run where no function changed exits 0. A run that
completes ends with a summary on stderr saying what was reviewed and what was not.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from siyada.check_output import CannotWrite, Reported, fails, write_report
from siyada.check_summary import Tally
from siyada.cli import settings_from_options
from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit, lines_outside_units
from siyada.code.text import line_break_of
from siyada.feedback.fingerprint import FindingKey, finding_key, key_path
from siyada.feedback.store import covers, open_feedback
from siyada.git_changes import Changes, GitProblem, changes_since, source_root
from siyada.i18n import _
from siyada.models.errors import ModelError
from siyada.review.engine import Reviewer
from siyada.review.findings import Finding
from siyada.review.not_reviewed import FunctionTooLong, NotReviewed
from siyada.review.pipeline import (
    DocumentUnits,
    ReviewPipeline,
    contexts_of,
    document_units,
    preflight,
    review_key,
    within_limit,
)
from siyada.review.placement import PlacedFinding, place_findings
from siyada.review.settings import Settings
from siyada.review.team_settings import TeamSettings, team_settings_near
from siyada.source_files import (
    Found,
    NotRead,
    PathProblem,
    SourceFile,
    find_source_files,
    read_source,
)
from siyada.terminal import TerminalProgress

EXIT_CLEAN, EXIT_FINDINGS, EXIT_CANNOT_REVIEW = 0, 1, 2
# How the summary counts files the repository settings' `exclude` names.
EXCLUDED_BY_TEAM = "excluded by the repository's settings"


class CannotReview(Exception):
    """Stops the whole run; the message is the one line printed on stderr."""


@dataclass(frozen=True)
class Document:
    """A file that passed the limits: its text, lines and the functions to review."""

    file: SourceFile
    text: str
    prepared: DocumentUnits
    selected: list[FunctionUnit]
    # What goes beside each selected function (all None with `context` "function").
    contexts: list[FunctionContext | None]
    # The digest of the team's guidance for this file (empty without guidance).
    guidance: str = ""

    @property
    def path(self) -> Path:
        """The file's absolute path, which chooses the team's guidance by path glob."""
        return self.file.path.absolute()

    def key(self, unit: FunctionUnit, context: FunctionContext | None) -> str:
        return review_key(unit, context, self.guidance)

    def findings_of(
        self, answers: Mapping[str, tuple[Finding, ...]]
    ) -> dict[str, tuple[Finding, ...]]:
        """This document's answers by function hash, from answers by review key."""
        return {
            unit.hash: answers[key]
            for unit, context in zip(self.selected, self.contexts, strict=True)
            if (key := self.key(unit, context)) in answers
        }

    def to_review(self) -> Iterator[tuple[FunctionUnit, FunctionContext | None]]:
        return zip(self.selected, self.contexts, strict=True)


def run_check(args: argparse.Namespace) -> int:
    try:
        team = _team_settings_of([Path(p) for p in args.paths])
        settings = _settings_from(args, team)
        found = find_source_files([Path(p) for p in args.paths])
        changes = changes_since(args.diff, [Path(p) for p in args.paths]) if args.diff else None
    except (CannotReview, PathProblem, GitProblem) as reason:
        print(f"siyada: {reason}", file=sys.stderr)
        return EXIT_CANNOT_REVIEW
    for note in found.notes:
        print(f"siyada: {note}", file=sys.stderr)
    tally = Tally(folders_left_out=found.folders_left_out, diff_ref=args.diff)
    try:
        reported = asyncio.run(_review_all(settings, found, tally, team, changes))
        write_report(reported, args.format, args.out, source_root(Path.cwd()))
    except (CannotReview, CannotWrite) as reason:
        print(f"siyada: {reason}", file=sys.stderr)
        return EXIT_CANNOT_REVIEW
    for line in tally.summary(settings):
        print(line, file=sys.stderr)
    if tally.functions == 0 and tally.nothing_changed():
        return EXIT_CLEAN
    if tally.functions == 0:
        why = _("nothing reviewable in the paths named: {why}.", why=tally.why_nothing())
        print(f"siyada: {why}", file=sys.stderr)
        return EXIT_CANNOT_REVIEW
    return EXIT_FINDINGS if fails(reported, args.fail_on) else EXIT_CLEAN


def _team_settings_of(paths: list[Path]) -> TeamSettings:
    """The repository settings nearest the paths named (looking upward from each);
    paths under different settings files are refused, as they would need different
    settings. Each problem of the file is one line on stderr."""
    teams = {team.source: team for team in (team_settings_near(p.absolute()) for p in paths)}
    if len(teams) > 1:
        files = ", ".join(str(source) for source in teams if source is not None)
        raise CannotReview(
            _(
                "the paths named are under different repository settings ({files}); "
                "run siyada check once for each",
                files=files,
            )
        )
    team = next(iter(teams.values()))
    for problem in team.problems:
        print(f"siyada: {problem}", file=sys.stderr)
    return team


def _settings_from(args: argparse.Namespace, team: TeamSettings) -> Settings:
    extra = {"model": args.model, "minSeverity": args.min_severity}
    settings, problems = settings_from_options(args, extra, team)
    if problems:
        raise CannotReview(" ".join(problems))
    return settings


def _documents(
    found: Found,
    settings: Settings,
    tally: Tally,
    team: TeamSettings,
    changes: Changes | None,
) -> list[Document]:
    """Read each file and apply the editor's limits and cap to it; with `changes`,
    only the functions they touch are selected."""
    for skipped in found.skipped:
        tally.skip(skipped.path, skipped.kind, skipped.reason)
    documents: list[Document] = []
    for file in found.files:
        if team.excludes(file.path.absolute()):
            tally.skip(file.path, EXCLUDED_BY_TEAM, "")
            continue
        if changes is not None and not changes.touches(file.path):
            tally.unchanged_files += 1
            continue
        try:
            text = read_source(file.path, settings)
        except NotRead as not_read:
            tally.skip(file.path, not_read.kind, str(not_read))
            continue
        prepared = document_units(file.spec, text, settings)
        if prepared.not_reviewed is not None:
            tally.skip(file.path, prepared.not_reviewed.kind, prepared.not_reviewed.reason)
            continue
        units = prepared.units if changes is None else _changed(file, prepared, changes, tally)
        # Without a cursor, "nearest to the edits" is the order of the file.
        selection = within_limit(units, settings)
        tally.files += 1
        tally.beyond_limit += selection.beyond_limit
        tally.lines_outside += lines_outside_units(prepared.units, prepared.lines)
        contexts = contexts_of(file.spec, text, selection.units, settings, prepared.tree)
        guidance = team.instructions.digest_for(file.spec.id, file.path.absolute())
        documents.append(Document(file, text, prepared, selection.units, contexts, guidance))
    return documents


def _changed(
    file: SourceFile, prepared: DocumentUnits, changes: Changes, tally: Tally
) -> list[FunctionUnit]:
    changed = [
        unit
        for unit in prepared.units
        if changes.overlaps(file.path, unit.start_line + 1, unit.end_line + 1)
    ]
    tally.unchanged += len(prepared.units) - len(changed)
    return changed


async def _review_all(
    settings: Settings,
    found: Found,
    tally: Tally,
    team: TeamSettings,
    changes: Changes | None = None,
) -> list[Reported]:
    documents = _documents(found, settings, tally, team, changes)
    feedback = open_feedback(settings)
    reviewer = Reviewer(settings, instructions=team.instructions, feedback=feedback)
    for problem in (reviewer.cache.problem, feedback.problem):
        if problem is not None:
            print(f"siyada: {problem}", file=sys.stderr)
    try:
        answers = await _answers(ReviewPipeline(reviewer), documents, tally)
        dismissals = feedback.dismissals()
    finally:
        await reviewer.aclose()
        reviewer.cache.close()
        feedback.close()
    reported: list[Reported] = []
    for doc in documents:
        placed = place_findings(
            doc.selected,
            doc.findings_of(answers),
            doc.prepared.lines,
            doc.text,
            settings,
            spec=doc.file.spec,
        )
        shown = [p for p in placed if not covers(dismissals, _finding_key(doc, p))]
        tally.dismissed += len(placed) - len(shown)
        reported.extend(_reported(doc, p) for p in shown)
    return reported


def _finding_key(doc: Document, placed: PlacedFinding) -> FindingKey:
    # Outside a git work tree, the folder check runs in stands for the editor's
    # workspace folder, so both key a file by the same relative path.
    return finding_key(
        path=key_path(doc.path, workspace=Path.cwd()),
        function=placed.unit.name,
        function_hash=placed.unit.hash,
        category=placed.finding.category,
        evidence=placed.finding.evidence,
    )


def _reported(doc: Document, placed: PlacedFinding) -> Reported:
    flagged = tuple(doc.prepared.lines[placed.start_line : placed.end_line + 1])
    return Reported(doc.file.path, placed, flagged, line_break_of(doc.text))


async def _answers(
    pipeline: ReviewPipeline, documents: list[Document], tally: Tally
) -> dict[str, tuple[Finding, ...]]:
    """Cached answers first; the rest from the model, through the pipeline's gate
    (identical functions share one request). Answers by `review_key`."""
    answers: dict[str, tuple[Finding, ...]] = {}
    to_ask: list[tuple[Document, FunctionUnit, FunctionContext | None]] = []
    for doc in documents:
        for unit, context in doc.to_review():
            cached = pipeline.cached(doc.file.spec.id, unit, context, path=doc.path)
            if cached is None:
                to_ask.append((doc, unit, context))
            else:
                answers[doc.key(unit, context)] = cached
                tally.functions += 1
                tally.cached += 1
    if not to_ask:
        return answers
    try:
        await preflight(pipeline.reviewer)
    except ModelError as error:
        raise CannotReview(str(error)) from error
    progress = TerminalProgress(len(to_ask), sys.stderr)

    async def ask(doc: Document, unit: FunctionUnit, context: FunctionContext | None) -> None:
        try:
            findings = await pipeline.review(doc.file.spec.id, unit, context=context, path=doc.path)
            answers[doc.key(unit, context)] = findings
            tally.functions += 1
        except FunctionTooLong as too_long:
            tally.too_long += 1
            progress.note(f"siyada: {doc.file.path}: {too_long}")
        except NotReviewed as not_reviewed:
            # An unusable or cut-off answer costs this function its review, not the run.
            tally.unanswered += 1
            progress.note(f"siyada: {doc.file.path}: {not_reviewed}")
        except ModelError as error:
            raise CannotReview(str(error)) from error
        finally:
            progress.advance()

    try:
        async with asyncio.TaskGroup() as group:
            for doc, unit, context in to_ask:
                group.create_task(ask(doc, unit, context))
    except BaseExceptionGroup as failures:
        # The first failure stops the run; the other reviews were cancelled with it.
        first = failures.exceptions[0]
        raise first if isinstance(first, CannotReview) else failures from None
    finally:
        progress.finish()
    return answers
