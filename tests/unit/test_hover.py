"""The hover over a finding: the full explanation in Markdown, the category and severity
in words, the confidence, the model, and links that lead somewhere real (issue 16,
case 3); the category pages those links open ship with the package."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from lsprotocol import types

from siyada.i18n import use_locale
from siyada.lsp import documents, hover
from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.category_pages import category_page_uri
from siyada.lsp.commands import COMMANDS
from siyada.lsp.session import Session
from siyada.review.bidi import safe_bidi
from siyada.review.findings import CATEGORIES, Finding
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble
from tests.unit.lsp_fakes import FakeOutput, make_session

URI = "file:///work/run.py"
SOURCE = "def run(cmd):\n    rc = subprocess.call(cmd, shell=True)  # run\n    return rc\n"
EXPLANATION = (
    "The `cmd` string is run by **a shell**. See [this](command:siyada.pullModel) "
    "or <command:siyada.pullModel>.\n\nPass a list."
)
ANSWER = {
    "category": "security",
    "severity": "hint",
    "title": "Shell `injection`",
    "explanation": EXPLANATION,
    "evidence": "subprocess.call(cmd, shell=True)",
    "confidence": 0.85,
}
MARKDOWN_CLIENT = ClientFlags(hover_markdown=True)


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


async def _published(session: Session, output: FakeOutput) -> types.Diagnostic:
    documents.did_open(
        session,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=URI, language_id="python", version=1, text=SOURCE
            )
        ),
    )
    await session.scheduler.idle()
    (diagnostic,) = output.latest_diagnostics(URI)
    return diagnostic


def _hover_at(session: Session, line: int, character: int) -> types.Hover | None:
    return hover.hover(
        session,
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=line, character=character),
        ),
    )


async def test_case3_the_hover_covers_the_findings_range_and_only_it(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def run", content={"findings": [ANSWER]})
    output = FakeOutput()
    session = make_session(output, tmp_path, MARKDOWN_CLIENT, endpoint=double.url)
    diagnostic = await _published(session, output)
    start, end = diagnostic.range.start, diagnostic.range.end
    assert (start.line, start.character, end.line, end.character) == (1, 9, 1, 41)

    for character in (start.character, 20, end.character):
        shown = _hover_at(session, 1, character)
        assert shown is not None and shown.range == diagnostic.range
    for line, character in ((1, 4), (1, 8), (1, 42), (0, 10), (2, 10)):
        assert _hover_at(session, line, character) is None
    await session.close()


async def test_case3_the_hover_says_everything_in_words_with_honest_links(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def run", content={"findings": [ANSWER]})
    output = FakeOutput()
    session = make_session(output, tmp_path, MARKDOWN_CLIENT, endpoint=double.url)
    await _published(session, output)
    shown = _hover_at(session, 1, 20)
    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    assert shown.contents.kind == types.MarkupKind.Markdown
    page = category_page_uri("security")
    assert page is not None
    settings_link = "command:workbench.action.openSettings?" + "%5B%22siyada%22%5D"
    assert shown.contents.value == (
        "**Shell injection**\n\n"
        f"Hint \u00b7 security \u00b7 confidence 85% \u00b7 `{MODEL}`\n\n"
        "The `cmd` string is run by **a shell**. See this or `command:siyada.pullModel`."
        "\n\nPass a list.\n\n"
        "[Review this file again](command:siyada.reviewFile) \u00b7 "
        f"[Siyada settings]({settings_link}) \u00b7 "
        f"[About security findings and how to silence them]({page})\n\n"
        "The light bulb (Quick Fix) offers the fix when there is one, "
        "\u201cIgnore this security finding\u201d, which adds a "
        "`siyada: ignore[security]` comment, \u201cDismiss this finding\u201d, which hides "
        "it without an edit, and \u201cIgnore in this file\u201d."
    )
    # Every command linked is one the server or VS Code really has; the model's own
    # link to a command became text.
    linked = re.findall(r"\]\(command:([\w.]+)", shown.contents.value)
    assert linked == ["siyada.reviewFile", "workbench.action.openSettings"]
    assert "siyada.reviewFile" in COMMANDS
    assert set(linked) == set(hover.LINKED_COMMANDS)
    assert json.loads(unquote(settings_link.split("?", 1)[1])) == ["siyada"]
    await session.close()


async def test_case3_a_client_without_markdown_gets_plain_text(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def run", content={"findings": [ANSWER]})
    output = FakeOutput()
    session = make_session(output, tmp_path, ClientFlags(), endpoint=double.url)
    await _published(session, output)
    shown = _hover_at(session, 1, 9)
    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    assert shown.contents.kind == types.MarkupKind.PlainText
    assert shown.contents.value == (
        "Shell injection\n"
        f"Hint \u00b7 security \u00b7 confidence 85% \u00b7 {MODEL}\n"
        "The cmd string is run by a shell. See this or command:siyada.pullModel. Pass a list."
    )
    await session.close()


async def test_case3_two_findings_on_one_place_are_both_described(
    double: OllamaDouble, tmp_path: Path
) -> None:
    other = {**ANSWER, "category": "bug", "severity": "error", "title": "Return code unused"}
    double.add_rule("def run", content={"findings": [ANSWER, other]})
    session = make_session(FakeOutput(), tmp_path, MARKDOWN_CLIENT, endpoint=double.url)
    documents.did_open(
        session,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=URI, language_id="python", version=1, text=SOURCE
            )
        ),
    )
    await session.scheduler.idle()
    shown = _hover_at(session, 1, 20)
    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    first, second = shown.contents.value.split("\n\n---\n\n")
    assert first.startswith("**Return code unused**\n\nError \u00b7 bug")
    assert second.startswith("**Shell injection**\n\nHint \u00b7 security")
    await session.close()


def test_case3_the_hover_of_a_document_never_published_is_empty(tmp_path: Path) -> None:
    session = make_session(FakeOutput(), tmp_path, MARKDOWN_CLIENT)
    assert _hover_at(session, 0, 0) is None


@pytest.mark.parametrize("category", CATEGORIES)
def test_case3_every_category_has_an_installed_page_on_silencing_it(category: str) -> None:
    page = category_page_uri(category)
    assert page is not None and page.startswith("file:///")
    path = Path(unquote(urlparse(page).path))
    assert path.parts[-3:] == ("siyada", "categories", f"{category}.md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {category.capitalize()} findings\n")
    for needed in (
        f"# siyada: ignore[{category}]",
        f"// siyada: ignore[{category}]",
        "siyada: ignore-file",
        "`categories` setting",
        "`minSeverity`",
        "`minConfidence`",
    ):
        assert needed in text, f"{category}.md does not mention {needed}"
    # The repository's docs show the same page: one source, no copy.
    in_docs = Path(__file__).parents[2] / "docs" / "categories" / f"{category}.md"
    assert in_docs.resolve() == path.resolve()


def test_case3_no_page_for_a_word_that_is_not_a_category() -> None:
    assert category_page_uri("style") is None


def test_model_text_in_markdown_keeps_no_link() -> None:
    finding = Finding(
        "bug", "info", "T", "[a](https://x) ![b](y.png) <https://z>", "e", None, 1, 0, 0
    )
    text = hover.finding_markdown(finding, "m")
    assert "a b `https://z`" in text and "https://x" not in text and "y.png" not in text


def test_case3_the_vscode_client_trusts_exactly_the_commands_the_hover_links_to() -> None:
    client = (Path(__file__).parents[2] / "client" / "server.ts").read_text(encoding="utf-8")
    trusted = re.search(r"enabledCommands: \[([^\]]*)\]", client)
    assert trusted is not None, "the client runs no command link of the hover"
    assert re.findall(r"'([\w.]+)'", trusted.group(1)) == list(hover.LINKED_COMMANDS)


# --- issue 17: right-to-left explanations ---------------------------------------------

FSI, PDI, RLI = "\u2068", "\u2069", "\u2067"
ARABIC = Finding(
    "security",
    "warning",
    "حقن أوامر عبر `shell=True`",
    "`subprocess.call` يمرر الأمر إلى الصدفة.\n\n```python\nsubprocess.run(['ls'])\n```",
    "x",
    None,
    0.9,
    0,
    0,
)


def test_arabic_hover_markdown_isolates_code_outside_backticks_and_leaves_fences() -> None:
    markdown = hover.finding_markdown(ARABIC, MODEL)
    title, _facts, explanation, fence, *_ = markdown.split("\n\n")
    assert title == f"**{RLI}حقن أوامر عبر {FSI}shell=True{PDI}{PDI}**"
    # The isolates stand outside the backticks: the code span stays one, its text clean.
    assert explanation == f"{RLI}{FSI}`subprocess.call`{PDI} يمرر الأمر إلى الصدفة.{PDI}"
    assert fence == "```python\nsubprocess.run(['ls'])\n```"
    assert MODEL in _facts and FSI not in _facts


def test_arabic_plain_hover_isolates_each_line() -> None:
    title, _facts, explanation = hover.finding_plain_text(ARABIC, MODEL).split("\n")
    assert title == f"{RLI}حقن أوامر عبر {FSI}shell=True{PDI}{PDI}"
    assert explanation.startswith(f"{RLI}{FSI}subprocess.call{PDI} يمرر") and explanation.endswith(
        PDI
    )


def test_english_hover_has_no_isolate() -> None:
    english = Finding("bug", "warning", "Leak `f`", ANSWER["explanation"], "x", None, 0.9, 0, 0)
    text = hover.finding_markdown(english, MODEL) + hover.finding_plain_text(english, MODEL)
    assert not any(char in text for char in (FSI, PDI, RLI))


# --- issue 17: Siyada's own words in the user's language ------------------------------


@pytest.fixture
def arabic() -> Iterator[None]:
    use_locale("ar")
    yield
    use_locale(None)


def _balanced(line: str) -> bool:
    """Every isolate closed, no PDI that closes nothing."""
    return safe_bidi(line) == line


def test_arabic_hover_chrome_reads_right_to_left_with_its_values_isolated(arabic: None) -> None:
    page = category_page_uri("security")
    assert page is not None
    settings_link = "command:workbench.action.openSettings?%5B%22siyada%22%5D"
    title, facts, explanation, _fence, links, light_bulb = hover.finding_markdown(
        ARABIC, MODEL
    ).split("\n\n")
    # The severity in words, the category and the model as they are, the percent sign
    # with its number: one right-to-left line, each value one isolate.
    assert facts == (
        f"{RLI}{FSI}تحذير{PDI} \u00b7 {FSI}security{PDI} \u00b7 الثقة {FSI}90%{PDI}"
        f" \u00b7 {FSI}`{MODEL}`{PDI}{PDI}"
    )
    # The links' line is one right-to-left isolate, each link's text an isolate; no
    # isolate reaches a link's target, so every link still opens what it did.
    assert links == (
        f"{RLI}[{FSI}مراجعة هذا الملف من جديد{PDI}](command:siyada.reviewFile) \u00b7 "
        f"[{FSI}إعدادات {FSI}Siyada{PDI}{PDI}]({settings_link}) \u00b7 "
        f"[{FSI}عن ملاحظات فئة {FSI}security{PDI} وكيفية إسكاتها{PDI}]({page}){PDI}"
    )
    targets = re.findall(r"\]\(([^)]*)\)", links)
    assert targets == ["command:siyada.reviewFile", settings_link, page]
    # The comment to write stays code, whole and clean inside its backticks, and the
    # actions are named as the light bulb names them.
    assert light_bulb == (
        f"{RLI}في قائمة المصباح (الإصلاح السريع): الإصلاح المقترح إن وُجد، "
        f"و«{FSI}تجاهل هذه الملاحظة من فئة {FSI}security{PDI}{PDI}» الذي يضيف التعليق "
        f"{FSI}`siyada: ignore[security]`{PDI}، و«{FSI}استبعاد هذه الملاحظة{PDI}» الذي "
        f"يخفيها دون تعديل، و«{FSI}تجاهل الملاحظات في هذا الملف{PDI}».{PDI}"
    )
    # The model's words are laid out as before.
    assert title == f"**{RLI}حقن أوامر عبر {FSI}shell=True{PDI}{PDI}**"
    assert explanation == f"{RLI}{FSI}`subprocess.call`{PDI} يمرر الأمر إلى الصدفة.{PDI}"
    assert all(_balanced(line) for line in (facts, links, light_bulb))


def test_arabic_chrome_around_an_english_finding(arabic: None) -> None:
    english = Finding("bug", "error", "Leak `f`", "The file is never closed.", "x", None, 1, 0, 0)
    title, facts, explanation, links, _light_bulb = hover.finding_markdown(english, "m").split(
        "\n\n"
    )
    assert (title, explanation) == ("**Leak f**", "The file is never closed.")
    assert facts == (
        f"{RLI}{FSI}خطأ{PDI} \u00b7 {FSI}bug{PDI} \u00b7 الثقة {FSI}100%{PDI}"
        f" \u00b7 {FSI}`m`{PDI}{PDI}"
    )
    assert links.startswith(f"{RLI}[{FSI}مراجعة") and "ملاحظات فئة" in links


def test_arabic_plain_hover_facts_line(arabic: None) -> None:
    _title, facts, _explanation = hover.finding_plain_text(ARABIC, MODEL).split("\n")
    assert facts == (
        f"{RLI}{FSI}تحذير{PDI} \u00b7 {FSI}security{PDI} \u00b7 الثقة {FSI}90%{PDI}"
        f" \u00b7 {FSI}{MODEL}{PDI}{PDI}"
    )


@pytest.mark.parametrize(
    ("severity", "word"),
    [("error", "خطأ"), ("warning", "تحذير"), ("info", "معلومة"), ("hint", "تلميح")],
)
def test_every_severity_has_its_arabic_word(arabic: None, severity: str, word: str) -> None:
    finding = Finding("performance", severity, "T", "E", "x", None, 0.5, 0, 0)
    facts = hover.finding_plain_text(finding, "m").split("\n")[1]
    assert facts.startswith(f"{RLI}{FSI}{word}{PDI} \u00b7 {FSI}performance{PDI}")


def test_the_hover_is_english_again_after_arabic(arabic: None) -> None:
    english = Finding("bug", "warning", "Leak", "Never closed.", "x", None, 0.9, 0, 0)
    arabic_text = hover.finding_markdown(english, "m")
    use_locale(None)
    text = hover.finding_markdown(english, "m")
    assert arabic_text != text
    assert text.split("\n\n")[1] == "Warning \u00b7 bug \u00b7 confidence 90% \u00b7 `m`"
    assert not any(char in text for char in (FSI, PDI, RLI))
