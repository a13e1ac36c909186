"""The share card: the 1200x630 PNG that link previews show (Open Graph `og:image`,
Twitter's `summary_large_image`), with the badge image, the credential's and the
issuer's names, the earner and the credential's state (issue 19, item 1).

Pure drawing: bytes and words in, PNG bytes out; the words arrive already in the
card's language (services/share_cards.py renders under `i18n.using`). It lives in
web/ beside the templates because it reads the fonts shipped in web/fonts/ (Lambda
has no system fonts; web/fonts/README.md says which and under which licences).

Names may be in any script: every character is drawn with the first shipped font that
has a glyph for it (DejaVu Sans: Latin, Greek, Cyrillic...; Droid Sans Fallback: CJK),
so "山田 花子" on a card in English still shows its kanji.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Pillow loads with the first card, never on the verification path
    from PIL import ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630  # Open Graph's recommended 1.91:1 (what og:image:width/height say)
VERSION = "1"  # a change of layout: a new key for every cached card (services/share_cards.py)
_FONTS = Path(__file__).parent / "fonts"
REGULAR = ("DejaVuSans.ttf", "DroidSansFallbackFull.ttf")
BOLD = ("DejaVuSans-Bold.ttf", "DroidSansFallbackFull.ttf")
_MISSING = "\U0010fffd"  # a private-use code point no shipped font draws: its glyph is the font's .notdef

# the state's colours: text on white and the band behind the state's words (contrast >= 4.5:1 with white)
COLOURS = {"valid": (27, 94, 32), "expired": (138, 80, 0), "revoked": (176, 0, 32)}
INK, MUTED, PAPER = (26, 26, 26), (85, 85, 85), (255, 255, 255)


@dataclass(frozen=True)
class CardWords:
    """Everything the card says, in its language."""

    state: str  # valid | expired | revoked
    state_label: str  # "Valid", "Expired on 1 December 2026", "Revoked on 2 December 2026"
    credential: str
    issued_to: str  # "Issued to Grace Hopper"
    issued_by: str  # "by Acme Academy"
    footer: str  # "Verified by Laurel · laurel.test"


@dataclass(frozen=True)
class Face:
    path: str  # the font's file name in web/fonts/


@lru_cache(maxsize=32)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(_FONTS / name), size)


@lru_cache(maxsize=4096)
def _has_glyph(name: str, char: str) -> bool:
    """Whether the font draws `char` with a glyph of its own: its mask differs from the
    .notdef box every missing character gets (Pillow exposes no character map)."""
    font = _font(name, 24)
    mask = font.getmask(char)
    missing = font.getmask(_MISSING)
    return mask.size != missing.size or bytes(mask) != bytes(missing)


def font_for(char: str, bold: bool = False) -> Face:
    """The first shipped font that draws `char` (the first one when none does)."""
    names = BOLD if bold else REGULAR
    chosen = next((n for n in names if char.isspace() or _has_glyph(n, char)), names[0])
    return Face(path=chosen)


def _runs(text: str, bold: bool) -> list[tuple[str, str]]:
    """`text` cut into (font file, text) runs, each drawn by one font."""
    runs: list[tuple[str, str]] = []
    for char in text:
        name = font_for(char, bold).path
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    return runs


def _width(text: str, size: int, bold: bool) -> float:
    return sum(_font(name, size).getlength(part) for name, part in _runs(text, bold))


def _wrap(text: str, size: int, bold: bool, max_width: int, max_lines: int) -> list[str]:
    """Lines that fit `max_width`: broken at spaces, or anywhere in scripts written
    without them (Japanese, Chinese); the last line ends in an ellipsis when cut."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        candidate = (line + token) if line else token.lstrip()
        if _width(candidate, size, bold) <= max_width or not line:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = token.lstrip()
    if line:
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _width(last + "…", size, bold) > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return [_fit(ln, size, bold, max_width) for ln in lines]


def _tokens(text: str) -> list[str]:
    """Words with their leading space; a character of a script without spaces on its own."""
    tokens: list[str] = []
    for char in " ".join(text.split()):
        if char == " " or not tokens or ord(char) >= 0x2E80 or ord(tokens[-1][-1]) >= 0x2E80:
            tokens.append(char)
        else:
            tokens[-1] += char
    return tokens


def _fit(line: str, size: int, bold: bool, max_width: int) -> str:
    """A single word longer than the line, cut with an ellipsis."""
    if _width(line, size, bold) <= max_width:
        return line
    while line and _width(line + "…", size, bold) > max_width:
        line = line[:-1]
    return line + "…"


def _draw(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill: tuple, bold: bool) -> None:
    x, y = xy
    for name, part in _runs(text, bold):
        font = _font(name, size)
        draw.text((x, y), part, font=font, fill=fill)
        x += font.getlength(part)


def _badge(image: bytes | None, side: int, colour: tuple, initials: str) -> Any:
    """The badge image scaled into a square; a disc with the credential's initials
    when there is none (or it is not a raster image Pillow reads, such as SVG)."""
    from PIL import Image, ImageDraw

    if image:
        try:
            with Image.open(io.BytesIO(image)) as source:
                source.load()
                badge = source.convert("RGBA")
            from PIL import ImageOps

            return ImageOps.contain(badge, (side, side), Image.Resampling.LANCZOS)  # small images scale up
        except (OSError, ValueError, Image.DecompressionBombError):
            pass
    disc = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(disc)
    d.ellipse((0, 0, side - 1, side - 1), fill=colour)
    size = side // 3
    w = _width(initials, size, True)
    _draw(d, ((side - w) / 2, side / 2 - size * 0.6), initials, size, PAPER, True)
    return disc


def render(words: CardWords, badge_image: bytes | None) -> bytes:
    """The card as PNG bytes."""
    from PIL import Image, ImageDraw

    colour = COLOURS[words.state]
    card = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, WIDTH, 16), fill=colour)  # the state's colour along the top
    # the state, in a band across the bottom: readable in the smallest thumbnail
    band = 96
    draw.rectangle((0, HEIGHT - band, WIDTH, HEIGHT), fill=colour)
    label = _fit(words.state_label, 44, True, WIDTH - 120)
    _draw(draw, (60, HEIGHT - band + 20), label, 44, PAPER, True)

    side = 340
    initials = "".join(w[0] for w in words.credential.split()[:2]).upper() or "?"
    badge = _badge(badge_image, side, colour, initials)
    top = 16 + (HEIGHT - band - 16 - badge.height) // 2
    card.paste(badge, (60 + (side - badge.width) // 2, top), badge)
    if words.state != "valid":  # no longer current: the badge is greyed out, as on the wallet
        region = card.crop((60, top, 60 + side, top + badge.height)).convert("L").convert("RGB")
        card.paste(region, (60, top))

    x, right = 460, WIDTH - 60
    y = 60
    for line in _wrap(words.credential, 56, True, right - x, 3):
        _draw(draw, (x, y), line, 56, INK, True)
        y += 70
    y += 18
    for text in (words.issued_to, words.issued_by):
        for line in _wrap(text, 34, False, right - x, 2):
            _draw(draw, (x, y), line, 34, INK, False)
            y += 46
    _draw(draw, (x, HEIGHT - band - 56), _fit(words.footer, 26, False, right - x), 26, MUTED, False)
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True)
    return out.getvalue()
