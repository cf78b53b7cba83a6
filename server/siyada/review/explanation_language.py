"""The language findings are explained in: the `explanationLanguage` setting's values.

The setting is "auto" or a BCP 47 tag. "auto" is resolved once, where the session or
command starts, into a concrete tag: from the `locale` the editor sends in `initialize`
(VS Code's display language), or for the command line from the locale variables the
server's messages follow too (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, then `LANG`).
Without either, English. The engine only ever sees a concrete tag: it names the
language in the prompt and keys the answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from siyada.i18n import LOCALE_VARIABLES
from siyada.review.setting_kinds import SettingError

AUTO: Final = "auto"
ENGLISH: Final = "en"

# RFC 5646's well-formed tags (grandfathered tags aside): language (2-3 letters with up
# to three extended subtags, or 4-8 letters), script, region, variants, extensions,
# private use.
_TAG: Final = re.compile(
    r"""
    (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})
    (?:-(?P<script>[a-z]{4}))?
    (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
    (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*
    (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*
    (?:-x(?:-[a-z0-9]{1,8})+)?
    """,
    re.VERBOSE,
)

# The languages a model is most often asked for, by primary subtag: the prompt names
# the language in English words as well as by its tag, which models follow best.
_NAMES: Final[Mapping[str, str]] = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "ms": "Malay",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "sw": "Swahili",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

# Languages whose written standard differs by region (Brazilian and European
# Portuguese; simplified and traditional Chinese): a locale keeps its region for these
# only, so "ar_SA" and "ar_EG" share one language and one set of cached answers.
_REGIONAL: Final = frozenset({"pt", "zh"})

_POSIX_ENGLISH: Final = frozenset({"c", "posix"})


def canonical_tag(text: str) -> str | None:
    """`text` as a well-formed BCP 47 tag in its usual case ("pt-BR", "zh-Hant"), or
    None when it is not one. Tags are matched without regard to case."""
    lowered = text.strip().lower()
    if _TAG.fullmatch(lowered) is None:
        return None
    parts = lowered.split("-")
    cased = [parts[0]]
    for index, part in enumerate(parts[1:], start=1):
        if len(parts[index - 1]) == 1:  # after a singleton (x, u...) nothing is cased
            cased.extend(parts[index:])
            break
        if len(part) == 4 and part.isalpha():
            cased.append(part.title())
        elif len(part) == 2 and part.isalpha():
            cased.append(part.upper())
        else:
            cased.append(part)
    return "-".join(cased)


def explanation_language(value: Any) -> str:
    """The setting's parser: "auto" or a canonical BCP 47 tag."""
    text = value.strip() if isinstance(value, str) else None
    if text is not None and text.lower() == AUTO:
        return AUTO
    tag = canonical_tag(text) if text else None
    if tag is None:
        raise SettingError('must be "auto" or a BCP 47 language tag such as "ar", "en" or "pt-BR"')
    return tag


def language_of_locale(locale: str | None) -> str | None:
    """The tag a locale names, as the editor sends it ("ar", "zh-tw", "pt-br") or as
    POSIX writes it ("ar_SA.UTF-8", "sr_RS@latin"): the language, with its region
    only where the written language differs by region. None for no locale or one that
    names no language; "en" for the POSIX "C" and "POSIX" locales."""
    if not locale:
        return None
    name = locale.split(".", 1)[0].split("@", 1)[0].replace("_", "-").strip()
    if name.lower() in _POSIX_ENGLISH:
        return ENGLISH
    tag = canonical_tag(name)
    if tag is None:
        return None
    subtags = tag.split("-")
    region = next((s for s in subtags[1:] if len(s) == 2 and s.isupper()), None)
    if subtags[0] in _REGIONAL and region is not None:
        return f"{subtags[0]}-{region}"
    return subtags[0]


def environment_language(environ: Mapping[str, str]) -> str:
    """The language of messages the environment asks for, read as the server's own
    messages read it (`siyada.i18n.LOCALE_VARIABLES`): the first variable set and not
    empty decides; of `LANGUAGE`'s list, the first entry naming a language. Unset, "C",
    "POSIX" or a value naming no language: English (a program's messages fall back to
    the C locale the same way)."""
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable, "")
        if not value:
            continue
        entries = value.split(":") if variable == "LANGUAGE" else [value]
        named = (language_of_locale(entry) for entry in entries)
        return next((tag for tag in named if tag is not None), ENGLISH)
    return ENGLISH


def resolved(choice: str, locale_language: str | None) -> str:
    """The concrete tag for the setting's `choice`: itself, or for "auto" the language
    of the editor's or environment's locale (`language_of_locale`), else English."""
    if choice != AUTO:
        return choice
    return locale_language or ENGLISH


def described(tag: str) -> str:
    """The language in English words with its tag, as the prompt names it: "Arabic
    (ar)", "Portuguese (pt-BR)"; a tag without a known name is named by the tag."""
    name = _NAMES.get(tag.split("-", 1)[0])
    if name is None:
        return f"the language with BCP 47 tag {tag}"
    return f"{name} ({tag})"
