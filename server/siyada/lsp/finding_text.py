"""A finding's words as a diagnostic shows them: one plain line.

Editors list a diagnostic's message as plain text, one entry per row (VS Code's
Problems), so the message is the title and the explanation's first sentence with the
model's Markdown taken out, capped at a length a row can show. The full explanation, in
Markdown, is the hover's (lsp/hover.py). Right-to-left text keeps its code in Unicode
isolates (review/bidi.py); English text is not changed. A hint says so in the user's
language (siyada.i18n); the words of the finding are the model's. Everything here is
pure but for the language the messages are shown in.
"""

from __future__ import annotations

import re
from typing import Final

from siyada.i18n import _
from siyada.review.bidi import FSI, PDI, isolate_code, isolate_line, open_isolates
from siyada.review.findings import Finding

MAX_MESSAGE_CHARS: Final = 200
ELLIPSIS: Final = "\u2026"
SEPARATOR: Final = " \u2014 "

# Inline code first: what is inside backticks is code, never emphasis or a sentence end.
_CODE_SPAN: Final = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_IMAGE_OR_LINK: Final = re.compile(r"!?\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_AUTOLINK: Final = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]+)>")
# Emphasis markers around text, not inside words: `snake_case_name` keeps its underscores.
_EMPHASIS: Final = (
    re.compile(r"(?<![\w*])(\*{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w*])"),
    re.compile(r"(?<![\w_])(_{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w_])"),
    re.compile(r"(?<!~)~~(?=\S)(.+?)(?<=\S)~~(?!~)"),
)
_LINE_MARKUP: Final = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)
_FENCE_LINE: Final = re.compile(r"^\s*(?:```|~~~).*$", re.MULTILINE)
# A sentence ends at a stop followed by a blank, or at the end of a paragraph.
_SENTENCE_END: Final = re.compile(r"[.!?](?=\s)|\n[ \t]*\n")
# Abbreviations whose dot ends no sentence.
_ABBREVIATION: Final = re.compile(r"\b(?:e\.g|i\.e|vs|cf)\.$", re.IGNORECASE)


def diagnostic_message(finding: Finding) -> str:
    """One line: the title, then the explanation's first sentence, Markdown removed, at
    most MAX_MESSAGE_CHARS characters (cut at a word, with an ellipsis). A hint says so
    in words, since it is published with the severity of information."""
    title = plain_text(isolate_code(finding.title))
    sentence = plain_text(isolate_code(first_sentence(finding.explanation)))
    if not sentence or sentence == title:
        body = title
    elif title.endswith((".", "!", "?", ":", "\u061f")):
        body = f"{title} {sentence}"
    else:
        body = f"{title}{SEPARATOR}{sentence}"
    line = isolate_line(body)
    if finding.severity == "hint":
        # The body keeps its own isolate: an English "Hint: " stays on the left of an
        # Arabic body, and a translated word that reads right to left makes the whole
        # message one right-to-left line, the word on the right.
        line = isolate_line(_("Hint: {finding}", finding=line))
    return capped(line, MAX_MESSAGE_CHARS)


def plain_line(markdown: str) -> str:
    """`markdown` as one plain line (`plain_text`) that shows right-to-left text right:
    its code spans isolated, the line isolated as a whole when it reads right to left."""
    return isolate_line(plain_text(isolate_code(markdown)))


def first_sentence(markdown: str) -> str:
    """The text up to and including the first sentence's end outside inline code (the
    whole text when it has one sentence, the first paragraph when that has no stop);
    Markdown is kept."""
    text = markdown.strip()
    code = [match.span() for match in _CODE_SPAN.finditer(text)]
    for match in _SENTENCE_END.finditer(text):
        end = match.start() if match.group(0).startswith("\n") else match.end()
        if any(start < end < stop for start, stop in code):
            continue
        if _ABBREVIATION.search(text[:end]):
            continue
        return text[:end]
    return text


def plain_text(markdown: str) -> str:
    """`markdown` as plain text on one line: inline code keeps its content without the
    backticks, links keep their text, emphasis and line markup (headings, quotes, list
    bullets, fences) go, and every run of whitespace becomes one space."""
    markdown = _FENCE_LINE.sub(" ", markdown)
    pieces: list[str] = []
    position = 0
    for match in _CODE_SPAN.finditer(markdown):
        pieces.append(_without_markup(markdown[position : match.start()]))
        pieces.append(match.group(2).strip())
        position = match.end()
    pieces.append(_without_markup(markdown[position:]))
    return " ".join("".join(pieces).split())


def _without_markup(text: str) -> str:
    text = _LINE_MARKUP.sub("", text)
    text = _IMAGE_OR_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    for emphasis in _EMPHASIS:
        # Nested emphasis (`**_a_**`) takes one pass per level.
        for _pass in range(3):
            text = emphasis.sub(_emphasised, text)
    return text.replace("`", "")


def _emphasised(match: re.Match[str]) -> str:
    """The text inside emphasis markers; a dunder name (`__init__`) is code, not bold."""
    inner = match.group(match.lastindex or 0)
    if match.group(0).startswith("__") and re.fullmatch(r"\w+", inner):
        return match.group(0)
    return inner


def capped(text: str, limit: int) -> str:
    """`text` when it fits `limit` characters; else cut at the last word boundary that
    leaves room for an ellipsis (or mid-word when one word fills the limit). The cut is
    never inside isolated code (FSI ... PDI): it moves before it; an isolate around the
    whole line is closed after the ellipsis, which then ends the right-to-left text."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    budget = room
    while True:
        kept = _cut(text, budget, limit // 2)
        closing = PDI * len(open_isolates(kept, len(kept)))
        if len(kept) + len(closing) <= room:
            return kept + ELLIPSIS + closing
        budget -= len(kept) + len(closing) - room


def _cut(text: str, budget: int, word_after: int) -> str:
    """`text` cut to at most `budget` characters: at a word boundary after `word_after`
    if there is one, before any isolated code the cut would split (unless that code
    fills most of the room: then inside it, and `capped` closes its isolate)."""
    room = text[: budget + 1]
    cut = room.rfind(" ")
    end = cut if cut > word_after else budget
    # The first isolate past `word_after`, not the outermost: a translated "Hint: {finding}"
    # isolates the whole message, and the code inside it is still never split.
    inside_code = [at for at in open_isolates(text, end) if text[at] == FSI and at > word_after]
    if inside_code:
        end = inside_code[0]
    return text[:end].rstrip(" ,;:\u2014-")
