"""Is the model server there and does it have the model? Asked once at start and after
each settings change, so the user learns what to fix before the first review, and
the model is loaded (warmed up) while they open their files."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from siyada.models.errors import ModelError
from siyada.review.pipeline import preflight

if TYPE_CHECKING:
    from siyada.lsp.server import SiyadaServer

log = logging.getLogger(__name__)


async def check_and_warm_up(ls: SiyadaServer) -> None:
    reviewer = ls.scheduler.reviewer
    settings = reviewer.settings
    try:
        await preflight(reviewer)
    except ModelError as error:
        if reviewer is ls.scheduler.reviewer:
            ls.status.failed(error)
        return
    ls.status.succeeded()
    try:
        await reviewer.client.load(settings.model, settings.keep_alive)
    except ModelError as error:
        log.info("Warming up %s failed: %s", settings.model, error)
