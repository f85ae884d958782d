"""Where a sentence's audio comes from: the engines a build uses, made on first use
(`Voices`), and the clip cache in front of them (`ClipSource`), shared by the build,
`preview`, the studio's Hear and `proof`."""

from __future__ import annotations

from audioguide.plan.timeline import Utterance
from audioguide.speech.base import Clip, Engine, EngineFactory
from audioguide.speech.cache import ClipCache, clip_key


class Voices:
    """Engines by name, made on first use: a warm cache starts no engine at all."""

    def __init__(self, factory: EngineFactory, language: str) -> None:
        self.factory = factory
        self.language = language
        self.engines: dict[str, Engine] = {}

    def get(self, name: str) -> Engine:
        if name not in self.engines:
            self.engines[name] = self.factory(name, self.language)
        return self.engines[name]

    def key(self, u: Utterance) -> str:
        engine = self.get(u.voice.engine)
        return clip_key(engine.name, engine.version, u.voice, u.spoken)

    def speak(self, u: Utterance) -> Clip:
        return self.get(u.voice.engine).synthesize(u.spoken, u.voice)


class ClipSource:
    """Where every stage gets a sentence's audio: the clip cache first, then speech
    (into the cache, so the next build or preview finds it)."""

    def __init__(self, cache: ClipCache, voices: Voices) -> None:
        self.cache = cache
        self.voices = voices

    def key(self, u: Utterance, keys: dict[Utterance, str] | None = None) -> str:
        return keys[u] if keys is not None else self.voices.key(u)

    def __call__(self, u: Utterance, keys: dict[Utterance, str] | None = None) -> Clip:
        key = self.key(u, keys)
        clip = self.cache.get(key)
        if clip is None:  # never made, or removed or damaged since: speak it (again)
            clip = self.voices.speak(u)
            self.cache.put(key, clip)
        return clip
