"""The wording of the page's player bar, offline copy and update notice, per language.

Kept apart from `common.Strings` (the feed's and page's text) because only the page's
script uses it: every text reaches the script through a `data-` attribute or the
markup, never through JavaScript built from strings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlayerStrings:
    player: str  # names the bar
    play: str
    pause: str
    back: str  # "Back 15 seconds"
    forward: str
    position: str  # names the seek slider
    of: str  # "{time} of {length}", the slider's spoken value
    speed: str
    sleep: str  # names the sleep timer
    sleep_off: str
    minutes: str  # "{n} min"
    end_of_episode: str
    sleep_in: str  # "Sleep in {time}"
    sleep_at_end: str  # shown while "end of this episode" is set
    nothing_yet: str  # the bar before anything plays
    resume: str  # "Continue: {episode} at {time}"
    episodes: str  # names the index of episodes
    skip: str  # the skip link to the index
    offline_offer: str  # "{size}"
    offline_saving: str  # "{done}", "{size}"
    offline_kept: str  # "{size}"
    offline_failed: str
    offline_remove: str
    new_version: str
    reload: str


ENGLISH = PlayerStrings(
    player="Player",
    play="Play",
    pause="Pause",
    back="Back 15 seconds",
    forward="Forward 30 seconds",
    position="Position",
    of="{time} of {length}",
    speed="Speed",
    sleep="Sleep timer",
    sleep_off="Sleep timer",
    minutes="{n} min",
    end_of_episode="End of episode",
    sleep_in="Sleep in {time}",
    sleep_at_end="Stops at the end of this episode",
    nothing_yet="Choose an episode to play",
    resume="Continue: {episode} at {time}",
    episodes="Episodes",
    skip="Skip to the episodes",
    offline_offer="Keep every episode on this device for listening offline ({size})",
    offline_saving="Saving for offline: {done} of {size}",
    offline_kept="Every episode is kept for offline ({size})",
    offline_failed="Saving for offline stopped (no network?). Tap to try again.",
    offline_remove="Remove the offline copy",
    new_version="A new version of this guide is here.",
    reload="Reload",
)

SPANISH = PlayerStrings(
    player="Reproductor",
    play="Reproducir",
    pause="Pausa",
    back="Atrás 15 segundos",
    forward="Adelante 30 segundos",
    position="Posición",
    of="{time} de {length}",
    speed="Velocidad",
    sleep="Temporizador",
    sleep_off="Temporizador",
    minutes="{n} min",
    end_of_episode="Fin del episodio",
    sleep_in="Se detiene en {time}",
    sleep_at_end="Se detiene al final de este episodio",
    nothing_yet="Elige un episodio",
    resume="Continuar: {episode} en {time}",
    episodes="Episodios",
    skip="Ir a los episodios",
    offline_offer=(
        "Guardar todos los episodios en este dispositivo para escuchar sin conexión ({size})"
    ),
    offline_saving="Guardando sin conexión: {done} de {size}",
    offline_kept="Todos los episodios están guardados sin conexión ({size})",
    offline_failed="Se detuvo el guardado (¿sin red?). Toca para intentarlo de nuevo.",
    offline_remove="Quitar la copia sin conexión",
    new_version="Hay una versión nueva de esta guía.",
    reload="Recargar",
)

_BY_LANGUAGE = {"en": ENGLISH, "es": SPANISH}


def player_strings_for(language: str) -> PlayerStrings:
    """Wording for a BCP 47 tag by its primary language; English when we have none."""
    return _BY_LANGUAGE.get(language.split("-")[0].lower(), ENGLISH)
