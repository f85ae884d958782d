"""The install icons: the cover at 192 and 512 px, and a maskable 512 px one.

Browsers install a page only with an icon they can use (Chromium takes 144 to 1024 px;
the 1400 px cover is not one). A maskable icon is cropped by the phone to a circle or a
rounded square, so its cover sits inside the middle 80 % (the "safe zone") on a square
of the cover's own edge colour. Made from the cover's PNG at publish time with fixed
settings, so the same cover gives the same bytes.
"""

from __future__ import annotations

import io

from PIL import Image

from audioguide.publish.cover import png_bytes

ICON_192, ICON_512, ICON_MASKABLE = "icon-192.png", "icon-512.png", "icon-maskable-512.png"
ICONS = (ICON_192, ICON_512, ICON_MASKABLE)
SAFE_ZONE = 0.8  # W3C "maskable" icons: what lies outside may be cropped away


def _cover(cover_png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(cover_png)) as image:
        return image.convert("RGB")


def _scaled(image: Image.Image, side: int) -> Image.Image:
    return image.resize((side, side), Image.Resampling.LANCZOS)


def icon_pngs(cover_png: bytes) -> dict[str, bytes]:
    """File name -> PNG bytes of each install icon, from the cover's PNG."""
    cover = _cover(cover_png)
    edge = cover.getpixel((0, 0))
    inner = round(512 * SAFE_ZONE)
    maskable = Image.new("RGB", (512, 512), edge)
    offset = (512 - inner) // 2
    maskable.paste(_scaled(cover, inner), (offset, offset))
    return {
        ICON_192: png_bytes(_scaled(cover, 192)),
        ICON_512: png_bytes(_scaled(cover, 512)),
        ICON_MASKABLE: png_bytes(maskable),
    }
