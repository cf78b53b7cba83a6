"""Ask about a finding or a function: a conversation with the configured model.

Protocol-free: what a conversation is about (`subject.py`), the conversations of a
session (`conversation.py`), the messages sent, bounded by the model's context
(`prompt.py`), and where an answer's code block goes when the user applies it
(`apply.py`). The language server's commands are `siyada.lsp.ask`.
"""
