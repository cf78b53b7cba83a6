"""The `explanationLanguage` values: BCP 47 tags checked and put in their usual case,
"auto" resolved from the editor's locale or the POSIX environment, the language named
in the prompt, and kept apart in the answer cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from siyada.cli import build_parser, settings_from_options
from siyada.code.functions import FunctionUnit
from siyada.review.answer_cache import AnswerCache, AnswerIdentity
from siyada.review.engine import Reviewer
from siyada.review.explanation_language import (
    canonical_tag,
    described,
    environment_language,
    explanation_language,
    language_of_locale,
    resolved,
)
from siyada.review.prompt import (
    SYSTEM_PROMPT,
    SYSTEM_PROMPT_WITH_CONTEXT,
    build_messages,
    language_paragraph,
    system_prompt,
)
from siyada.review.setting_kinds import SettingError
from siyada.review.settings import Settings, parse_settings
from siyada.review.team_settings import team_settings_in


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("ar", "ar"),
        ("AR", "ar"),
        ("pt-br", "pt-BR"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("sr-Latn-RS", "sr-Latn-RS"),
        ("de-CH-1996", "de-CH-1996"),
        ("en-US-x-twain", "en-US-x-twain"),
        (" fr ", "fr"),
    ],
)
def test_well_formed_tags_are_put_in_their_usual_case(text: str, tag: str) -> None:
    assert canonical_tag(text) == tag
    assert explanation_language(text) == tag


@pytest.mark.parametrize(
    "value",
    ["", "  ", "a", "Arabic please", "pt_BR", "english-language-x", "ar-", "-ar", "1a", 7, None],
)
def test_malformed_values_are_refused_saying_what_is_expected(value: object) -> None:
    with pytest.raises(SettingError, match='"auto" or a BCP 47 language tag'):
        explanation_language(value)


def test_auto_is_kept_as_auto_in_any_case() -> None:
    assert explanation_language("auto") == "auto"
    assert explanation_language(" Auto ") == "auto"


def test_a_malformed_setting_is_one_problem_and_keeps_auto() -> None:
    settings, problems = parse_settings({"explanationLanguage": "Arabic please"})
    assert settings.explanation_language == "auto"
    assert len(problems) == 1
    assert "siyada.explanationLanguage" in problems[0] and "'Arabic please'" in problems[0]
    assert parse_settings({"explanationLanguage": "AR"})[0].explanation_language == "ar"


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("ar_SA.UTF-8", "ar"),
        ("ar", "ar"),
        ("pt_BR", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("zh-tw", "zh-TW"),
        ("zh_CN.GB18030", "zh-CN"),
        ("en_US.UTF-8", "en"),
        ("fr_FR@euro", "fr"),
        ("sr_RS@latin", "sr"),
        ("C", "en"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("", None),
        (None, None),
        ("not a locale!", None),
    ],
)
def test_a_locale_names_its_language(locale: str | None, language: str | None) -> None:
    assert language_of_locale(locale) == language


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "ar_SA.UTF-8"}, "ar"),
        ({"LANG": "pt_BR.UTF-8"}, "pt-BR"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "ar_SA.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "ar_SA.UTF-8", "LC_MESSAGES": "fr_FR", "LC_ALL": "de_DE"}, "de"),
        # An empty variable is not set: the next one decides.
        ({"LANG": "ar_SA.UTF-8", "LC_ALL": ""}, "ar"),
        # The first set variable decides even when it names no language.
        ({"LANG": "ar_SA.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),
        ({"LANG": "?!"}, "en"),
        # LANGUAGE comes first, as for the server's own messages: its first entry that
        # names a language.
        ({"LANGUAGE": "ar:fr", "LC_ALL": "de_DE"}, "ar"),
        ({"LANGUAGE": "?!:fr_FR", "LANG": "ar"}, "fr"),
    ],
)
def test_the_environment_chooses_the_language_the_posix_way(
    environ: dict[str, str], language: str
) -> None:
    assert environment_language(environ) == language


def test_auto_resolves_to_the_locale_else_english() -> None:
    assert resolved("auto", "ar") == "ar"
    assert resolved("auto", None) == "en"
    assert resolved("fr", "ar") == "fr"


def test_the_language_is_named_in_english_words_with_its_tag() -> None:
    assert described("ar") == "Arabic (ar)"
    assert described("pt-BR") == "Portuguese (pt-BR)"
    assert described("en") == "English (en)"
    assert described("tlh") == "the language with BCP 47 tag tlh"


def test_the_prompt_asks_for_the_readers_words_only_in_the_language() -> None:
    arabic = system_prompt("ar")
    assert "Write title, explanation and fix_title in Arabic (ar)." in arabic
    assert "evidence is still copied exactly from the function" in arabic
    assert "category and severity are the English words above" in arabic
    # The only difference between languages is the language paragraph.
    assert arabic.replace(language_paragraph("ar"), language_paragraph("en")) == SYSTEM_PROMPT
    with_context = system_prompt("ar", with_context=True)
    assert language_paragraph("ar") in with_context
    assert with_context.replace(language_paragraph("ar"), language_paragraph("en")) == (
        SYSTEM_PROMPT_WITH_CONTEXT
    )
    messages = build_messages(
        language="python", function_name="f", code="def f(): pass", explanation_language="ar"
    )
    assert messages[0]["content"] == arabic
    assert "Arabic" not in messages[1]["content"]


def test_a_replaced_system_text_gets_the_language_unless_english() -> None:
    custom = "Review carefully.\n"
    english = build_messages(language="go", function_name="f", code="x", system=custom)
    arabic = build_messages(
        language="go", function_name="f", code="x", system=custom, explanation_language="ar"
    )
    assert english[0]["content"] == custom
    assert arabic[0]["content"] == "Review carefully.\n\n" + language_paragraph("ar")


def test_answers_in_each_language_are_kept_apart(tmp_path: Path) -> None:
    english = AnswerIdentity("h", "m", "python")
    arabic = AnswerIdentity("h", "m", "python", explanation_language="ar")
    assert english == AnswerIdentity("h", "m", "python", explanation_language="en")
    assert english.digest() != arabic.digest()
    cache = AnswerCache()
    cache.put(arabic, ())
    assert cache.get(english) is None and cache.get(arabic) == ()


def _unit() -> FunctionUnit:
    return FunctionUnit(
        name="f", kind="function", start_line=0, end_line=0, text="def f(): pass", hash="h"
    )


@pytest.mark.parametrize(("choice", "used"), [("auto", "en"), ("en", "en"), ("ar", "ar")])
async def test_the_engine_never_uses_auto(choice: str, used: str) -> None:
    cache = AnswerCache()
    cache.put(AnswerIdentity("h", "qwen2.5-coder:7b", "python", explanation_language=used), ())
    reviewer = Reviewer(Settings(explanation_language=choice), cache)
    try:
        assert reviewer.cached("python", _unit()) == ()
    finally:
        await reviewer.aclose()
    assert Settings(explanation_language=choice).answer_inputs()[-1] == used


def test_the_language_is_a_readers_choice_not_a_repositorys(tmp_path: Path) -> None:
    (tmp_path / ".siyada.toml").write_text('explanationLanguage = "ar"\nmodel = "m"\n')
    team = team_settings_in(tmp_path)
    assert team is not None
    assert "explanationLanguage" not in team.options and team.options["model"] == "m"
    (problem,) = team.problems
    assert "`explanationLanguage` cannot be set in a repository's settings file" in problem


@pytest.mark.parametrize("command", [["check", "x.py"], ["doctor"]])
def test_each_command_takes_the_option_and_defaults_from_the_environment(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ar_SA.UTF-8")
    given = build_parser().parse_args([*command, "--explanation-language", "PT-br"])
    assert settings_from_options(given, {})[0].explanation_language == "pt-BR"
    default = build_parser().parse_args(command)
    assert settings_from_options(default, {})[0].explanation_language == "ar"
    auto = build_parser().parse_args([*command, "--explanation-language", "auto"])
    assert settings_from_options(auto, {})[0].explanation_language == "ar"


def test_eval_takes_the_option_once_per_language() -> None:
    args = build_parser().parse_args(
        ["eval", "--model", "m", "--explanation-language", "en", "--explanation-language", "AR"]
    )
    assert args.explanation_languages == ["en", "ar"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["eval", "--model", "m", "--explanation-language", "x y"])
