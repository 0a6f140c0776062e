"""The broker desk: introductions, the match pipeline, notes and contract records."""
