"""The conversations of a session and the messages of a question, bounded by the
model's context (siyada.ask: conversation.py, prompt.py, subject.py)."""

from __future__ import annotations

import pytest

from siyada.ask.conversation import Conversation, ConversationStore, Turn
from siyada.ask.prompt import (
    ASK_ANSWER_TOKENS,
    ASK_OPTIONS,
    QuestionTooLong,
    bounded_messages,
    subject_text,
    system_text,
)
from siyada.ask.subject import AskedFinding, Subject, finding_fingerprint, unit_at
from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.feedback.fingerprint import finding_key
from siyada.review.prompt import NUM_CTX, estimate_tokens

CODE = "def load(path):\n    f = open(path)\n    return f.read()"
FINDING = AskedFinding(
    title="File handle is never closed",
    explanation="The file stays open until the garbage collector runs.",
    category="bug",
    severity="warning",
    evidence="    f = open(path)",
    start_line=1,
    end_line=1,
    evidence_lines=("    f = open(path)",),
)


def subject(finding: AskedFinding | None = FINDING, *, code: str = CODE) -> Subject:
    return Subject(
        uri="file:///w/a.py",
        language="python",
        function="load",
        function_hash="h1",
        code=code,
        start_line=0,
        end_line=2,
        finding=finding,
    )


def test_a_finding_is_named_by_its_fingerprint_a_function_by_document_and_name() -> None:
    about_finding = subject().conversation_id
    about_function = subject(None).conversation_id

    assert about_finding == "finding:" + finding_fingerprint("h1", "bug", "    f = open(path)")
    assert about_function == "function:file:///w/a.py#load"


def test_the_fingerprint_ignores_indentation_but_not_the_function_or_the_code() -> None:
    base = finding_fingerprint("h1", "bug", "    f = open(path)")

    assert finding_fingerprint("h1", "bug", "f  =  open(path)\n") == base
    assert finding_fingerprint("h2", "bug", "    f = open(path)") != base
    assert finding_fingerprint("h1", "security", "    f = open(path)") != base
    assert finding_fingerprint("h1", "bug", "    g = open(path)") != base


def test_the_store_continues_the_conversation_about_the_same_subject() -> None:
    store = ConversationStore()
    first = store.open(subject())
    first.add(Turn("Why?", "Because."))

    again = store.open(subject())

    assert again is first and again.turns == [Turn("Why?", "Because.")]
    assert store.get(first.id) is first and len(store) == 1


def test_a_conversation_about_a_function_follows_its_code() -> None:
    store = ConversationStore()
    first = store.open(subject(None))

    edited = store.open(subject(None, code=CODE + "\n    # edited"))

    assert edited is first and edited.subject.code.endswith("# edited")


def test_clearing_forgets_the_conversation_once() -> None:
    store = ConversationStore()
    conversation = store.open(subject())
    conversation.add(Turn("Why?", "Because."))

    assert store.clear(conversation.id) is True
    assert store.clear(conversation.id) is False
    assert store.get(conversation.id) is None
    assert store.open(subject()).turns == []


def test_the_first_message_holds_the_function_the_finding_and_the_question() -> None:
    conversation = Conversation("c", subject())

    bounded = bounded_messages(conversation, "Why is this a problem?", "en")

    system, user = bounded.messages
    assert system == {"role": "system", "content": system_text("en")}
    assert user["role"] == "user"
    assert user["content"] == (
        "The python function load:\n\n```python\n" + CODE + "\n```\n\n"
        "Siyada reported this warning (bug) in it: File handle is never closed\n"
        "Explanation: The file stays open until the garbage collector runs.\n"
        "Evidence:\n```\n    f = open(path)\n```"
        "\n\nQuestion: Why is this a problem?"
    )
    assert bounded.dropped == 0


def test_the_answer_is_asked_in_the_explanation_language() -> None:
    assert "Write your answer in Arabic (ar)" in system_text("ar")
    assert "Write your answer in English (en)" in system_text("en")


def test_code_with_backticks_cannot_close_its_fence() -> None:
    text = subject_text(subject(None, code='def f():\n    return "```"'))

    assert "````python\n" in text and text.endswith("\n````")


