"""The message catalogs against the code: every message the code marks has a
translation in every catalog, with the same placeholders, and the template is current."""

from __future__ import annotations

import gettext

import polib
import pytest

from siyada.i18n import catalogs
from siyada.i18n.extract import Message, extract_messages, placeholders, template

MESSAGES = extract_messages()
LANGUAGES = catalogs.available_languages()


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(catalogs.catalog_path(language).read_text(encoding="utf-8"))


def _key(message: Message) -> str:
    return message.msgid if not message.msgid_plural else f"{message.msgid} / plural"


def test_arabic_is_shipped_and_the_code_marks_messages() -> None:
    assert "ar" in LANGUAGES
    # The status text, a model error and a CLI summary are among the marked messages.
    msgids = {message.msgid for message in MESSAGES}
    assert {"Ready", "no details", "{count} finding."} <= msgids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_message_is_translated(language: str) -> None:
    entries = {entry.msgid: entry for entry in _catalog(language) if not entry.obsolete}
    missing = [
        _key(message)
        for message in MESSAGES
        if (entry := entries.get(message.msgid)) is None
        or entry.fuzzy
        or entry.msgid_plural != message.msgid_plural
        or not entry.translated()
        or (message.msgid_plural and not all(entry.msgstr_plural.values()))
    ]
    assert missing == [], (
        f"untranslated in {language} (python -m siyada.i18n.extract, then translate)"
    )


def _placeholder_mismatches(po: polib.POFile) -> list[str]:
    wrong: list[str] = []
    for entry in po:
        if not entry.msgid or entry.obsolete:
            continue
        if not entry.msgid_plural:
            if entry.msgstr and placeholders(entry.msgstr) != placeholders(entry.msgid):
                wrong.append(entry.msgid)
            continue
        # A plural form may leave the number out ("ملف واحد"), never add a name.
        expected = placeholders(entry.msgid_plural)
        forms = [placeholders(text) for text in entry.msgstr_plural.values()]
        if any(not form <= expected for form in forms) or set().union(*forms) != expected:
            wrong.append(entry.msgid)
    return wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    assert _placeholder_mismatches(_catalog(language)) == []


def test_a_changed_placeholder_is_caught() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="At {endpoint}", msgstr="على {address}"))
    po.append(polib.POEntry(msgid="Fine {a} {b}", msgstr="{b} {a} جيد"))
    po.append(
        polib.POEntry(
            msgid="{count} file",
            msgid_plural="{count} files",
            msgstr_plural={0: "ملف واحد", 1: "ملفان"},  # the number appears in no form
        )
    )
    assert _placeholder_mismatches(po) == ["At {endpoint}", "{count} file"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_entries_have_every_form_of_the_language(language: str) -> None:
    po = _catalog(language)
    forms = int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(forms)), entry.msgid


def test_template_is_current() -> None:
    shipped = polib.pofile(str(catalogs.locale_folder() / "siyada.pot"))
    written = template(MESSAGES)
    assert [(e.msgid, e.msgid_plural) for e in shipped] == [
        (e.msgid, e.msgid_plural) for e in written
    ], "the template is stale: python -m siyada.i18n.extract"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_compiles_for_gettext(language: str) -> None:
    translations = catalogs.load(language)
    assert isinstance(translations, gettext.GNUTranslations)
    assert translations.info()["language"] == language


def test_placeholders_are_the_named_fields() -> None:
    assert placeholders("Pulled {model} in {seconds} s") == {"model", "seconds"}
    assert placeholders("no placeholder") == frozenset()
