"""Model text made safe to show: no terminal control, bounded length.

A model's answer can be steered by the code it reviews, so its text may carry escape
sequences that clear a terminal, set a window title or hide text, and may be long
enough to swamp an editor. Controls are removed, and so are the bidi embeddings and
overrides (U+202A to U+202E), with which text can show other characters than it holds.
Other Unicode format characters are kept: the bidi isolates (U+2066 to U+2069) that
right-to-left text relies on stay, balanced in each line (review/bidi.py), so one the
model left open never turns the direction of the text shown after it.
"""

from __future__ import annotations

import re
from typing import Final

from siyada.code.text import with_newlines
from siyada.review.bidi import closed, safe_bidi

MAX_TITLE_CHARS: Final = 200
MAX_EXPLANATION_CHARS: Final = 2000
ELLIPSIS: Final = "\u2026"

# Whole escape sequences, in their 7-bit (ESC ...) and 8-bit (C1) spellings: control
# sequences (CSI), strings up to their terminator (OSC, DCS, SOS, PM, APC), then any
# other ESC sequence. An unterminated string loses only its introducer.
_ESCAPE_SEQUENCE: Final = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# Category Cc: C0, DEL and C1. Tab and newline are handled by the callers.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_TAB_NEWLINE: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LONE_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """`text` with each lone surrogate (which UTF-8 cannot encode) replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def safe_title(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """One line: escape sequences and controls removed, whitespace runs collapsed to one
    space, at most `limit` characters."""
    cleaned = _CONTROL.sub(" ", _ESCAPE_SEQUENCE.sub("", without_lone_surrogates(text)))
    return _capped(safe_bidi(" ".join(cleaned.split())), limit)


def safe_text(text: str, limit: int = MAX_EXPLANATION_CHARS) -> str:
    """Several lines: escape sequences and controls other than tab and newline removed
    (CR and CRLF become newlines), surrounding whitespace trimmed, at most `limit`
    characters."""
    cleaned = _ESCAPE_SEQUENCE.sub("", without_lone_surrogates(text))
    cleaned = _CONTROL_BUT_TAB_NEWLINE.sub("", with_newlines(cleaned))
    return _capped(safe_bidi(cleaned.strip()), limit)


def has_controls(code: str) -> bool:
    """True when `code` holds a character a code edit should never carry: a control
    other than tab and line breaks, or a lone surrogate."""
    text = with_newlines(code)
    return bool(_CONTROL_BUT_TAB_NEWLINE.search(text) or _LONE_SURROGATE.search(text))


def _capped(text: str, limit: int) -> str:
    """At most `limit` characters; a cut inside an isolate closes it after the ellipsis."""
    if len(text) <= limit:
        return text
    kept = text[: limit - len(ELLIPSIS)].rstrip()
    while len(closed(kept)) + len(ELLIPSIS) > limit:
        kept = kept[:-1].rstrip()
    return closed(kept + ELLIPSIS)