def test_the_turns_follow_as_user_and_assistant_messages() -> None:
    conversation = Conversation("c", subject())
    conversation.add(Turn("First?", "One."))
    conversation.add(Turn("Second?", "Two."))

    bounded = bounded_messages(conversation, "Third?", "en")

    roles = [message["role"] for message in bounded.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert bounded.messages[1]["content"].endswith("Question: First?")
    assert [m["content"] for m in bounded.messages[2:]] == ["One.", "Second?", "Two.", "Third?"]


def test_the_oldest_turns_are_dropped_whole_until_the_prompt_fits() -> None:
    conversation = Conversation("c", subject())
    for index in range(6):
        conversation.add(Turn(f"Q{index} " + "x" * 7000, f"A{index} " + "y" * 3500))

    bounded = bounded_messages(conversation, "Last?", "en")

    assert bounded.dropped > 0
    assert conversation.dropped == bounded.dropped
    assert len(conversation.turns) == 6 - bounded.dropped
    sent = sum(estimate_tokens(m["content"]) for m in bounded.messages)
    assert sent <= NUM_CTX - ASK_ANSWER_TOKENS
    # The newest turns are kept, the subject still leads the first user message.
    kept = [m["content"] for m in bounded.messages if m["role"] == "assistant"]
    assert kept[-1].startswith("A5 ")
    first = bounded.messages[1]["content"]
    assert first.startswith("The python function load:")
    assert f"Question: Q{bounded.dropped} " in first
    # One turn more would not have fitted.
    dropped_one_less = bounded.dropped - 1
    turn = Turn(f"Q{dropped_one_less} " + "x" * 7000, f"A{dropped_one_less} " + "y" * 3500)
    bigger = Conversation("d", subject(), [turn, *conversation.turns])
    assert bounded_messages(bigger, "Last?", "en").dropped == 1


def test_nothing_is_dropped_while_everything_fits() -> None:
    conversation = Conversation("c", subject())
    conversation.add(Turn("Short?", "Short."))

    assert bounded_messages(conversation, "Again?", "en").dropped == 0
    assert conversation.turns == [Turn("Short?", "Short.")] and conversation.dropped == 0


def test_a_question_that_cannot_fit_even_alone_is_refused_and_drops_nothing() -> None:
    conversation = Conversation("c", subject())
    conversation.add(Turn("Short?", "Short."))

    with pytest.raises(QuestionTooLong) as raised:
        bounded_messages(conversation, "x" * 4 * NUM_CTX, "en")

    assert raised.value.room == NUM_CTX - ASK_ANSWER_TOKENS
    assert "Ask a shorter question" in str(raised.value)
    assert conversation.turns == [Turn("Short?", "Short.")]


def test_the_chat_uses_the_same_context_size_as_every_review() -> None:
    assert ASK_OPTIONS["num_ctx"] == NUM_CTX
    assert ASK_OPTIONS["num_predict"] == ASK_ANSWER_TOKENS


def test_lone_surrogates_never_reach_the_request() -> None:
    conversation = Conversation("c", subject(None, code="def f():\n    return '\ud800'"))

    bounded = bounded_messages(conversation, "Why \udc00?", "en")

    for message in bounded.messages:
        message["content"].encode("utf-8")  # raises on a lone surrogate


def test_the_innermost_function_at_a_line_is_asked_about() -> None:
    spec = language_for("python", "a.py")
    assert spec is not None
    text = "class C:\n    def m(self):\n        return 1\n\n\ndef f():\n    return 2\n"
    units = extract_functions(spec, text)

    inner = unit_at(units, 2)
    outer = unit_at(units, 6)

    assert inner is not None and inner.name == "C.m"
    assert outer is not None and outer.name == "f"
    assert unit_at(units, 4) is None


def test_a_finding_is_named_by_its_feedback_fingerprint_even_with_a_lone_surrogate() -> None:
    key = finding_key(
        path="a.py", function="load", function_hash="h1", category="bug", evidence="x = '\ud800'"
    )
    assert finding_fingerprint("h1", "bug", "  x = '\ud800'") == key.fingerprint
