"""The server's own messages in the client's display language: the `locale` of
`initialize` chooses the catalog (Arabic here), English without a catalog for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from siyada.i18n import FSI, PDI
from tests.e2e.conftest import MODEL, status_field, wait_for_message, wait_for_status
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
