"""Speech engines behind one small interface; see `base.py`."""

from audioguide.speech.base import Clip, Engine, VoiceInfo

__all__ = ["Clip", "Engine", "VoiceInfo"]
