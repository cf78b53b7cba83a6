"""Right-to-left text shown right: Unicode isolates around code, balanced bidi controls.

Editors, terminals and SARIF viewers lay a line out left to right. An Arabic or Hebrew
sentence that quotes code (`subprocess.call`, `os.system(cmd)`) is then shown with its
words out of order: the Latin code splits the right-to-left run in two, and brackets at
the code's edge take the Arabic direction and turn around. The Unicode bidi algorithm
(UAX #9) has the answer: an isolate (FSI ... PDI) is one neutral character to the text
around it, so the code keeps its own left-to-right order and the sentence around it
stays one run. A line that reads right to left is wrapped in RLI ... PDI as a whole, so
it reads right to left even where the display's base direction is left to right (VS
Code's Problems, hovers, a terminal line after a path).

Text without a right-to-left letter or a bidi control character is returned unchanged,
byte for byte. Every function here first applies `safe_bidi`: isolates are kept
balanced within each paragraph (a line: a line break ends every isolate), so a stray
isolate from the model never turns the direction of what follows it, and embeddings and
overrides go (also from an answer cached before they were removed on reading).
Everything here is pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Final

LRI: Final = "\u2066"
RLI: Final = "\u2067"
FSI: Final = "\u2068"
PDI: Final = "\u2069"
INITIATORS: Final = frozenset((LRI, RLI, FSI))

# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO): superseded by isolates, and an
# override can make model text show other characters than it holds (reversed code).
_EMBEDDING_OR_OVERRIDE: Final = re.compile("[\u202a-\u202e]")
# A code span in Markdown: a backtick run closed by a run of the same length.
_CODE_SPAN: Final = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_TOKEN: Final = re.compile(r"\S+")
# What stays outside an isolated run of code or Latin text: the sentence's own
# punctuation, its quotation marks and Markdown emphasis markers.
_EDGE_OUTSIDE: Final = frozenset(
    ".,;:!?\u060c\u061b\u061f\"'\u201c\u201d\u2018\u2019\u00ab\u00bb*_~"
)
_PAIRS: Final = {"(": ")", "[": "]", "{": "}", "<": ">"}
_RTL_CLASSES: Final = frozenset(("R", "AL"))
# Markdown's block syntax, which an isolate must not come before: a fence line, and the
# markup that opens a line (heading, quote, list item).
_FENCE: Final = re.compile(r"^\s{0,3}(?:```|~~~)")
_BLOCK_MARKUP: Final = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
# What stays outside a line's isolate. Emphasis markers: CommonMark counts an isolate
# as neither space nor punctuation, so `_` next to one could no longer open or close.
# Trailing spaces or a backslash: they make a hard break only at the line's end.
_LINE_START: Final = re.compile(r"\s*[*_~]*")
_LINE_END: Final = re.compile(r"[*_~]*[ \t\\]*$")
_HARD_BREAK: Final = re.compile(r"(?:  |\\)$")


def has_rtl(text: str) -> bool:
    """Whether `text` holds a strong right-to-left character (Hebrew, Arabic...)."""
    return any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text)


def has_bidi_controls(text: str) -> bool:
    """Whether `text` holds an isolate, embedding or override character."""
    return bool(_EMBEDDING_OR_OVERRIDE.search(text)) or any(
        char in INITIATORS or char == PDI for char in text
    )


def safe_bidi(text: str) -> str:
    """`text` with its embeddings and overrides removed and its isolates balanced in
    each paragraph: a PDI that closes nothing is dropped, an isolate left open is
    closed where its paragraph ends (which is where UAX #9 ends it anyway)."""
    if not has_bidi_controls(text):
        return text
    pieces: list[str] = []
    depth = 0
    for char in _EMBEDDING_OR_OVERRIDE.sub("", text):
        if char in INITIATORS:
            depth += 1
        elif char == PDI:
            if depth == 0:
                continue
            depth -= 1
        elif unicodedata.bidirectional(char) == "B":
            pieces.append(PDI * depth)
            depth = 0
        pieces.append(char)
    pieces.append(PDI * depth)
    return "".join(pieces)


def reads_right_to_left(text: str) -> bool:
    """Whether a line reads right to left: its first strong letter outside code and
    isolates is right-to-left, or its words with such letters are at least as many as
    those with Latin ones (a sentence that opens with a name not marked as code)."""
    outside = " ".join(text[start:end] for start, end, opaque in _segments(text) if not opaque)
    words = [_direction(word) for word in outside.split()]
    rtl, ltr = words.count("R"), words.count("L")
    if not rtl:
        return False
    first = next(kind for char in outside if (kind := _strong(char)) is not None)
    return first == "R" or rtl >= ltr


def isolate_code(line: str) -> str:
    """`line` (plain text or Markdown, one line) with each code span wrapped in FSI ...
    PDI outside its backticks, and, when it reads right to left, each run of Latin text
    (a name or call the model did not mark, quoted code) too. Unchanged without a
    right-to-left letter; a span already isolated is not wrapped again."""
    line = safe_bidi(line)
    if not has_rtl(line):
        return line
    runs = reads_right_to_left(line)
    pieces: list[str] = []
    for start, end, opaque in _segments(line):
        part = line[start:end]
        if not opaque:
            pieces.append(_isolated_runs(part) if runs else part)
        elif not part.startswith("`"):
            # An isolate the text already had: its own words are seen to inside it.
            pieces.append(f"{part[0]}{isolate_code(part[1:-1])}{PDI}")
        elif _isolated_at(line, start, end):
            pieces.append(part)
        else:
            pieces.append(f"{FSI}{part}{PDI}")
    return "".join(pieces)


def isolate_line(line: str) -> str:
    """One line of plain text shown right: code isolated, and the whole line wrapped in
    RLI ... PDI when it reads right to left. Unchanged without a right-to-left letter."""
    line = safe_bidi(line)
    if not has_rtl(line):
        return line
    isolated = isolate_code(line)
    return f"{RLI}{isolated}{PDI}" if reads_right_to_left(line) else isolated


def isolate_lines(text: str) -> str:
    """`isolate_line` on each line of `text`: a line break ends every isolate."""
    text = safe_bidi(text)
    if not has_rtl(text):
        return text
    return "\n".join(isolate_line(line) for line in text.split("\n"))


def isolate_markdown(markdown: str) -> str:
    """Markdown shown right: `isolate_code` on each line outside fenced code, and each
    paragraph, heading or list item that reads right to left wrapped in RLI ... PDI
    after its markup (a fence or a list marker behind an isolate would be plain text)
    and before a hard line break. Unchanged without a right-to-left letter."""
    markdown = safe_bidi(markdown)
    if not has_rtl(markdown):
        return markdown
    lines = markdown.split("\n")
    in_fence = False
    block: list[int] = []
    for index, line in enumerate(lines):
        if _FENCE.match(line) or in_fence or not line.strip() or _BLOCK_MARKUP.match(line):
            _wrap_block(lines, block)
            block = []
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.strip():
            lines[index] = isolate_code(line)
            block.append(index)
            if _HARD_BREAK.search(line):
                # A line break that stays may end the bidi paragraph: lines apart.
                _wrap_block(lines, block)
                block = []
    _wrap_block(lines, block)
    return "\n".join(lines)


def _wrap_block(lines: list[str], block: list[int]) -> None:
    """RLI after the first line's markup, PDI before the last line's break (emphasis
    markers left outside), when the block's text reads right to left."""
    if not block or not reads_right_to_left(" ".join(lines[i] for i in block)):
        return
    first, last = block[0], block[-1]
    markup = _BLOCK_MARKUP.match(lines[first])
    start = _LINE_START.match(lines[first], markup.end() if markup else 0)
    at = start.end() if start else 0
    lines[first] = f"{lines[first][:at]}{RLI}{lines[first][at:]}"
    end = _LINE_END.search(lines[last])
    cut = end.start() if end else len(lines[last])
    lines[last] = f"{lines[last][:cut]}{PDI}{lines[last][cut:]}"


def open_isolates(text: str, end: int) -> list[int]:
    """The positions of the isolate initiators still open at `end`, outermost first."""
    stack: list[int] = []
    for position, char in enumerate(text[:end]):
        if char in INITIATORS:
            stack.append(position)
        elif char == PDI and stack:
            stack.pop()
    return stack


def closed(text: str) -> str:
    """`text` with a PDI for each isolate left open at its end (a cut text)."""
    return text + PDI * len(open_isolates(text, len(text)))


def _segments(text: str) -> Iterator[tuple[int, int, bool]]:
    """`text` in order as (start, end, opaque): code spans and balanced isolates are
    opaque, the text between them is not."""
    position = 0
    while position < len(text):
        opaque = _next_opaque(text, position)
        if opaque is None:
            yield position, len(text), False
            return
        start, end = opaque
        if start > position:
            yield position, start, False
        yield start, end, True
        position = end


def _next_opaque(text: str, position: int) -> tuple[int, int] | None:
    code = _CODE_SPAN.search(text, position)
    for index in range(position, code.start() if code else len(text)):
        if text[index] in INITIATORS:
            close = _matching_pdi(text, index)
            if close is not None:
                return index, close + 1
    return code.span() if code else None


def _matching_pdi(text: str, start: int) -> int | None:
    depth = 0
    for index in range(start, len(text)):
        if text[index] in INITIATORS:
            depth += 1
        elif text[index] == PDI:
            depth -= 1
            if depth == 0:
                return index
        elif unicodedata.bidirectional(text[index]) == "B":
            return None
    return None


def _isolated_at(text: str, start: int, end: int) -> bool:
    return start > 0 and text[start - 1] in INITIATORS and text[end : end + 1] == PDI


def _isolated_runs(text: str) -> str:
    """Each run of tokens without a right-to-left letter that holds a Latin letter,
    wrapped in FSI ... PDI, its sentence punctuation and quotation marks left outside."""
    pieces: list[str] = []
    position = 0
    for start, end in _latin_runs(text):
        pieces.append(text[position:start])
        pieces.append(f"{FSI}{text[start:end]}{PDI}")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _latin_runs(text: str) -> Iterator[tuple[int, int]]:
    run: list[re.Match[str]] = []
    for token in _TOKEN.finditer(text):
        if has_rtl(token.group()):
            yield from _trimmed(text, run)
            run = []
        else:
            run.append(token)
    yield from _trimmed(text, run)


def _trimmed(text: str, run: list[re.Match[str]]) -> Iterator[tuple[int, int]]:
    lettered = [i for i, token in enumerate(run) if _has_latin_letter(token.group())]
    if not lettered:
        return
    start, end = run[lettered[0]].start(), run[lettered[-1]].end()
    while start < end and _stays_outside(text[start:end], at_start=True):
        start += 1
    while start < end and _stays_outside(text[start:end], at_start=False):
        end -= 1
    if start < end:
        yield start, end


def _stays_outside(run: str, *, at_start: bool) -> bool:
    """Whether the run's first (or last) character belongs to the sentence around it:
    punctuation, a quotation mark, or a bracket the run does not close (or open)."""
    char = run[0] if at_start else run[-1]
    if char in _EDGE_OUTSIDE:
        return True
    for opener, closer in _PAIRS.items():
        if char == (opener if at_start else closer):
            return run.count(opener) != run.count(closer)
    return False


def _strong(char: str) -> str | None:
    kind = unicodedata.bidirectional(char)
    return "R" if kind in _RTL_CLASSES else "L" if kind == "L" else None


def _direction(word: str) -> str | None:
    """ "R" for a word with a right-to-left letter, "L" for one with only Latin ones."""
    kinds = {_strong(char) for char in word}
    return "R" if "R" in kinds else "L" if "L" in kinds else None


def _has_latin_letter(token: str) -> bool:
    return any(unicodedata.bidirectional(char) == "L" for char in token)
