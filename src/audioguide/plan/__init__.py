"""Pure planning: text to sentences, episodes to timelines, length estimates."""
