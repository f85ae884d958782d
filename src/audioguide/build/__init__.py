"""The conductor (`session`), the stage runner (`stages`), and the build's records."""
