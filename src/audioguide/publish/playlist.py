"""An extended M3U playlist of the episodes, for players that take a folder or a list."""

from __future__ import annotations

from collections.abc import Sequence

from audioguide.model import Guide
from audioguide.publish.common import Item, one_line


def playlist_m3u8(guide: Guide, items: Sequence[Item]) -> str:
    """`#EXTM3U`, then `#EXTINF:seconds,Title` and the relative path of each episode.

    Paths stay relative whatever the base URL, so the list plays from the folder it is in.
    Titles are folded to one line: a newline would start a new entry.
    """
    lines = ["#EXTM3U", f"#PLAYLIST:{one_line(guide.title)}"]
    for item in items:
        lines += [f"#EXTINF:{item.whole_seconds},{one_line(item.title)}", item.mp3]
    return "\n".join(lines) + "\n"
