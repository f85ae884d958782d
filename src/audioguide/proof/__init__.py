"""Proof-listening: every sentence of the built audio heard by an offline speech
recognizer and compared with its script (`audioguide proof`, the Proof view)."""
