"""Stage 3: cited, verified answers (``python -m chat``; ``chat.answer`` is the entry point)."""
