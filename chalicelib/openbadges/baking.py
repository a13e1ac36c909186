"""Open Badges 2.0 baking: embed an assertion in a PNG or SVG badge image, read it back.

Pure computation on bytes: no boto3, no I/O, no pixel decoding. The baking spec
(https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html):

* PNG: one ``iTXt`` chunk with keyword ``openbadges`` (uncompressed, empty language
  tag and translated keyword) whose text is the hosted assertion URL, the assertion
  JSON or a JWS. It must come before ``IDAT``; we put it right after ``IHDR``.
* SVG: ``xmlns:openbadges="http://openbadges.org"`` on the root and an
  ``<openbadges:assertion verify="...">`` element, first child of the root, holding
  the assertion JSON in a CDATA section.

Why PNG baking works on the chunk stream and not through an image library: baking
must not change a single pixel or byte of the artwork, and decoding/re-encoding is
slow and lossy in metadata. Every input chunk is length- and CRC-checked (an earner
downloads what we produce; we refuse to propagate a corrupt file), then copied
verbatim with ``bytes.join`` over memoryview slices, so the cost is one CRC pass and
one copy of the file.

Why SVG is sanitized before baking: a baked SVG is served from our domain and opened
by browsers, so any script, event handler or external reference in it would run or
leak with our origin. We *reject* such files (``BakingError``) rather than strip the
offending parts: silently altered artwork is worse than a clear "upload a clean file"
error, and a rejecting checker is simpler to reason about than a rewriting one.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from xml.dom import Node

if TYPE_CHECKING:  # the DOM and defusedxml are imported when an SVG is first handled
    from xml.dom.minidom import Document, Element
    from xml.dom.minidom import Node as DomNode

_crc32: Callable[..., int]
try:
    # zlib-ng's CRC-32 uses carry-less multiply (PCLMULQDQ/VPCLMULQDQ, ARMv8 CRC) and is
    # ~4x faster than the stdlib zlib's; CRC-checking the input is most of a bake's cost.
    # Same polynomial and results, so the stdlib is a correct (slower) fallback.
    from zlib_ng.zlib_ng import crc32 as _crc32
except ImportError:  # pragma: no cover - depends on the environment
    from zlib import crc32 as _crc32

__all__ = [
    "BakingError",
    "MAX_ASSERTION_BYTES",
    "MAX_SVG_BYTES",
    "bake_png",
    "bake_svg",
    "sanitize_svg",
    "unbake_png",
    "unbake_svg",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
OPENBADGES_NS = "http://openbadges.org"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XHTML_NS = "http://www.w3.org/1999/xhtml"

MAX_SVG_BYTES = 1024 * 1024
"""Default upload limit for an issuer's SVG artwork."""
MAX_ASSERTION_BYTES = 1024 * 1024
"""Largest assertion text we inflate from a compressed chunk (zip-bomb guard)."""

_KEYWORD = b"openbadges\x00"
# keyword NUL, compression flag 0, compression method 0, language tag "" NUL, translated keyword "" NUL
_ITXT_PREFIX = b"iTXt" + _KEYWORD + b"\x00\x00\x00\x00"
_TEXT_TYPES = (b"iTXt", b"tEXt", b"zTXt")
_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec, section 5.3
_LEN_TYPE = struct.Struct(">I4s")
_U32 = struct.Struct(">I")


class BakingError(ValueError):
    """The image cannot be baked or read: malformed PNG/SVG, or an unsafe SVG."""


# --------------------------------------------------------------------------- PNG


