"""audioguide: turn short YAML scripts into a podcast-style audio guide, offline."""

__version__ = "0.1.0"
