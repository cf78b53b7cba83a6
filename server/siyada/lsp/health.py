"""Is the model server there and does it have the model? Asked once at start and after
each settings change, so the user learns what to fix before the first review, and
(with Ollama) the model is loaded (warmed up) while they open their files. An
OpenAI-compatible server loads its models itself: there is nothing to warm up."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from siyada.models.errors import ModelError
from siyada.models.ollama import OllamaClient
from siyada.review.pipeline import preflight

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)


async def check_and_warm_up(session: Session) -> None:
    reviewer = session.scheduler.reviewer
    settings = reviewer.settings
    try:
        await preflight(reviewer)
    except ModelError as error:
        if reviewer is session.scheduler.reviewer:
            session.status.failed(error)
        return
    session.status.succeeded()
    client = reviewer.client
    if not isinstance(client, OllamaClient):
        return
    try:
        await client.load(settings.model, settings.keep_alive)
    except ModelError as error:
        log.info("Warming up %s failed: %s", settings.model, error)
