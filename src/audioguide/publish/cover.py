"""Cover art: the guide's own image, checked against Apple's rules, or one drawn from its title.

`cover_png` is what the build embeds in every MP3 and what `publish` writes as
`cover.png`. Both paths end in `png_bytes`, one fixed PNG encoding with no metadata
chunks (no time, no text, no colour profile), so the same guide gives the same bytes.

The drawn cover uses the font that ships inside Pillow (`ImageFont.load_default`), so no
system font is needed and every machine draws the same pixels. That font is a small
subset (ASCII and a few typographic marks): letters such as "á" or "ñ" and the Spanish
"¿ ¡" are composed here from glyphs it does have (base letter + spacing accent), so a
Spanish title never shows empty boxes.
"""

from __future__ import annotations

import hashlib
import io
import struct
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from audioguide.check.content import check_cover_size
from audioguide.errors import Location, ScriptError
from audioguide.model import Guide
from audioguide.publish.common import one_line

SIDE = 1400  # the drawn cover; Apple's minimum, and small inside every MP3
MIN_SIDE, MAX_SIDE = 1400, 3000  # Apple Podcasts' limits for show artwork
FORMATS = ("PNG", "JPEG")
MARGIN = 120

Font = ImageFont.FreeTypeFont


@dataclass(frozen=True)
class Palette:
    """Calm, light backgrounds with dark text: contrast well above WCAG AA."""

    background: tuple[int, int, int]
    shape: tuple[int, int, int]
    text: tuple[int, int, int]
    muted: tuple[int, int, int]


PALETTES = (
    Palette((221, 233, 222), (196, 217, 199), (30, 52, 42), (62, 86, 74)),  # sage
    Palette((220, 232, 242), (193, 213, 232), (26, 44, 68), (60, 78, 102)),  # sky
    Palette((243, 234, 218), (229, 212, 186), (66, 46, 28), (100, 80, 60)),  # sand
    Palette((232, 227, 242), (211, 202, 230), (46, 36, 72), (80, 70, 104)),  # lavender
    Palette((244, 228, 224), (232, 204, 198), (72, 38, 38), (106, 72, 70)),  # blush
)


# --- the guide's own cover ---------------------------------------------------------------


def checked_cover(data: bytes, name: str, where: Location) -> bytes:
    """The image in `data` as our PNG, or ScriptError if Apple would refuse it as artwork."""
    hint = f"use a square RGB PNG or JPEG of {MIN_SIDE} to {MAX_SIDE} pixels a side"
    image = _open(data, name, where, hint)
    with image:
        # Checked from the header before decoding, so a huge image is never expanded.
        if image.format not in FORMATS:
            raise ScriptError(where, f"cover '{name}' is {image.format}, not PNG or JPEG", hint)
        width, height = image.size
        if width != height:
            raise ScriptError(where, f"cover '{name}' is {width}x{height}, not square", hint)
        if not MIN_SIDE <= width <= MAX_SIDE:
            raise ScriptError(
                where, f"cover '{name}' is {width}x{height}, outside {MIN_SIDE}-{MAX_SIDE}", hint
            )
        if image.mode != "RGB":
            raise ScriptError(
                where,
                f"cover '{name}' is in colour mode {image.mode}, not RGB",
                "save it as RGB without transparency (no alpha, no palette, no CMYK)",
            )
        try:
            upright = ImageOps.exif_transpose(image)  # phone photos store rotation in EXIF
            # A fresh image from the pixels alone: EXIF, text and colour-profile chunks
            # (which can carry a camera's serial or a place) are not carried over.
            pixels = Image.frombytes("RGB", upright.size, upright.tobytes())
        except (OSError, ValueError, SyntaxError, KeyError, IndexError, struct.error) as error:
            raise ScriptError(where, f"cover '{name}' is damaged: {error}", hint) from error
    return png_bytes(pixels)


