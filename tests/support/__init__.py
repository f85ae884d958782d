"""Helpers the test modules share: import them as `support.<module>`.

Fixtures live in tests/conftest.py; what is here is plain functions and data. A helper
used by more than one test module belongs here, not copied into each.
"""
