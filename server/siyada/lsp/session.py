"""One editor session: everything the handlers share, created whole at `initialize`.

The settings, the reviewer (model client and answer cache), the scheduler, the status
reporter and the background tasks are made here, once, from what the client sent; the
handlers get this object and an `Output` (lsp/output.py), never the pygls server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.ask.conversation import ConversationStore
from siyada.code.languages import LanguageSpec, language_for
from siyada.feedback.store import open_feedback
from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.feedback_tracking import Tracked
from siyada.lsp.health import Health
from siyada.lsp.output import Output, PublishedDiagnostics, Quieting
from siyada.lsp.published import PublishedFixes
from siyada.lsp.session_feedback import SessionFeedback
from siyada.lsp.status import StatusReporter
from siyada.review.connection import is_remote
from siyada.review.engine import Reviewer
from siyada.review.explanation_language import language_of_locale, resolved
from siyada.review.review_report import ReviewRecord
from siyada.review.scheduler import Scheduler, SchedulerHooks
from siyada.review.settings import Settings, parse_settings, problems_message
from siyada.review.team_settings import (
    NO_TEAM_SETTINGS,
    TEAM_FILE_NAMES,
    TeamSettings,
    local_path,
    team_settings_in,
)
from siyada.tasks import TaskGroup

log = logging.getLogger(__name__)

T = TypeVar("T")


class ClientOptions:
    """The raw options last received from each source; workspace ones win.

    What the client sent ("options") stays apart from what the engine uses
    ("settings"): options are merged, then resolved once by `parse_settings`.
    """

    def __init__(
        self, initialization: dict[str, Any] | None = None, locale: str | None = None
    ) -> None:
        self.initialization: dict[str, Any] = dict(initialization or {})
        self.workspace: dict[str, Any] = {}
        # The language of the editor's display language (`initialize`'s `locale`), which
        # `explanationLanguage` "auto" stands for; None when the editor sent none.
        self.locale_language = language_of_locale(locale)
        if locale and self.locale_language is None:
            log.warning("The editor's locale %r names no language: findings in English.", locale)

    def merged(self) -> dict[str, Any]:
        return {**self.initialization, **self.workspace}


class Session:
    """What the handlers share; see the module."""

    def __init__(
        self,
        output: Output,
        flags: ClientFlags,
        codec: PositionCodec,
        options: ClientOptions,
        folders: Sequence[Path] = (),
    ) -> None:
        self.output = Quieting(output)
        # The workspace folders, whose team settings file (the first folder's that has
        # one) applies under the user's explicit settings.
        self.folders = tuple(folders)
        self.team = self._read_team()
        self.client_flags = flags
        self.codec = codec
        self.options = options
        self.languages: dict[str, LanguageSpec] = {}
        self.published = PublishedFixes()
        self.conversations = ConversationStore()  # siyada.ask, for this session only
        self.tasks = TaskGroup("Background", log)
        self.settings = self._parse_options()
        # One feedback store, beside the cache: the reviewer records its answers in it,
        # the session its users' feedback, and the reviewer owns (and closes) it.
        feedback_store = open_feedback(self.settings)
        self.feedback = SessionFeedback(
            self.settings,
            feedback_store,
            self.folders,
            self._language_id,
            warn=lambda problem: self.output.show_message(problem, types.MessageType.Warning),
        )
        self.status = StatusReporter(self)
        self.health = Health(self)
        self.status.publish()
        # The reviewer (HTTP client, cache) is made now, not on the first didOpen:
        # files reopened right after start then show their cached findings at once.
        reviewer = Reviewer(
            self.settings,
            instructions=self.team.instructions,
            feedback=feedback_store,
        )
        self.scheduler = Scheduler(reviewer, self._hooks())
        self._tell_cache_problem(reviewer)
        if flags.configuration:
            # Documents may open before the client answers workspace/configuration;
            # no review may reach an endpoint the user's settings are about to replace.
            self.scheduler.pause()

    # ----- state -------------------------------------------------------------------

    @property
    def closing(self) -> bool:
        """Set on shutdown or exit: from then on nothing is sent to the client."""
        return self.output.quiet_now

    @property
    def endpoint_is_remote(self) -> bool:
        return is_remote(self.settings)

    def language_of(self, uri: str) -> LanguageSpec | None:
        return self.languages.get(uri)

    def _language_id(self, uri: str) -> str | None:
        spec = self.languages.get(uri)
        return None if spec is None else spec.id

    def track_language(self, uri: str, language_id: str | None) -> LanguageSpec | None:
        spec = language_for(language_id, uri)
        if spec is not None:
            self.languages[uri] = spec
        return spec

    # ----- settings ----------------------------------------------------------------

    def apply_options(self) -> None:
        """Resolve the options received so far and take the settings they give."""
        self.apply_settings(self._parse_options())

    def apply_settings(self, settings: Settings) -> None:
        """Take new settings: a new reviewer (client, policy), re-shown diagnostics."""
        old = self.scheduler.reviewer
        changed = settings != self.settings or old.instructions != self.team.instructions
        self.settings = settings
        if changed:
            new = old.reconfigured(settings, self.team.instructions)
            self.scheduler.use_reviewer(new)
            if new.feedback is not None:
                self.feedback.use_settings(settings, new.feedback)
            self.health.stop()
            if not new.shares_client_with(old):
                self.spawn(old.aclose())
            if not new.shares_cache_with(old):
                old.cache.close()
                if old.feedback is not None:
                    old.feedback.close()
                self._tell_cache_problem(new)
        self.status.settings_changed()

    def is_team_file(self, uri: str) -> bool:
        """Whether `uri` names a file the team settings are read from."""
        path = local_path(uri)
        return path is not None and path.name in TEAM_FILE_NAMES and path.parent in self.folders

    def reload_team(self) -> None:
        """Read the team settings again (their file changed) and apply them: files
        they now exclude lose their diagnostics and are no longer reviewed."""
        self.team = self._read_team()
        for uri in [uri for uri in self.languages if self.excluded(uri)]:
            del self.languages[uri]
            self.scheduler.close(uri)
            self.clear(uri)
        self.apply_options()

    def excluded(self, uri: str) -> bool:
        """Whether the team settings' `exclude` keeps this document from review."""
        path = local_path(uri)
        return path is not None and self.team.excludes(path)

    def _read_team(self) -> TeamSettings:
        for folder in self.folders:
            team = team_settings_in(folder)
            if team is not None:
                if team.problems:
                    self.output.show_message(team.message(), types.MessageType.Warning)
                return team
        return NO_TEAM_SETTINGS

    def _parse_options(self) -> Settings:
        settings, problems = parse_settings(self.team.merged_with(self.options.merged()))
        if problems:
            self.output.show_message(problems_message(problems), types.MessageType.Warning)
        language = resolved(settings.explanation_language, self.options.locale_language)
        return dataclasses.replace(settings, explanation_language=language)

    def _tell_cache_problem(self, reviewer: Reviewer) -> None:
        problem = reviewer.cache.problem
        if problem is not None:
            self.output.show_message(problem, types.MessageType.Warning)

    # ----- diagnostics -------------------------------------------------------------

    def publish(self, uri: str) -> None:
        if self.closing:
            return
        snapshot = self.scheduler.snapshot(uri)
        if snapshot is None:
            return
        findings = self.feedback.visible(uri, snapshot.findings)
        diagnostics = self.published.diagnostics(
            uri,
            findings,
            snapshot.lines,
            snapshot.version,
            self.codec,
            path=self.feedback.path_of(uri),
        )
        shown = [Tracked(data, finding) for data, finding in self.published.shown(uri)]
        self.feedback.tracking.published(uri, shown, snapshot.lines)
        params: PublishedDiagnostics = {"uri": uri, "diagnostics": diagnostics}
        if snapshot.version is not None:
            params["version"] = snapshot.version
        self.output.publish_diagnostics(params)

    def clear(self, uri: str) -> None:
        self.published.forget(uri)
        self.feedback.tracking.forget(uri)
        self.output.publish_diagnostics({"uri": uri, "diagnostics": []})

    # ----- background work and its end ---------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run in the background; once the session is closing it starts cancelled."""
        return self.tasks.spawn(coroutine)

    def stop_work(self) -> None:
        """Stop sending and cancel every review and background task (no waiting)."""
        self.output.quiet()
        self.scheduler.cancel_all()
        self.tasks.cancel_all(close=True)

    async def close(self) -> None:
        """Stop work, wait for it to end, release the client and the cache."""
        self.stop_work()
        await self.scheduler.aclose()
        await self.tasks.wait()
        reviewer = self.scheduler.reviewer
        await reviewer.aclose()
        reviewer.cache.close()
        if reviewer.feedback is not None:
            reviewer.feedback.close()

    def _model_answered(self) -> None:
        self.health.model_used()
        self.status.succeeded()

    def _reviewed(self, record: ReviewRecord) -> None:
        self.feedback.tracking.reviewed(record.file, record.function)
        self.output.log_message(record.line(), types.MessageType.Info)

    def _hooks(self) -> SchedulerHooks:
        return SchedulerHooks(
            findings_changed=self.publish,
            activity=self.status.activity,
            succeeded=self._model_answered,
            failed=self.status.failed,
            skipped=lambda message: self.output.show_message(message, types.MessageType.Info),
            reviewed=self._reviewed,
        )
