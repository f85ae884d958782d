"""YAML layout mistakes in plain words (filled in below)."""
