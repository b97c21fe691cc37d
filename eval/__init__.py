"""Stage 4: gold set, metrics and reports (work in progress)."""
