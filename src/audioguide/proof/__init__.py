"""Proof-listening: every spoken sentence heard by an offline recognizer and compared
with its script (`audioguide proof`; the recognizer loads only here)."""
