"""The catalogs shipped with the package: `siyada/locale/<lang>/LC_MESSAGES/siyada.po`.

The `.po` files are the source and the only thing committed; `gettext` reads compiled
`.mo` data, which is made here in memory (polib) the first time a language is used.
No build step then stands between an edit of a `.po` file and the running server, in
a wheel and in an editable install alike.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from importlib import resources
from importlib.resources.abc import Traversable

import polib

log = logging.getLogger(__name__)

DOMAIN = "siyada"


def locale_folder() -> Traversable:
    return resources.files("siyada") / "locale"


def catalog_path(language: str) -> Traversable:
    return locale_folder() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages() -> tuple[str, ...]:
    """The languages with a catalog, sorted ("ar", ...)."""
    return tuple(
        sorted(
            folder.name
            for folder in locale_folder().iterdir()
            if folder.is_dir() and catalog_path(folder.name).is_file()
        )
    )


def candidates(tag: str) -> list[str]:
    """The catalog names to try for a locale tag, most specific first: "ar-EG" and
    "ar_EG.UTF-8@latin" give ["ar_EG", "ar"]."""
    base = tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    parts = [part for part in base.split("_") if part]
    if not parts:
        return []
    parts[0] = parts[0].lower()
    parts[1:] = [part.upper() if len(part) == 2 else part for part in parts[1:]]
    return ["_".join(parts[:end]) for end in range(len(parts), 0, -1)]


def translations_for(tag: str | None) -> tuple[str, gettext.GNUTranslations] | None:
    """The catalog for `tag` and its name, or None when none matches (English)."""
    if not tag:
        return None
    known = set(available_languages())
    for name in candidates(tag):
        if name in known:
            translations = load(name)
            return None if translations is None else (name, translations)
    return None


@functools.cache
def load(language: str) -> gettext.GNUTranslations | None:
    """The compiled catalog of `language`; None, said in the log, when its `.po` file
    cannot be read: the messages are then shown in English rather than not at all."""
    try:
        po = polib.pofile(catalog_path(language).read_text(encoding="utf-8"))
        return gettext.GNUTranslations(io.BytesIO(po.to_binary()))
    except (OSError, ValueError) as error:
        log.warning(
            "The %s message catalog cannot be read (%s): messages stay English.", language, error
        )
        return None
