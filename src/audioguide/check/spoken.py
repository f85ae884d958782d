"""What `check -v` shows about speech: each sentence the voice will say otherwise than
it is written (figures and abbreviations in words), so staff can hear it in their head
before anything is built."""

from __future__ import annotations

from collections.abc import Iterator

from audioguide.errors import Location
from audioguide.model import Guide, Say
from audioguide.plan import text


def said_otherwise(guide: Guide) -> Iterator[tuple[Location, str, str]]:
    """(where, as written, as said) for every sentence whose spoken form differs from its
    text with only the lexicon and typography applied: what the spoken-forms rules change."""
    plain = text.compile_lexicon(guide.lexicon)
    spoken = text.compile_lexicon(guide.lexicon, language=guide.language)
    for episode in guide.episodes:
        for say in (s for s in episode.segments if isinstance(s, Say)):
            for sentence in (s for para in say.paragraphs for s in para):
                said = spoken(sentence)
                if said != plain(sentence):
                    yield say.where, sentence, said


def said_lines(guide: Guide) -> list[str]:
    """`path:line:col: said as: "..."` under the sentence, one pair a sentence."""
    return [
        f'{where}: said as: "{said}"  (written: "{sentence}")'
        for where, sentence, said in said_otherwise(guide)
    ]
