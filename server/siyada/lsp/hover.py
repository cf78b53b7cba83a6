"""textDocument/hover over a finding: what the one-line diagnostic message leaves out.

The hover describes the findings the server last published for the document whose
range holds the position (lsp/published.py), so it always matches the squiggle under
the pointer: the full explanation in Markdown, the category and severity in words, the
confidence, the model, and links to what the user can do. The model's text is shown as
Markdown, but its links keep only their text: a reviewed file can steer the model, so
nothing it writes becomes a link to click.

Right-to-left text (Arabic, Hebrew) gets the same Unicode isolates as the plain
message (review/bidi.py), in the Markdown too: VS Code shows a hover as HTML in a
left-to-right block, where inline code (`<code>`) does not isolate itself, and the
client allows no HTML (no `<bdi>`, no `dir`). The isolates are invisible format
characters that the renderer's bidi algorithm obeys; they go outside the backticks, so
the code span is still one and its text copies clean, never into fenced code (a fence
must open its line) and after a heading's or list item's markup.

The words around the model's (severity, the facts line, the links, the light bulb's
sentence) are Siyada's own, in the user's language (siyada.i18n); category names stay
as they are, being the words of the schema and of `siyada: ignore[...]`. In a
right-to-left language they pass through the same isolation: the facts line and the
light bulb's sentence read right to left with their values isolated, and the links'
line is one right-to-left isolate whose link texts are isolates too, so the Latin
targets of the links are never taken for words of the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from lsprotocol import types

from siyada.i18n import N_, _
from siyada.lsp.action_titles import dismiss_action, ignore_action, ignore_file_action
from siyada.lsp.category_pages import category_page_uri
from siyada.lsp.commands import REVIEW_FILE
from siyada.lsp.finding_text import plain_line
from siyada.lsp.published import ShownFinding
from siyada.review.bidi import FSI, PDI, RLI, has_rtl, isolate_line, isolate_markdown
from siyada.review.findings import Finding

if TYPE_CHECKING:
    from siyada.lsp.session import Session

# VS Code's own command that opens the Settings editor at a search: the filters.
OPEN_SETTINGS: Final = "workbench.action.openSettings"
# The commands the hover links to; a client runs a `command:` link only when it trusts
# that command (the VS Code client enables exactly these).
LINKED_COMMANDS: Final = (REVIEW_FILE, OPEN_SETTINGS)

SEVERITY_WORDS: Final = {
    "error": N_("Error"),
    "warning": N_("Warning"),
    "info": N_("Info"),
    "hint": N_("Hint"),
}
_MODEL_LINK: Final = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MODEL_AUTOLINK: Final = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>")
_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def hover(session: Session, params: types.HoverParams) -> types.Hover | None:
    position = params.position
    shown = session.published.at(params.text_document.uri, position.line, position.character)
    if not shown:
        return None
    model = session.settings.model
    if session.client_flags.hover_markdown:
        text = "\n\n---\n\n".join(finding_markdown(item.finding, model) for item in shown)
        contents = types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
    else:
        text = "\n\n".join(finding_plain_text(item.finding, model) for item in shown)
        contents = types.MarkupContent(kind=types.MarkupKind.PlainText, value=text)
    return types.Hover(contents=contents, range=_range_of(shown))


def finding_markdown(finding: Finding, model: str) -> str:
    """The hover of one finding, in Markdown."""
    return "\n\n".join(
        (
            f"**{escape_markdown(plain_line(finding.title))}**",
            isolate_markdown(_facts(finding, _code(model))),
            isolate_markdown(model_markdown(finding.explanation)),
            isolate_markdown(_actions(finding.category)),
        )
    )


def finding_plain_text(finding: Finding, model: str) -> str:
    """The hover of one finding for a client that shows no Markdown."""
    return "\n".join(
        (
            plain_line(finding.title),
            isolate_line(_facts(finding, model)),
            plain_line(finding.explanation),
        )
    )


def _facts(finding: Finding, model: str) -> str:
    """Severity and category in words, the confidence, the model that said it."""
    severity = SEVERITY_WORDS[finding.severity]
    return _(
        "{severity} \u00b7 {category} \u00b7 confidence {confidence} \u00b7 {model}",
        severity=_(severity),
        category=finding.category,
        # The percent sign goes with the number: one isolate in a right-to-left line.
        confidence=f"{round(finding.confidence * 100)}%",
        model=model,
    )


def _actions(category: str) -> str:
    links = [
        (_("Review this file again"), _command_link(REVIEW_FILE, [])),
        (_("Siyada settings"), _command_link(OPEN_SETTINGS, ["siyada"])),
    ]
    page = category_page_uri(category)
    if page is not None:
        about = _("About {category} findings and how to silence them", category=category)
        links.append((about, page))
    fixes = _(
        "The light bulb (Quick Fix) offers the fix when there is one, "
        "\u201c{ignore_finding}\u201d, which adds a {comment} comment, "
        "\u201c{dismiss}\u201d, which hides it without an edit, and "
        "\u201c{ignore_file}\u201d.",
        ignore_finding=ignore_action(category),
        dismiss=dismiss_action(),
        # Code as a whole value: an isolate goes outside its backticks, never inside.
        comment=_code(f"siyada: ignore[{category}]"),
        ignore_file=ignore_file_action(),
    )
    return _link_line(links) + "\n\n" + fixes


def _link_line(links: Sequence[tuple[str, str]]) -> str:
    """Markdown links (text, target) on one line. With right-to-left text each link's
    text is an isolate and the line one right-to-left isolate: the first link is on the
    right, and `isolate_markdown` never takes a target's Latin letters for words of the
    text (a link text ending in a Latin word, "إعدادات Siyada", would otherwise make
    one run with its target, isolated across the link's syntax)."""
    right_to_left = any(has_rtl(text) for text, _target in links)
    shown = [
        f"[{FSI}{escape_markdown(text)}{PDI}]({target})"
        if right_to_left
        else f"[{escape_markdown(text)}]({target})"
        for text, target in links
    ]
    line = " \u00b7 ".join(shown)
    return f"{RLI}{line}{PDI}" if right_to_left else line


def _command_link(command: str, arguments: Sequence[object]) -> str:
    if not arguments:
        return f"command:{command}"
    return f"command:{command}?{quote(json.dumps(list(arguments)))}"


def model_markdown(text: str) -> str:
    """The model's Markdown with its links and images reduced to their text."""
    text = _MODEL_LINK.sub(lambda match: match.group(1), text)
    return _MODEL_AUTOLINK.sub(lambda match: _code(match.group(1)), text)


def escape_markdown(text: str) -> str:
    """`text` shown literally in Markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _code(text: str) -> str:
    """`text` as inline code, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _range_of(shown: Sequence[ShownFinding]) -> types.Range:
    """The range the hover stays open over: the first finding's."""
    first = shown[0].range
    return types.Range(
        start=types.Position(line=first["start"]["line"], character=first["start"]["character"]),
        end=types.Position(line=first["end"]["line"], character=first["end"]["character"]),
    )
