"""The team's record turned into training data: `siyada dataset export` writes the
reviews the model gave, with the findings the team kept, as chat-format JSONL."""
