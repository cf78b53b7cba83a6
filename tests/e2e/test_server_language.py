"""The server's own messages in the client's display language: the `locale` of
`initialize` chooses the catalog (Arabic here), English without a catalog for it; the
words Siyada puts around a finding (hover, code actions, "Hint") follow it too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from siyada.i18n import FSI, PDI
from siyada.review.bidi import RLI
from tests.e2e.conftest import (
    MODEL,
    code_actions,
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_message,
    wait_for_status,
)
from tests.model_server import OllamaDouble

# The model-missing message and the "ready" status text, per client locale. In Arabic
# every value is isolated (FSI ... PDI), keeping its left-to-right order.
MISSING_MODEL = {
    "ar": "النموذج '{model}' غير متوفر على {url}. نزّله بالأمر `ollama pull {model}`.",
    "en": "Model '{model}' is not available at {url}. Pull it with `ollama pull {model}`.",
}
READY = {"ar": "جاهز", "en": "Ready"}


async def _initialize(client: LanguageClient, locale: str | None, **options: Any) -> None:
    capabilities = client_capabilities("visual_studio_code")
    if capabilities.workspace is not None:
        capabilities.workspace.configuration = False
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            initialization_options=options,
            root_uri=Path.cwd().as_uri(),
            locale=locale,
        )
    )


@pytest.mark.parametrize(
    ("locale", "language"),
    [("ar", "ar"), ("ar-EG", "ar"), ("en", "en"), ("fr", "en"), (None, "en")],
)
async def test_model_missing_is_told_in_the_client_language(
    client: LanguageClient, locale: str | None, language: str
) -> None:
    with OllamaDouble(models=[MODEL]) as double:
        await _initialize(client, locale, endpoint=double.url, model="phi3:mini")
        if language == "ar":
            url, model = f"{FSI}{double.url}{PDI}", f"{FSI}phi3:mini{PDI}"
        else:
            url, model = double.url, "phi3:mini"
        expected = MISSING_MODEL[language].format(url=url, model=model)
        assert await wait_for_message(client, lambda m: "phi3:mini" in m) == expected
        status = await wait_for_status(client, lambda s: status_field(s, "state") == "modelMissing")
        assert status_field(status, "message") == expected
        assert double.chat_requests == []


@pytest.mark.parametrize("locale", ["ar", "en"])
async def test_ready_status_is_in_the_client_language(client: LanguageClient, locale: str) -> None:
    with OllamaDouble(models=[MODEL]) as double:
        await _initialize(client, locale, endpoint=double.url)
        status = await wait_for_status(client, lambda s: status_field(s, "state") == "ready")
        assert status_field(status, "message") == READY[locale]
        # The contract fields stay as they are: state, model, endpoint.
        assert status_field(status, "model") == MODEL
        assert status_field(status, "endpoint") == double.url


# The words Siyada puts around a finding, in the client's language: a hint's "Hint",
# the hover's facts, links and light-bulb sentence, the code actions' titles and the
# preview's description. The model answers in Arabic too (the prompt asks for it).
LOAD = "def load(path):\n    f = open(path)\n    return f.read()\n"
FIX = "    with open(path) as f:\n        return f.read()"
ARABIC_TITLE = "مقبض الملف لا يُغلق"
ARABIC_EXPLANATION = "يبقى الملف مفتوحًا بعد القراءة."


async def test_the_hover_and_the_code_actions_frame_a_finding_in_the_client_language(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load",
        content={"findings": [finding("    f = open(path)", severity="hint", replacement=FIX)]},
        localized={"ar": [{"title": ARABIC_TITLE, "explanation": ARABIC_EXPLANATION}]},
    )
    await initialize(client, locale="ar", endpoint=double.url)
    uri = open_document(client, tmp_path / "load.py", LOAD)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diagnostic.message == (
        f"{RLI}تلميح: {FSI}{RLI}{ARABIC_TITLE} \u2014 {ARABIC_EXPLANATION}{PDI}{PDI}{PDI}"
    )
    assert (diagnostic.code, diagnostic.source) == ("bug", "siyada")

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=diagnostic.range.start
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    title, facts, explanation, links, light_bulb = hover.contents.value.split("\n\n")
    assert (title, explanation) == (
        f"**{RLI}{ARABIC_TITLE}{PDI}**",
        f"{RLI}{ARABIC_EXPLANATION}{PDI}",
    )
    assert facts == (
        f"{RLI}{FSI}تلميح{PDI} \u00b7 {FSI}bug{PDI} \u00b7 الثقة {FSI}90%{PDI}"
        f" \u00b7 {FSI}`{MODEL}`{PDI}{PDI}"
    )
    assert diagnostic.code_description is not None
    page = diagnostic.code_description.href
    assert links == (
        f"{RLI}[{FSI}مراجعة هذا الملف من جديد{PDI}](command:siyada.reviewFile) \u00b7 "
        f"[{FSI}إعدادات {FSI}Siyada{PDI}{PDI}]"
        "(command:workbench.action.openSettings?%5B%22siyada%22%5D) \u00b7 "
        f"[{FSI}عن ملاحظات فئة {FSI}bug{PDI} وكيفية إسكاتها{PDI}]({page}){PDI}"
    )
    assert light_bulb == (
        f"{RLI}في قائمة المصباح (الإصلاح السريع): الإصلاح المقترح إن وُجد، "
        f"و«{FSI}تجاهل هذه الملاحظة من فئة {FSI}bug{PDI}{PDI}» الذي يضيف التعليق "
        f"{FSI}`siyada: ignore[bug]`{PDI}، و«{FSI}استبعاد هذه الملاحظة{PDI}» الذي "
        f"يخفيها دون تعديل، و«{FSI}تجاهل الملاحظات في هذا الملف{PDI}».{PDI}"
    )

    fix, ignore, dismiss, ask, ignore_file = await code_actions(client, uri, diagnostic)
    assert [fix.title, ignore.title, dismiss.title, ask.title, ignore_file.title] == [
        f"Siyada: {FSI}إصلاح «{FSI}{ARABIC_TITLE}{PDI}»{PDI}",
        f"Siyada: {FSI}تجاهل هذه الملاحظة من فئة {FSI}bug{PDI}{PDI}",
        f"Siyada: {FSI}استبعاد هذه الملاحظة{PDI}",
        f"Siyada: {FSI}اسأل عن هذه الملاحظة{PDI}",
        f"Siyada: {FSI}تجاهل الملاحظات في هذا الملف{PDI}",
    ]
    # The fix over two lines is previewed under the same title, described in Arabic;
    # what the edits write never changes with the language.
    assert fix.edit is not None and fix.edit.change_annotations is not None
    (annotation,) = fix.edit.change_annotations.values()
    assert (annotation.label, annotation.description) == (fix.title, "إصلاح سريع من Siyada")
    assert ignore.edit is not None and ignore.edit.document_changes is not None
    (change,) = ignore.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert [edit.new_text for edit in change.edits] == ["    # siyada: ignore[bug]\n"]