def _scan_png(png: bytes) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(start, end, type)`` of every chunk up to and including IEND.

    ``start`` is the offset of the length field, ``end`` the offset after the CRC.
    Validates the signature, that IHDR comes first, every length and CRC, and that
    IEND is present. Anything after IEND is not yielded (callers drop it: trailing
    bytes are how polyglot files smuggle a second payload).
    """
    view = memoryview(png)
    size = len(view)
    if view[:8] != PNG_SIGNATURE:
        raise BakingError("not a PNG file (bad signature)")
    pos = 8
    first = True
    crc32 = _crc32
    unpack_from = _LEN_TYPE.unpack_from
    u32_from = _U32.unpack_from
    while True:
        if pos + 12 > size:
            raise BakingError(f"truncated PNG: chunk header at offset {pos} is incomplete (no IEND)")
        length, ctype = unpack_from(view, pos)
        if length > _MAX_CHUNK_LENGTH:
            raise BakingError(f"PNG chunk at offset {pos} declares an invalid length")
        end = pos + 12 + length
        if end > size:
            raise BakingError(f"truncated PNG: chunk {ctype!r} at offset {pos} runs past the end of the file")
        if not ctype.isalpha():
            raise BakingError(f"invalid PNG chunk type {ctype!r} at offset {pos}")
        if crc32(view[pos + 4 : end - 4]) != u32_from(view, end - 4)[0]:
            raise BakingError(f"CRC mismatch in PNG chunk {ctype!r} at offset {pos}")
        if first:
            if ctype != b"IHDR" or length != 13:
                raise BakingError("invalid PNG: the first chunk must be a 13-byte IHDR")
            first = False
        elif ctype == b"IHDR":
            raise BakingError("invalid PNG: more than one IHDR chunk")
        yield pos, end, ctype
        if ctype == b"IEND":
            return
        pos = end


def _is_openbadges_text(view: memoryview, start: int, ctype: bytes) -> bool:
    """True for a tEXt/zTXt/iTXt chunk whose keyword is ``openbadges``."""
    return ctype in _TEXT_TYPES and view[start + 8 : start + 19] == _KEYWORD


def bake_png(png: bytes, assertion: str) -> bytes:
    """Return ``png`` with exactly one ``openbadges`` iTXt chunk holding ``assertion``.

    ``assertion`` is the hosted assertion URL, the assertion JSON or a JWS. Any previous
    ``openbadges`` text chunk (iTXt, tEXt or zTXt) is dropped so re-baking never yields
    two competing assertions; every other chunk is copied byte for byte.
    Raises ``BakingError`` for a malformed PNG or an assertion that cannot be stored.
    """
    try:
        text = assertion.encode("utf-8")
    except (UnicodeEncodeError, AttributeError) as exc:
        raise BakingError("the assertion must be a valid Unicode string") from exc
    if b"\x00" in text:
        raise BakingError("the assertion must not contain NUL characters")
    body = _ITXT_PREFIX + text  # chunk type + data: exactly what the CRC covers
    if len(body) - 4 > _MAX_CHUNK_LENGTH:
        raise BakingError("the assertion is too large for a PNG chunk")
    new_chunk = _U32.pack(len(body) - 4) + body + _U32.pack(_crc32(body))

    view = memoryview(png)
    pieces: list[memoryview | bytes] = []
    keep_from = 0  # start of the current run of chunks to copy
    end = 0
    has_idat = False
    for start, end, ctype in _scan_png(png):
        if ctype == b"IHDR":  # always the first chunk, and the only IHDR (_scan_png checks)
            pieces.append(view[:end])  # signature + IHDR
            pieces.append(new_chunk)
            keep_from = end
        elif ctype == b"IDAT":
            has_idat = True
        elif _is_openbadges_text(view, start, ctype):
            if keep_from < start:
                pieces.append(view[keep_from:start])
            keep_from = end
    if not has_idat:
        raise BakingError("invalid PNG: no IDAT chunk")
    pieces.append(view[keep_from:end])  # `end` is IEND's end; trailing bytes are dropped
    return b"".join(pieces)


def _inflate(data: bytes, limit: int) -> bytes:
    """Decompress a zlib stream, refusing more than ``limit`` bytes of output."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BakingError("corrupt compressed openbadges text") from exc
    if len(out) > limit:
        raise BakingError(f"the openbadges text inflates beyond {limit} bytes")
    if not inflater.eof:
        raise BakingError("truncated compressed openbadges text")
    return out


