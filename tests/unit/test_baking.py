"""Open Badges 2.0 baking: chunk-exact PNG baking, safe SVG baking, and interoperability
with the independent reference implementation (openbadges-bakery)."""

from __future__ import annotations

import io
import json
import random
import struct
import zlib

import openbadges_bakery
import pytest
from PIL import Image, PngImagePlugin

from chalicelib.openbadges import baking
from chalicelib.openbadges.baking import (
    BakingError,
    bake_png,
    bake_svg,
    sanitize_svg,
    unbake_png,
    unbake_svg,
)

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ASSERTION = json.dumps(
    {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://laurel.test/a/4f1c",
        "badge": "https://laurel.test/b/9e2a",
        "recipient": {"type": "email", "hashed": True, "identity": "sha256$abc"},
        "narrative": "Zoë's “first” badge ✓",
        "verification": {"type": "hosted"},
    },
    ensure_ascii=False,
)
URL = "https://laurel.test/a/4f1c"


# --------------------------------------------------------------------------- helpers


def chunks(png: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """Independent chunk reader: (type, data, raw chunk bytes); asserts every CRC."""
    assert png[:8] == SIGNATURE
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        ctype, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(ctype + data), f"bad CRC in {ctype!r}"
        out.append((ctype, data, png[pos : pos + 12 + length]))
        pos += 12 + length
    return out


def make_png(size: tuple[int, int] = (64, 48), *, noise: bool = False, info: PngImagePlugin.PngInfo | None = None) -> bytes:
    if noise:
        rng = random.Random(7)
        img = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        img = Image.new("RGBA", size, (200, 30, 60, 255))
        img.putpixel((3, 4), (0, 255, 0, 128))
    out = io.BytesIO()
    img.save(out, format="PNG", pnginfo=info, compress_level=0 if noise else 6)
    return out.getvalue()


def pixels(png: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        return img.mode, img.size, img.tobytes()


def openbadges_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    return [(t, d) for t, d, _ in chunks(png) if d.startswith(b"openbadges\x00")]


def raw_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


# --------------------------------------------------------------------------- PNG


def test_png_round_trip_json_and_url():
    png = make_png()
    assert unbake_png(png) is None
    assert unbake_png(bake_png(png, ASSERTION)) == ASSERTION
    assert unbake_png(bake_png(png, URL)) == URL


def test_png_chunk_is_one_uncompressed_itxt_right_after_ihdr():
    baked = bake_png(make_png(), ASSERTION)
    parsed = chunks(baked)
    assert parsed[0][0] == b"IHDR"
    ctype, data, _ = parsed[1]
    assert ctype == b"iTXt"
    # keyword, NUL, compression flag 0, method 0, empty language tag, empty translated keyword
    assert data == b"openbadges\x00\x00\x00\x00\x00" + ASSERTION.encode("utf-8")
    assert parsed[-1][0] == b"IEND"


def test_png_baking_twice_leaves_exactly_one_assertion():
    once = bake_png(make_png(), ASSERTION)
    twice = bake_png(once, URL)
    found = openbadges_chunks(twice)
    assert len(found) == 1 and found[0][0] == b"iTXt"
    assert unbake_png(twice) == URL
    assert bake_png(twice, ASSERTION) == once  # re-baking is deterministic and idempotent


def test_png_other_chunks_are_byte_identical_and_every_crc_valid():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made by an issuer")
    info.add_text("openbadges", "https://old.example/assertion")  # a previous (tEXt) bake
    info.add_itxt("Author", "Zoë", lang="fr", tkey="Auteur", zip=True)
    original = make_png((300, 300), noise=True, info=info)  # noise + level 0: several IDATs
    original_chunks = [raw for _, data, raw in chunks(original) if not data.startswith(b"openbadges\x00")]
    assert sum(1 for t, _, _ in chunks(original) if t == b"IDAT") > 1

    baked = bake_png(original, ASSERTION)
    kept = [raw for _, data, raw in chunks(baked) if not data.startswith(b"openbadges\x00")]  # asserts CRCs
    assert kept == original_chunks
    assert len(baked) == len(original) - len(raw_chunk(b"tEXt", b"openbadges\x00https://old.example/assertion")) + len(
        raw_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + ASSERTION.encode())
    )


def test_png_pixels_unchanged_and_pillow_sees_the_text():
    original = make_png()
    baked = bake_png(original, ASSERTION)
    assert pixels(baked) == pixels(original)
    with Image.open(io.BytesIO(baked)) as img:
        img.load()
        assert img.text["openbadges"] == ASSERTION


def test_reference_library_reads_our_png():
    baked = bake_png(make_png(), ASSERTION)
    assert openbadges_bakery.unbake(io.BytesIO(baked)) == ASSERTION
    rebaked = bake_png(baked, URL)
    assert openbadges_bakery.unbake(io.BytesIO(rebaked)) == URL


def test_we_read_the_reference_library_png():
    out = openbadges_bakery.bake(io.BytesIO(make_png()), ASSERTION, io.BytesIO())
    produced = out.getvalue()
    assert unbake_png(produced) == ASSERTION
    # And re-baking its output still yields exactly one assertion.
    assert len(openbadges_chunks(bake_png(produced, URL))) == 1


def test_unbake_holds_a_png_to_the_baking_rules():
    """"Compression MUST NOT be used"; the iTXt chunk "MUST NOT appear in a PNG more than once";
    a tEXt chunk alone is the pre-specification form (issue 18, rule 2)."""
    refused = {"legacy tEXt": [("text", URL)], "compressed iTXt": [("itxt-zip", ASSERTION)],
               "two iTXt": [("itxt", ASSERTION), ("itxt", URL)]}
    for name, entries in refused.items():
        info = PngImagePlugin.PngInfo()
        for kind, text in entries:
            if kind == "text":
                info.add_text("openbadges", text)
            else:
                info.add_itxt("openbadges", text, zip=kind == "itxt-zip")
        with pytest.raises(BakingError, match="tEXt|compress|iTXt chunks"):
            unbake_png(make_png(info=info))
        assert name
    # a tEXt beside the one uncompressed iTXt: the iTXt is the badge
    info = PngImagePlugin.PngInfo()
    info.add_text("openbadges", URL)
    info.add_itxt("openbadges", ASSERTION)
    assert unbake_png(make_png(info=info)) == ASSERTION


def test_unbake_never_inflates_a_compressed_chunk():
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadges", "x" * 100_000, zip=True)
    with pytest.raises(BakingError, match="MUST NOT"):
        unbake_png(make_png(info=info))


def test_unbake_svg_holds_the_element_to_the_baking_rules():
    one = f'<openbadges:assertion xmlns:openbadges="{OB_NS}" verify="{URL}"><![CDATA[{ASSERTION}]]></openbadges:assertion>'
    assert unbake_svg(_svg(one)) == ASSERTION
    for broken, why in [(one + one, "one"),
                        (one.replace(f' verify="{URL}"', ""), "no verify"),
                        (one.replace(URL, URL + "x", 1), "not the baked assertion's id"),
                        (f'<openbadges:assertion xmlns:openbadges="{OB_NS}" verify="a.b.c">d.e.f</openbadges:assertion>',
                         "different badges")]:
        with pytest.raises(BakingError, match=why):
            unbake_svg(_svg(broken))


def test_trailing_bytes_after_iend_are_dropped():
    original = make_png()
    baked = bake_png(original + b"PK\x03\x04 smuggled zip", URL)
    assert baked.endswith(raw_chunk(b"IEND", b""))
    assert unbake_png(baked) == URL


def test_stdlib_crc_fallback_gives_identical_output(monkeypatch):
    png = make_png((120, 80), noise=True)
    fast = bake_png(png, ASSERTION)
    monkeypatch.setattr(baking, "_crc32", zlib.crc32)
    assert bake_png(png, ASSERTION) == fast
    assert unbake_png(fast) == ASSERTION


def _malformed() -> dict[str, bytes]:
    png = make_png()
    parsed = chunks(png)
    ihdr, rest = parsed[0][2], b"".join(raw for _, _, raw in parsed[1:])
    idat_at = png.index(b"IDAT")
    flipped = bytearray(png)
    flipped[idat_at + 10] ^= 0xFF
    bad_ihdr_crc = bytearray(png)
    bad_ihdr_crc[8 + 8 + 13] ^= 0x01
    return {
        "empty": b"",
        "bad signature": b"\x89PNG\r\n\x1a\x00" + png[8:],
        "jpeg": b"\xff\xd8\xff\xe0" + png[4:],
        "truncated mid-chunk": png[: idat_at + 20],
        "truncated header": png[:10],
        "idat crc mismatch": bytes(flipped),
        "ihdr crc mismatch": bytes(bad_ihdr_crc),
        "no IHDR first": SIGNATURE + rest[:-12] + ihdr + rest[-12:],
        "second IHDR": SIGNATURE + ihdr + rest[:-12] + ihdr + rest[-12:],
        "no IEND": png[:-12],
        "huge length": SIGNATURE + ihdr + b"\xff\xff\xff\xf0IDAT" + b"\x00" * 20,
        "bad chunk type": SIGNATURE + ihdr + raw_chunk(b"ID\x00T", b"x") + rest,
        "no IDAT": SIGNATURE + ihdr + raw_chunk(b"IEND", b""),
    }


@pytest.mark.parametrize("name", sorted(_malformed()))
def test_malformed_png_raises_baking_error(name):
    data = _malformed()[name]
    with pytest.raises(BakingError):
        bake_png(data, URL)
    if name != "no IDAT":  # reading a metadata-only file is harmless
        with pytest.raises(BakingError):
            unbake_png(data)
    assert issubclass(BakingError, ValueError)


def test_bad_assertion_text_is_refused():
    with pytest.raises(BakingError):
        bake_png(make_png(), "a\x00b")
    with pytest.raises(BakingError):
        bake_png(make_png(), "\ud800")


# --------------------------------------------------------------------------- SVG

CLEAN_SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
  <!-- issuer artwork -->
  <defs>
    <linearGradient id="g"><stop offset="0" stop-color="#fc0"/><stop offset="1" stop-color="#f60"/></linearGradient>
    <style>.ring { stroke: url(#g); stroke-width: 4 }</style>
  </defs>
  <circle class="ring" cx="50" cy="50" r="40" fill="url('#g')" style="opacity: .9"/>
  <use xlink:href="#dot" href="#dot"/>
  <image width="2" height="2" href="data:image/png;base64,iVBORw0KGgo="/>
  <a href="#top"><text x="50" y="55" text-anchor="middle">Zo&#235; &amp; co</text></a>
  <circle id="dot" r="2"/>
</svg>
"""
SVG_NS = "http://www.w3.org/2000/svg"
OB_NS = "http://openbadges.org"


def _root(svg: bytes):
    from defusedxml.minidom import parseString

    return parseString(svg).documentElement


def _first_element_child(element):
    return next(n for n in element.childNodes if n.nodeType == n.ELEMENT_NODE)


def test_clean_svg_bakes_and_round_trips():
    baked = bake_svg(CLEAN_SVG, ASSERTION, URL)
    assert unbake_svg(baked) == ASSERTION
    root = _root(baked)
    assert root.getAttribute("xmlns:openbadges") == OB_NS
    first = _first_element_child(root)
    assert (first.namespaceURI, first.localName, first.tagName) == (OB_NS, "assertion", "openbadges:assertion")
    assert first.getAttribute("verify") == URL
    assert [n.nodeType for n in first.childNodes] == [first.CDATA_SECTION_NODE]
    # The artwork survives: same elements in the same order after the assertion.
    original_tags = [n.tagName for n in _root(CLEAN_SVG).getElementsByTagName("*")]
    assert [n.tagName for n in root.getElementsByTagName("*")][1:] == original_tags


def test_svg_rebake_replaces_the_assertion():
    twice = bake_svg(bake_svg(CLEAN_SVG, ASSERTION, URL), '{"id": "https://laurel.test/a/2"}', "https://laurel.test/a/2")
    assert twice.count(b"openbadges:assertion") == 2  # one open tag, one close tag
    assert unbake_svg(twice) == '{"id": "https://laurel.test/a/2"}'


def test_svg_assertion_containing_cdata_end_stays_equivalent_json():
    tricky = json.dumps({"id": URL, "narrative": "a]]>b <c> & d"})
    baked = bake_svg(CLEAN_SVG, tricky, URL)
    assert json.loads(unbake_svg(baked)) == json.loads(tricky)
    assert openbadges_bakery.unbake(io.BytesIO(baked)) == URL


def test_svg_verify_only_and_absent():
    assert unbake_svg(bake_svg(CLEAN_SVG, "", URL)) == URL
    assert unbake_svg(CLEAN_SVG) is None


def test_reference_library_reads_our_svg():
    baked = bake_svg(CLEAN_SVG, ASSERTION, URL)
    # openbadges-bakery returns the verify attribute when there is one.
    assert openbadges_bakery.unbake(io.BytesIO(baked)) == URL
    assert openbadges_bakery.utils.svg_bakery.unbake(io.BytesIO(bake_svg(CLEAN_SVG, ASSERTION, ""))) == ASSERTION


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rfc3986.*")  # inside openbadges-bakery
def test_we_read_the_reference_library_svg():
    out = openbadges_bakery.bake(io.BytesIO(CLEAN_SVG), ASSERTION, io.BytesIO())
    assert unbake_svg(out.getvalue()) == ASSERTION


def test_sanitize_keeps_a_clean_svg():
    cleaned = sanitize_svg(CLEAN_SVG)
    assert _root(cleaned).namespaceURI == SVG_NS
    assert sanitize_svg(cleaned) == cleaned
    assert b'fill="url(\'#g\')"' in cleaned and b"Zo\xc3\xab &amp; co" in cleaned


def _svg(body: str, attrs: str = "") -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {attrs}>{body}</svg>'
    ).encode()


UNSAFE = {
    "script": _svg("<script>alert(1)</script>"),
    "script in another namespace": _svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'),
    "onload on root": _svg("<circle r='1'/>", 'onload="alert(1)"'),
    "onclick nested": _svg('<g><rect width="1" height="1" onclick="alert(1)"/></g>'),
    "uppercase handler": _svg('<rect width="1" ONMOUSEOVER="alert(1)"/>'),
    "external href": _svg('<image href="https://evil.example/x.png"/>'),
    "external xlink:href": _svg('<use xlink:href="https://evil.example/sprite.svg#a"/>'),
    "relative href": _svg('<image href="x.png"/>'),
    "javascript href": _svg('<a href="javascript:alert(1)"><text>x</text></a>'),
    "obfuscated javascript": _svg('<a xlink:href=" jav&#x09;ascript:alert(1)"><text>x</text></a>'),
    "svg data uri": _svg('<image href="data:image/svg+xml;base64,PHN2Zz4="/>'),
    "foreignObject": _svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>'),
    "xhtml element": _svg('<iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/>'),
    "animate href": _svg('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>'),
    "style import": _svg('<style>@import "https://evil.example/x.css";</style>'),
    "style external url": _svg("<style>rect { fill: url(https://evil.example/p.svg#a) }</style>"),
    "style css escape": _svg("<style>rect { fill: \\75rl(https://evil.example/a) }</style>"),
    "style attribute url": _svg('<rect style="background-image: URL( \'//evil.example/t.png\' )"/>'),
    "presentation attribute url": _svg('<rect fill="url(https://evil.example/p.svg#a)"/>'),
    "filter url": _svg('<rect filter="url(other.svg#f)"/>'),
    "xml-stylesheet": b'<?xml-stylesheet href="https://evil.example/s.css"?>' + _svg(""),
    "xml:base": _svg('<g xml:base="https://evil.example/"><use href="#a"/></g>'),
    "entity bomb": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>'
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    ),
    "doctype only": b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
    + _svg(""),
    "html root": b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
    "svg without namespace": b"<svg><circle r='1'/></svg>",
    "not xml": b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>",
    "not text": b"\x89PNG\r\n\x1a\n",
}


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_unsafe_svg_is_refused(name):
    svg = UNSAFE[name]
    with pytest.raises(BakingError):
        sanitize_svg(svg)
    with pytest.raises(BakingError):
        bake_svg(svg, ASSERTION, URL)


def test_svg_size_limit():
    big = _svg("<desc>" + "x" * 2000 + "</desc>")
    with pytest.raises(BakingError):
        sanitize_svg(big, max_bytes=1000)
    assert sanitize_svg(big, max_bytes=len(big))
    with pytest.raises(BakingError):
        sanitize_svg(_svg("<desc>" + "x" * (1024 * 1024) + "</desc>"))


def test_unbake_svg_parses_safely_but_reads_third_party_badges():
    with pytest.raises(BakingError):
        unbake_svg(UNSAFE["entity bomb"])
    scripted = _svg(
        f'<openbadges:assertion xmlns:openbadges="{OB_NS}" verify="{URL}"/><script>x()</script>'
    )
    assert unbake_svg(scripted) == URL  # read, not served: the upload policy does not apply


def test_bake_svg_refuses_values_xml_cannot_carry():
    with pytest.raises(BakingError):
        bake_svg(CLEAN_SVG, "a\x01b", URL)
    with pytest.raises(BakingError):
        bake_svg(CLEAN_SVG, "not json ]]>", URL)
    with pytest.raises(BakingError):
        bake_svg(_svg("", 'xmlns:openbadges="urn:other"'), ASSERTION, URL)
