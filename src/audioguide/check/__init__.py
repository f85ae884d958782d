"""What `check` reports beyond the loader: warnings, asset content, the voices table."""