def _decode_text_chunk(ctype: bytes, data: bytes, limit: int) -> str:
    """Extract the text of an ``openbadges`` tEXt/zTXt/iTXt chunk body."""
    rest = data[len(_KEYWORD) :]
    try:
        if ctype == b"tEXt":
            # The PNG spec says Latin-1; openbadges-bakery writes and reads UTF-8.
            try:
                return rest.decode("utf-8")
            except UnicodeDecodeError:
                return rest.decode("latin-1")
        if ctype == b"zTXt":
            if rest[:1] != b"\x00":
                raise BakingError("unknown zTXt compression method")
            return _inflate(rest[1:], limit).decode("utf-8")
        # iTXt: flag, method, language tag NUL, translated keyword NUL, text
        if len(rest) < 2:
            raise BakingError("truncated openbadges iTXt chunk")
        flag, method = rest[0], rest[1]
        lang_end = rest.index(b"\x00", 2)
        text_start = rest.index(b"\x00", lang_end + 1) + 1
        text = rest[text_start:]
        if flag == 1:
            if method != 0:
                raise BakingError("unknown iTXt compression method")
            text = _inflate(text, limit)
        elif flag != 0:
            raise BakingError("invalid iTXt compression flag")
        return text.decode("utf-8")
    except ValueError as exc:  # str.index misses and UnicodeDecodeError; BakingError passes through
        if isinstance(exc, BakingError):
            raise
        raise BakingError("malformed openbadges text chunk") from exc


def unbake_png(png: bytes, *, max_text_bytes: int = MAX_ASSERTION_BYTES) -> str | None:
    """Return the text of the ``openbadges`` iTXt chunk baked into ``png``, or None if the
    image carries no Open Badges data.

    Held to the baking specification, so a badge that breaks it is a ``BakingError``:
    "An ``iTXt`` chunk should be inserted into the PNG with **keyword** ``openbadges``. [...]
    Compression **MUST NOT** be used." and "An iTXt chunk with the keyword “openbadges”
    **MUST NOT** appear in a PNG more than once." A ``tEXt``/``zTXt`` ``openbadges`` chunk
    alone is the pre-specification ("Legacy PNGs") form, not an Open Badges 2.0 baked badge.
    The whole file is validated like ``bake_png`` does, so a corrupt badge is an error
    rather than a silently trusted assertion.
    """
    view = memoryview(png)
    itxt: list[tuple[int, int]] = []
    legacy: list[bytes] = []
    for start, end, ctype in _scan_png(png):
        if _is_openbadges_text(view, start, ctype):
            if ctype == b"iTXt":
                itxt.append((start + 8, end - 4))
            else:
                legacy.append(ctype)
    if len(itxt) > 1:
        raise BakingError(f"the PNG has {len(itxt)} iTXt chunks with keyword openbadges; the baking "
                          "specification allows one")
    if not itxt:
        if legacy:
            raise BakingError(f"the Open Badges data is in a {legacy[0].decode()} chunk; the baking specification "
                              "requires an uncompressed iTXt chunk with keyword openbadges")
        return None
    data = bytes(view[itxt[0][0] : itxt[0][1]])
    if data[len(_KEYWORD) : len(_KEYWORD) + 1] != b"\x00":
        raise BakingError("the openbadges iTXt chunk is compressed; the baking specification says compression "
                          "MUST NOT be used")
    if len(data) - len(_KEYWORD) > max_text_bytes:
        raise BakingError(f"the openbadges text is larger than {max_text_bytes} bytes")
    return _decode_text_chunk(b"iTXt", data, max_text_bytes)


# --------------------------------------------------------------------------- SVG

