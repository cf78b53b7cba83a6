"""Choosing the language of the server's messages, and falling back to English."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest

from siyada import i18n
from siyada.i18n import FSI, PDI, _, catalogs, ngettext, use_environment_locale, use_locale
from siyada.models.errors import EndpointUnreachable, ModelNotFound


def isolated(value: object) -> str:
    return f"{FSI}{value}{PDI}"


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    yield
    use_locale(None)


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("ar", "ar"),
        ("ar-EG", "ar"),
        ("AR_sa.UTF-8", "ar"),
        ("ar_SA.UTF-8@latin", "ar"),
        ("en", "en"),
        ("en-US", "en"),
        ("fr", "en"),
        ("zh-Hant-TW", "en"),
        ("C", "en"),
        ("POSIX", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_locale_tags_choose_a_catalog_or_english(tag: str | None, language: str) -> None:
    assert use_locale(tag) == language
    assert i18n.language() == language


def test_candidates_go_from_specific_to_general() -> None:
    assert catalogs.candidates("ar-EG") == ["ar_EG", "ar"]
    assert catalogs.candidates("zh-Hant-TW") == ["zh_Hant_TW", "zh_Hant", "zh"]
    assert catalogs.candidates("..") == []


def test_arabic_messages_are_filled_after_translation() -> None:
    use_locale("ar")
    assert _("Ready") == "جاهز"
    # Each value is isolated: it keeps its own direction inside the Arabic sentence.
    assert _("Loading {model} into memory", model="qwen2.5-coder:7b") == (
        f"جارٍ تحميل {isolated('qwen2.5-coder:7b')} إلى الذاكرة"
    )
    error = ModelNotFound("http://127.0.0.1:11434", "phi3:mini")
    model, endpoint = isolated("phi3:mini"), isolated("http://127.0.0.1:11434")
    assert str(error) == (
        f"النموذج '{model}' غير متوفر على {endpoint}. نزّله بالأمر `ollama pull {model}`."
    )
    # The machine-readable part of an error never changes.
    assert error.kind == "modelMissing"


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, f"{FSI}0{PDI} دالة"),
        (1, "دالة واحدة"),
        (2, "دالتان"),
        (7, f"{FSI}7{PDI} دوال"),
        (11, f"{FSI}11{PDI} دالة"),
        (100, f"{FSI}100{PDI} دالة"),
        (103, f"{FSI}103{PDI} دوال"),
    ],
)
def test_arabic_has_six_plural_forms(count: int, text: str) -> None:
    use_locale("ar")
    assert ngettext("{count} function", "{count} functions", count) == text


def test_english_is_the_code_text() -> None:
    use_locale("en-GB")
    assert _("Loading {model} into memory", model="m") == "Loading m into memory"
    assert ngettext("{count} function", "{count} functions", 1) == "1 function"
    assert ngettext("{count} function", "{count} functions", 1234, count="1,234") == (
        "1,234 functions"
    )
    assert str(EndpointUnreachable("http://127.0.0.1:9")).startswith(
        "Ollama is not reachable at http://127.0.0.1:9."
    )


def test_a_message_missing_from_the_catalog_stays_english() -> None:
    use_locale("ar")
    assert _("A message no catalog has, for {name}", name="x") == (
        f"A message no catalog has, for {isolated('x')}"
    )
    assert ngettext("{count} thing nobody translated", "{count} things", 3) == (
        f"{isolated(3)} things"
    )


def test_environment_order_is_posix() -> None:
    assert use_environment_locale({"LANG": "ar_SA.UTF-8"}) == "ar"
    assert use_environment_locale({"LC_MESSAGES": "ar_EG", "LANG": "en_US.UTF-8"}) == "ar"
    assert use_environment_locale({"LC_ALL": "C", "LANG": "ar_SA.UTF-8"}) == "en"
    assert use_environment_locale({"LANGUAGE": "fr:ar", "LANG": "C"}) == "ar"
    assert use_environment_locale({"LANGUAGE": "", "LANG": "ar"}) == "ar"
    assert use_environment_locale({}) == "en"


def test_an_unreadable_catalog_is_logged_and_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "xx" / "LC_MESSAGES" / "siyada.po"
    broken.parent.mkdir(parents=True)
    broken.write_text('msgid "Ready"\nmsgid "twice"\n', encoding="utf-8")

    def folder() -> Traversable:
        return tmp_path

    monkeypatch.setattr(catalogs, "locale_folder", folder)
    catalogs.load.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="siyada.i18n.catalogs"):
            assert use_locale("xx") == "en"
        assert _("Ready") == "Ready"
        assert "xx message catalog cannot be read" in caplog.text
    finally:
        catalogs.load.cache_clear()
