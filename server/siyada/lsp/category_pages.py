"""The page that explains each finding category, linked from its diagnostics.

The pages ship inside the package (`siyada/categories/<category>.md`, package data;
the repository's `docs/categories` points at the same folder), so the link is a
`file:` URI to the installed copy and opens without a network, like everything else
Siyada does.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources
from pathlib import Path

from siyada.review.findings import CATEGORIES

log = logging.getLogger(__name__)


@cache
def category_page_uri(category: str) -> str | None:
    """The `file:` URI of the installed page of `category`; None for a category
    without one (never for a category of the schema: a test holds every page there)."""
    if category not in CATEGORIES:
        return None
    page = resources.files("siyada").joinpath("categories", f"{category}.md")
    if not isinstance(page, Path) or not page.is_file():
        log.warning("The page about %s findings is not installed at %s.", category, page)
        return None
    return page.resolve().as_uri()