# Elements that run code or embed another document; refused in any namespace.
_FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "handler", "listener", "iframe", "embed", "object", "frame", "frameset"}
)
_ANIMATION_ELEMENTS = frozenset({"set", "animate", "animatecolor", "animatemotion", "animatetransform"})
_REFERENCE_ATTRIBUTES = frozenset({"href", "src"})
_SAFE_DATA_PREFIXES = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,")
_BASE64_BODY = re.compile(r"[A-Za-z0-9+/=\s]*\Z")
_URL_FUNCTION = re.compile(r"url\(", re.IGNORECASE)
_SPACE_AND_CONTROLS = re.compile(r"[\x00-\x20\x7f]+")
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:")
# XML 1.0 Char production: anything else cannot be serialized into a parseable document.
# (Written as the complement: the positive class takes ~6 ms to compile at import.)
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _is_safe_reference(value: str) -> bool:
    """Same-document fragments and inline raster images only: nothing is fetched."""
    value = value.strip(" \t\n\r\f")
    if value.startswith("#"):
        return len(value) > 1
    for prefix in _SAFE_DATA_PREFIXES:
        if value[: len(prefix)].lower() == prefix:
            return bool(_BASE64_BODY.match(value, len(prefix)))
    return False


def _check_css_urls(text: str, where: str) -> None:
    """Every ``url(...)`` in ``text`` must be a safe reference."""
    for match in _URL_FUNCTION.finditer(text):
        close = text.find(")", match.end())
        if close < 0:
            raise BakingError(f"unterminated url( in {where}")
        target = text[match.end() : close].strip(" \t\n\r\f").strip("'\"")
        if not _is_safe_reference(target):
            raise BakingError(f"external reference url({target[:60]}) in {where} is not allowed")


def _check_css(text: str, where: str) -> None:
    """Refuse CSS that can fetch or hide something: @import, image-set(), escapes, external url()."""
    lowered = text.lower()
    if "@import" in lowered:
        raise BakingError(f"@import in {where} is not allowed")
    if "image-set(" in lowered or "image(" in lowered:
        raise BakingError(f"image() / image-set() in {where} is not allowed")
    if "\\" in text:
        # CSS escapes (`\75 rl(`) would let a reference slip past the url( check.
        raise BakingError(f"CSS escape sequences in {where} are not allowed")
    _check_css_urls(text, where)


def _check_attribute(element: Element, qname: str, namespace: str | None, local: str, value: str) -> None:
    """Refuse event handlers, script URIs and references to anything outside the file."""
    name = local.lower()
    where = f"attribute {qname!r} of <{element.tagName}>"
    if namespace == XMLNS_NS or qname == "xmlns":
        return  # namespace declarations are identifiers, never fetched
    if name.startswith("on"):
        raise BakingError(f"event handler {where} is not allowed")
    compact = _SPACE_AND_CONTROLS.sub("", value).lower()
    if any(scheme in compact for scheme in _SCRIPT_SCHEMES):
        raise BakingError(f"script URI in {where} is not allowed")
    if namespace == XML_NS and name == "base":
        raise BakingError("xml:base is not allowed")
    if name in _REFERENCE_ATTRIBUTES and not _is_safe_reference(value):
        raise BakingError(f"external reference in {where} is not allowed (only #fragment or inline PNG/JPEG/GIF)")
    if name == "style":
        _check_css(value, where)
    else:
        lowered = value.lower()
        if "@import" in lowered:
            raise BakingError(f"@import in {where} is not allowed")
        _check_css_urls(value, where)


def _check_element(element: Element) -> None:
    """Refuse script-bearing elements, animations that rewrite links, and unsafe CSS."""
    local = (element.localName or element.tagName).lower()
    if local in _FORBIDDEN_ELEMENTS or element.namespaceURI == XHTML_NS:
        raise BakingError(f"<{element.tagName}> is not allowed in a badge SVG")
    if local in _ANIMATION_ELEMENTS:
        target = element.getAttribute("attributeName").strip().lower()
        if target.endswith("href") or target.startswith("on") or target == "style":
            raise BakingError(f"<{element.tagName}> animating {target!r} is not allowed")
    for attr in element.attributes.values():
        _check_attribute(element, attr.name, attr.namespaceURI, attr.localName or attr.name, attr.value)
    if local == "style":
        css = []
        for child in element.childNodes:
            if child.nodeType in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE):
                css.append(child.data)
            elif child.nodeType == Node.ELEMENT_NODE:
                raise BakingError("<style> must contain only CSS text")
        _check_css("".join(css), "<style>")


