"""The conversations of one editor session, in memory only.

Each is a subject and its turns (question, answer). They are bounded by the model's
context when a question is sent (`prompt.py`): the turns that no longer fit are dropped
for good, and the caller tells the user how many.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from siyada.ask.subject import Subject


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass
class Conversation:
    id: str
    subject: Subject
    turns: list[Turn] = field(default_factory=list)
    dropped: int = 0  # turns dropped so far to fit the context

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)

    def drop_oldest(self, count: int) -> None:
        """Forget the `count` oldest turns (they no longer fit the model's context)."""
        del self.turns[:count]
        self.dropped += count


class ConversationStore:
    """The session's conversations by id."""

    def __init__(self) -> None:
        self._by_id: dict[str, Conversation] = {}

    def get(self, conversation_id: str) -> Conversation | None:
        return self._by_id.get(conversation_id)

    def open(self, subject: Subject) -> Conversation:
        """The conversation about `subject`, started if there is none. A conversation
        about a function follows it: its subject becomes the function as it is now."""
        conversation = self._by_id.get(subject.conversation_id)
        if conversation is None:
            conversation = Conversation(subject.conversation_id, subject)
            self._by_id[conversation.id] = conversation
        else:
            conversation.subject = subject
        return conversation

    def clear(self, conversation_id: str) -> bool:
        """Forget a conversation; whether there was one."""
        return self._by_id.pop(conversation_id, None) is not None

    def __len__(self) -> int:
        return len(self._by_id)
