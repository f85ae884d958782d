"""What touches the operating system: platforms, ffmpeg, atomic files, locks, temp names."""