def _parse(svg: bytes, max_bytes: int) -> tuple[Document, Element]:
    """Parse with DTDs, entities and external references forbidden (no XXE, no billion laughs)."""
    if len(svg) > max_bytes:
        raise BakingError(f"the SVG is larger than {max_bytes} bytes")
    # Imported here: defusedxml.minidom pulls in xml.sax and urllib (~40 ms of cold start)
    # that PNG baking and verification never need.
    from xml.parsers.expat import ExpatError

    from defusedxml import DefusedXmlException
    from defusedxml.minidom import parseString

    try:
        # the stubs say str; minidom parses bytes too, honouring the document's own encoding declaration
        doc = parseString(bytes(svg), forbid_dtd=True, forbid_entities=True,  # type: ignore[arg-type]
                          forbid_external=True)
    except DefusedXmlException as exc:
        raise BakingError(f"DTDs and entities are not allowed in a badge SVG ({type(exc).__name__})") from exc
    except (ExpatError, ValueError) as exc:
        raise BakingError(f"the SVG is not well-formed XML: {exc}") from exc
    root = doc.documentElement
    if root is None or root.namespaceURI != SVG_NS or root.localName != "svg":
        raise BakingError("the root element must be <svg> in the SVG namespace (http://www.w3.org/2000/svg)")
    return doc, root


def _parse_clean(svg: bytes, max_bytes: int) -> tuple[Document, Element]:
    """Parse and walk the whole tree; raise ``BakingError`` at the first unsafe construct."""
    doc, root = _parse(svg, max_bytes)
    stack: list[DomNode] = list(doc.childNodes)
    while stack:
        node = stack.pop()
        if node.nodeType == Node.PROCESSING_INSTRUCTION_NODE:
            # <?xml-stylesheet href="https://..."?> fetches external CSS.
            raise BakingError("processing instructions are not allowed in a badge SVG")
        if node.nodeType == Node.ELEMENT_NODE:
            _check_element(node)  # type: ignore[arg-type]
            stack.extend(node.childNodes)
    return doc, root


def _serialize(doc: Document) -> bytes:
    return doc.toxml(encoding="utf-8")


def sanitize_svg(svg: bytes, *, max_bytes: int = MAX_SVG_BYTES) -> bytes:
    """Return a safe re-serialization of ``svg`` or raise ``BakingError``.

    Policy: reject, never strip (see the module docstring for why). Refused:
    files over ``max_bytes``; DTDs, entities and external entities (defusedxml);
    a root other than ``{http://www.w3.org/2000/svg}svg``; ``<script>``,
    ``<foreignObject>``, ``<handler>``, ``<iframe>``/``<embed>``/``<object>`` and any
    XHTML element; processing instructions (``xml-stylesheet``); ``on*`` event
    handler attributes; ``javascript:``-style URIs anywhere; ``href``/``xlink:href``/
    ``src`` that are not a ``#fragment`` or a ``data:image/(png|jpeg|gif);base64`` URI;
    ``url(...)`` to anything else in any attribute or ``<style>``; ``@import``,
    ``image-set()`` and CSS escapes in CSS; ``xml:base``; animations of ``href``,
    ``on*`` or ``style``. The returned bytes are the checked tree serialized again, so
    what is stored is exactly what was checked (no parser-differential leftovers).
    """
    return _serialize(_parse_clean(svg, max_bytes)[0])


def _check_xml_text(value: str, what: str) -> None:
    if not isinstance(value, str):
        raise BakingError(f"the {what} must be a string")
    if _NOT_XML_CHAR.search(value):
        raise BakingError(f"the {what} contains characters that XML cannot carry")


def _cdata_safe(assertion_json: str) -> str:
    """Make the assertion fit in one CDATA section.

    ``]]>`` would end the section early. In valid JSON it can only occur inside a
    string literal, where ``]]\\u003e`` means the same thing, so the escape keeps
    the JSON equivalent and the CDATA section whole (openbadges-bakery reads one).
    """
    if "]]>" not in assertion_json:
        return assertion_json
    try:
        json.loads(assertion_json)
    except ValueError as exc:
        raise BakingError("an assertion containing ']]>' must be valid JSON") from exc
    return assertion_json.replace("]]>", "]]\\u003e")


