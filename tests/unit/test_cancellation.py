"""Requests that end themselves when cancelled (siyada.lsp.cancellation)."""

from __future__ import annotations

from siyada.lsp.cancellation import Cancellations


def test_a_watched_request_is_cancelled_by_its_id_or_its_token() -> None:
    cancellations = Cancellations()
    calls: list[str] = []

    with cancellations.watching(1, "token-1", lambda: calls.append("one")):
        assert cancellations.cancel_request(1) is True
        assert cancellations.cancel_progress("token-1") is True  # already: once only
    with cancellations.watching(2, "token-2", lambda: calls.append("two")):
        assert cancellations.cancel_progress("token-2") is True

    assert calls == ["one", "two"]


def test_a_cancellation_before_the_command_watches_is_delivered_when_it_does() -> None:
    cancellations = Cancellations()
    cancellations.expect(7)
    calls: list[str] = []

    assert cancellations.cancel_request(7) is True
    with cancellations.watching(7, None, lambda: calls.append("late")):
        assert calls == ["late"]


def test_unknown_requests_and_tokens_are_left_to_the_default_handling() -> None:
    cancellations = Cancellations()
    calls: list[str] = []

    with cancellations.watching(1, "token-1", lambda: calls.append("one")):
        assert cancellations.cancel_request(2) is False
        assert cancellations.cancel_progress("token-2") is False

    assert calls == []


def test_nothing_is_kept_once_the_command_ended() -> None:
    cancellations = Cancellations()
    cancellations.expect(1)
    calls: list[str] = []

    with cancellations.watching(1, "token-1", lambda: calls.append("one")):
        pass

    assert cancellations.cancel_request(1) is False
    assert cancellations.cancel_progress("token-1") is False
    assert calls == []
