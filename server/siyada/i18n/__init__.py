"""The server's own words in the user's language, through the standard `gettext`.

Every message the user reads from Siyada itself (a `window/showMessage`, the status
text, progress, the CLI's errors and summary) is written in English in the code and
passed through `_` or `ngettext`: the English text is the catalog key, so a language
without a catalog, or a catalog without that entry, shows the English text, never a
key. Placeholders are named (`{endpoint}`), filled by these functions after
translation, so a translation may put them in any order; in a right-to-left language
each value is isolated (FSI ... PDI) so it keeps its own direction.

One language per process: the CLI takes it from the environment the POSIX way
(`use_environment_locale`), the language server from the `locale` its client sends in
`initialize` (`use_locale`). What machines read (diagnostic codes, JSON and SARIF
output, command names, log lines for bug reports) is never translated.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping

from siyada.i18n.catalogs import translations_for
from siyada.review.bidi import FSI, PDI

_active: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"

# Languages written right to left. In their messages each filled-in value (a URL, a
# model or file name, a number, a command) is set between FIRST STRONG ISOLATE and POP
# DIRECTIONAL ISOLATE, so the bidirectional algorithm lays it out on its own: without
# them "http://127.0.0.1:9." or "qwen2.5-coder:7b" inside Arabic text shows its
# punctuation in the wrong places.
RIGHT_TO_LEFT = frozenset({"ar", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"})

# The environment variables a POSIX program reads for its messages' language, first
# wins, as for the standard library's `gettext.find` (`LANGUAGE` may list several).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def use_locale(tag: str | None) -> str:
    """Speak the language of `tag` (BCP 47 as LSP sends it, "ar-EG", or POSIX,
    "ar_EG.UTF-8"); English for None or a language without a catalog. Returns the
    catalog's language ("ar"), or "en"."""
    global _active, _language
    found = translations_for(tag)
    if found is None:
        _active, _language = gettext.NullTranslations(), "en"
    else:
        _language, _active = found
    return _language


def use_environment_locale(environ: Mapping[str, str] | None = None) -> str:
    """`use_locale` with the language the environment names: the first set of
    `LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`; the first of `LANGUAGE`'s list that
    has a catalog. "C" and "POSIX" mean English."""
    env = os.environ if environ is None else environ
    value = next((env[name] for name in LOCALE_VARIABLES if env.get(name)), "")
    tags = value.split(":") if value == env.get("LANGUAGE") else [value]
    for tag in tags:
        if use_locale(tag) != "en":
            break
    return _language


def language() -> str:
    """The language messages are shown in now: a catalog's ("ar") or "en"."""
    return _language


def _(message: str, **values: object) -> str:
    """`message` in the current language, its `{name}` placeholders filled."""
    text = _active.gettext(message)
    return text.format(**_isolated(values)) if values else text


def N_(message: str) -> str:
    """Marks `message` for the catalogs where it is defined (a table of words) without
    translating it: `_` translates it where it is shown, in the language of then."""
    return message


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The form of `singular`/`plural` that suits `n` in the current language (Arabic
    has six), with the placeholders filled: `{count}` is `n` unless `values` give it
    (`count="1,234"`)."""
    text = _active.ngettext(singular, plural, n)
    return text.format(**_isolated({"count": n, **values}))


def _isolated(values: dict[str, object]) -> dict[str, object]:
    if _language.split("_", 1)[0] not in RIGHT_TO_LEFT:
        return values
    return {name: f"{FSI}{value}{PDI}" for name, value in values.items()}
