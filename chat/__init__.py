"""Stage 3: cited, verified answers (work in progress)."""