def bake_svg(svg: bytes, assertion_json: str, verify_url: str, *, max_bytes: int = MAX_SVG_BYTES) -> bytes:
    """Return the sanitized ``svg`` with an ``<openbadges:assertion>`` as the root's first child.

    The element carries ``verify="{verify_url}"`` and the assertion JSON in CDATA, as the
    OB 2.0 baking spec shows. Any existing openbadges assertion is replaced, so re-baking
    never yields two. The input goes through ``sanitize_svg`` first: baking is the moment
    the file becomes ours to serve. An empty ``assertion_json`` bakes only ``verify``.
    """
    _check_xml_text(assertion_json, "assertion")
    _check_xml_text(verify_url, "verify URL")
    text = _cdata_safe(assertion_json)
    doc, root = _parse_clean(svg, max_bytes)
    declared = root.getAttributeNS(XMLNS_NS, "openbadges")
    if declared and declared != OPENBADGES_NS:
        raise BakingError("the SVG binds the 'openbadges' prefix to another namespace")
    for old in list(doc.getElementsByTagNameNS(OPENBADGES_NS, "assertion")):
        if old.parentNode is not None:
            old.parentNode.removeChild(old)
        old.unlink()
    root.setAttributeNS(XMLNS_NS, "xmlns:openbadges", OPENBADGES_NS)
    element = doc.createElementNS(OPENBADGES_NS, "openbadges:assertion")
    element.setAttribute("verify", verify_url)
    if text:
        element.appendChild(doc.createCDATASection(text))
    root.insertBefore(element, root.firstChild)
    return _serialize(doc)


def unbake_svg(svg: bytes, *, max_bytes: int = MAX_SVG_BYTES + MAX_ASSERTION_BYTES) -> str | None:
    """Return the baked assertion (CDATA/text content), else its ``verify`` value; None when
    the SVG carries no ``<openbadges:assertion>``.

    Held to the baking specification ("Directly after the ``<svg>`` tag, add an
    ``<openbadges:assertion>`` tag with a ``verify`` attribute. The value of ``verify``
    should either be a signed OpenBadges assertion **or** the URL [of the hosted assertion]";
    "There **MUST** be only one ``<openbadges:assertion>`` tag in an SVG"), a ``BakingError``
    otherwise: more than one element, no ``verify``, or a ``verify`` that is not the baked
    assertion's own ``id`` (nor, for a signed badge, the same JWS as the body).

    Parsed as safely as for baking (no DTD, no entities) but not held to the upload
    policy: a verifier must be able to read a third party's badge that we would not
    accept as artwork.
    """
    doc, _ = _parse(svg, max_bytes)
    elements = doc.getElementsByTagNameNS(OPENBADGES_NS, "assertion")
    if not elements:
        return None
    if len(elements) > 1:
        raise BakingError(f"the SVG has {len(elements)} openbadges:assertion elements; the baking specification "
                          "allows one")
    element = elements[0]
    verify = element.getAttribute("verify").strip()
    if not verify:
        raise BakingError("the openbadges:assertion element has no verify attribute")
    cdata = [c.data for c in element.childNodes if c.nodeType == Node.CDATA_SECTION_NODE]
    if not cdata:
        cdata = [c.data for c in element.childNodes if c.nodeType == Node.TEXT_NODE]
    content = "".join(cdata).strip()
    if not content:
        return verify
    try:
        baked = json.loads(content) if content.startswith("{") else None
    except ValueError:
        baked = None  # not JSON after all: the verifier says so when it reads the text
    if isinstance(baked, dict):
        if baked.get("id") != verify:
            raise BakingError(f"the verify attribute ({verify[:80]}) is not the baked assertion's id "
                              f"({str(baked.get('id'))[:80]})")
    elif not content.startswith("{") and content != verify:
        raise BakingError("the openbadges:assertion body and its verify attribute hold different badges")
    return content
