"""Files from audio: the MP3 encode and its splice, transcripts."""