def _open(data: bytes, name: str, where: Location, hint: str) -> Image.Image:
    """The image in `data`, its header read and nothing decoded yet.

    Pillow's own guard against decompression bombs is an error above twice its pixel
    limit and a warning above it; the size is checked against `MAX_SIDE` right after
    this, so the warning is not wanted and the error is this script error. A PNG text
    or colour-profile chunk that inflates past Pillow's limit is a ValueError.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        message = f"cover '{name}' has far too many pixels to open (a decompression bomb?)"
        raise ScriptError(where, message, hint) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ScriptError(where, f"cover '{name}' is not an image Pillow can read", hint) from error


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Fixed options; Pillow writes no tIME/tEXt chunk unless asked, so bytes are stable.
    image.save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


# --- the drawn cover ---------------------------------------------------------------------


@cache
def _font(size: int) -> Font:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType
        raise RuntimeError("drawing the cover needs Pillow with FreeType support")
    return font


def _ink(text: str, font: Font) -> Image.Image:
    """`text` drawn white on black, cropped to its ink (empty image if none)."""
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    canvas = Image.new("L", (right - left + 4, bottom - top + 4))
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, font=font, fill=255)
    box = canvas.getbbox()
    return canvas.crop(box) if box else Image.new("L", (1, 1))


@cache
def _has_glyph(char: str) -> bool:
    # The subset font draws a box (.notdef) for what it lacks; compare with a sure miss.
    font = _font(40)
    return _ink(char, font).tobytes() != _ink("\ue000", font).tobytes()


# Letters the font lacks that are not a base letter plus accents (so NFD cannot help).
_SUBSTITUTES = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "•": "·",
    "€": "EUR",
}
# Combining accents drawn with a spacing glyph the font has: (glyph, flip, above?).
_MARKS = {
    "\u0300": ("`", None, True),
    "\u0301": ("\u00b4", None, True),  # spacing acute
    "\u0302": ("^", None, True),
    "\u0303": ("~", None, True),
    "\u0308": ("..", None, True),
    "\u030a": ("°", None, True),
    "\u030c": ("^", Image.Transpose.FLIP_TOP_BOTTOM, True),
    "\u0327": (",", None, False),
}
_TURNED = {"¿": "?", "¡": "!"}  # Spanish opening marks: the closing ones turned over


def _covered(text: str) -> str:
    """`text` with unsupported letters substituted; accented ones stay for `_draw_line`."""
    out = []
    for char in text:
        if _has_glyph(char) or char in _TURNED:
            out.append(char)
            continue
        char = _SUBSTITUTES.get(char, char)
        base = unicodedata.normalize("NFD", char)
        if len(char) == 1 and len(base) > 1 and _has_glyph(base[0]):
            out.append(char)  # composed later from base + marks
        else:
            out.append(unicodedata.normalize("NFKC", char))
    return "".join(out)


def _is_special(char: str) -> bool:
    return not _has_glyph(char) and (char in _TURNED or len(unicodedata.normalize("NFD", char)) > 1)


def _special_glyph(char: str, font: Font, headroom: int) -> tuple[Image.Image, float]:
    """A mask for one composed character, origin `headroom` above the ascender line."""
    ascent, descent = font.getmetrics()
    size = font.size
    x_top = ascent - _ink("x", font).height  # where lowercase letters start
    if char in _TURNED:
        glyph = _ink(_TURNED[char], font).rotate(180)
        advance = font.getlength(_TURNED[char])
        canvas = Image.new("L", (int(advance) + 2, headroom + ascent + descent))
        # Top at the x-height, hanging below the baseline, as Spanish typography sets it.
        canvas.paste(glyph, (round((advance - glyph.width) / 2), headroom + x_top))
        return canvas, advance
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    advance = font.getlength(base)
    canvas = Image.new("L", (int(advance) + 2, headroom + ascent + descent))
    draw = ImageDraw.Draw(canvas)
    draw.text((0, headroom), base, font=font, fill=255)
    if base in "ij" and any(_MARKS.get(m, ("", None, False))[2] for m in marks):
        # The accent takes the place of the dot (í, not a dot under an accent).
        draw.rectangle((0, 0, canvas.width, headroom + x_top - round(size * 0.04)), fill=0)
    box = canvas.getbbox()
    top = box[1] if box else headroom + x_top
    bottom = headroom + ascent
    for mark in marks:
        if mark not in _MARKS:
            continue  # an accent we cannot draw: the bare letter reads better than a box
        shape, flip, above = _MARKS[mark]
        ink = _ink(shape, font)
        if flip is not None:
            ink = ink.transpose(flip)
        if shape == "^":  # the ASCII caret is a tall symbol; squash it to an accent
            ink = ink.resize((max(1, round(size * 0.26)), max(1, round(size * 0.12))))
        elif shape == "~":  # a full-width symbol; shrink it, keeping its shape
            width = max(1, round(size * 0.3))
            ink = ink.resize((width, max(1, round(ink.height * width / ink.width))))
        x = round((advance - ink.width) / 2)
        if above:
            top -= round(size * 0.05) + ink.height
            canvas.paste(ink, (x, top), ink)
        else:
            canvas.paste(ink, (x, bottom - round(size * 0.02)), ink)
    return canvas, advance


def _text_width(text: str, font: Font) -> float:
    return sum(
        font.getlength(_TURNED.get(c, unicodedata.normalize("NFD", c)[0]))
        if _is_special(c)
        else font.getlength(c)
        for c in text
    )


def _draw_line(mask: Image.Image, xy: tuple[int, int], text: str, font: Font) -> None:
    """Draw one line into an "L" mask; runs the font has go in one call (with kerning)."""
    x, y = float(xy[0]), xy[1]
    draw = ImageDraw.Draw(mask)
    headroom = round(font.size)
    run = ""
    for char in [*text, None]:
        if char is not None and not _is_special(char):
            run += char
            continue
        if run:
            draw.text((x, y), run, font=font, fill=255)
            x += font.getlength(run)
            run = ""
        if char is not None:
            glyph, advance = _special_glyph(char, font, headroom)
            position = (round(x), y - headroom)
            mask.paste(255, position, glyph)
            x += advance


def _wrap(text: str, font: Font, width: int) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line stands alone."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit(
    text: str, width: int, height: int, sizes: range, max_lines: int
) -> tuple[Font, list[str]]:
    """The largest font size at which `text` wraps into the box (else the smallest, cut)."""
    for size in sizes:
        font = _font(size)
        lines = _wrap(text, font, width)
        if len(lines) <= max_lines and len(lines) * _leading(font) <= height:
            return font, lines
    font = _font(sizes[-1])
    return font, _clip(_wrap(text, font, width), max_lines, font, width)


def _clip(lines: list[str], max_lines: int, font: Font, width: int) -> list[str]:
    """At most `max_lines`, the last one cut with an ellipsis if text was left over."""
    if len(lines) <= max_lines:
        return lines
    rest = " ".join(lines[max_lines - 1 :])
    return [*lines[: max_lines - 1], _ellipsis(rest, font, width)]


def _ellipsis(text: str, font: Font, width: int) -> str:
    """`text` cut to fit `width` with an ellipsis, at a word break: a word cut in half
    reads as a mistake. Only a first word wider than the line is cut inside."""
    words = text.split()
    while len(words) > 1 and _text_width(" ".join(words) + "…", font) > width:
        words.pop()
    text = " ".join(words).rstrip(",;:")
    while text and _text_width(text + "…", font) > width:
        text = text[:-1].rstrip()
    return text + "…"


def _leading(font: Font) -> int:
    return round(font.size * 1.18)


def _paint(image: Image.Image, colour: tuple[int, int, int], mask: Image.Image) -> None:
    image.paste(colour, (0, 0), mask)


@lru_cache(maxsize=8)  # the build embeds it, then publish writes it: draw it once
def drawn_cover(title: str, author: str, credit: str) -> bytes:
    """A 1400x1400 PNG: the title large on a calm background, author and credit small.

    Everything (colours, shapes) follows from a hash of the title, never from chance or
    the clock, so the same guide always gets the same cover.
    """
    return _draw(_covered(one_line(title)), _covered(one_line(author)), _covered(one_line(credit)))


def _draw(title: str, author: str, credit: str) -> bytes:
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    palette = PALETTES[digest[0] % len(PALETTES)]
    image = Image.new("RGB", (SIDE, SIDE), palette.background)
    shapes = ImageDraw.Draw(image)
    # Two large soft circles, partly off the edge: calm, and distinct per guide.
    r1, r2 = 420 + digest[1] % 160, 300 + digest[2] % 140
    cx1, cy1 = SIDE - 80 - digest[3] % 200, 60 + digest[4] % 200
    cx2, cy2 = 60 + digest[5] % 220, SIDE - 60 - digest[6] % 160
    shapes.ellipse((cx1 - r1, cy1 - r1, cx1 + r1, cy1 + r1), fill=palette.shape)
    shapes.ellipse((cx2 - r2, cy2 - r2, cx2 + r2, cy2 + r2), fill=palette.shape)

    width = SIDE - 2 * MARGIN
    small = _font(40)
    credit_lines = _clip(_wrap(credit, small, width), 5, small, width)
    credit_top = SIDE - MARGIN + 20 - len(credit_lines) * _leading(small)
    author_font = _font(60)
    author_lines = _clip(_wrap(author, author_font, width), 2, author_font, width)
    author_top = credit_top - 40 - len(author_lines) * _leading(author_font)

    title_font, title_lines = _fit(title, width, author_top - 80 - MARGIN, range(220, 71, -6), 6)
    block = len(title_lines) * _leading(title_font)
    title_top = MARGIN + max(0, (author_top - 80 - MARGIN - block) // 3)

    strong = Image.new("L", image.size)
    for i, line in enumerate(title_lines):
        _draw_line(strong, (MARGIN, title_top + i * _leading(title_font)), line, title_font)
    for i, line in enumerate(author_lines):
        _draw_line(strong, (MARGIN, author_top + i * _leading(author_font)), line, author_font)
    _paint(image, palette.text, strong)
    soft = Image.new("L", image.size)
    for i, line in enumerate(credit_lines):
        _draw_line(soft, (MARGIN, credit_top + i * _leading(small)), line, small)
    _paint(image, palette.muted, soft)
    return png_bytes(image)


# --- the entry point ---------------------------------------------------------------------


def cover_png(guide: Guide) -> bytes:
    """The guide's cover as PNG bytes: its own image, checked, or one drawn from its title.

    Raises ScriptError (at the guide's location) for an image podcast apps would refuse.
    """
    if guide.cover is not None:
        where = guide.cover_where or guide.where
        return checked_cover(_read(guide.cover, where), guide.cover.name, where)
    return drawn_cover(guide.title, guide.author, guide.credit)


# The picture inside every MP3: what players show (a phone's screen, a car's display),
# at a tenth of the full cover's bytes, which a parent on mobile data pays per episode.
# The feed and the page keep the full-size cover.
EMBEDDED_SIDE = 600
EMBEDDED_MAX_BYTES = 60_000


def embedded_cover(png: bytes) -> bytes:
    """The cover at `EMBEDDED_SIDE` px wide as a baseline JPEG of at most
    `EMBEDDED_MAX_BYTES` (lower quality only for a picture too busy to fit)."""
    with Image.open(io.BytesIO(png)) as full:
        image = full.convert("RGB")
    height = max(1, round(image.height * EMBEDDED_SIDE / image.width))
    image = image.resize((EMBEDDED_SIDE, height), Image.Resampling.LANCZOS)
    data = b""
    for quality in (85, 75, 65, 50, 35):
        buffer = io.BytesIO()
        # Fixed options and no EXIF: the same cover gives the same bytes.
        image.save(buffer, format="JPEG", quality=quality, optimize=True, subsampling=2)
        data = buffer.getvalue()
        if len(data) <= EMBEDDED_MAX_BYTES:
            break
    return data


def _read(path: Path, where: Location) -> bytes:
    try:
        check_cover_size(path, where)
        return path.read_bytes()
    except OSError as error:
        raise ScriptError(where, f"cannot read cover '{path.name}': {error.strerror}") from error
