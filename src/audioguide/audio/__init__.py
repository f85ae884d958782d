"""Audio in memory: render a timeline to PCM, the chime, filters and loudness mastering."""
