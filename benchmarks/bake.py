"""PNG baking speed: Laurel's chunk-level baker against openbadges-bakery (pypng).

Builds a ~1 MiB PNG of RGB noise (noise does not compress, so the file size is set by
the pixel count), bakes the same assertion into it with both implementations in one
run, and reports medians over several timed batches. Both sides validate every input
CRC; the difference is per-chunk Python work, how many times the bytes are copied and
checksummed (bakery: CRC on read and again on write; Laurel: once), and the CRC-32 code
(zlib-ng's when installed). Also prints Laurel's time with the stdlib CRC. Prints `bake_speedup <bakery / laurel>` last (target >= 3).
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zlib  # noqa: E402

import openbadges_bakery  # noqa: E402
from PIL import Image  # noqa: E402

from chalicelib.openbadges import baking  # noqa: E402
from chalicelib.openbadges.baking import bake_png, unbake_png  # noqa: E402

MIB = 1024 * 1024
BATCHES = 15


def noise_png(target: int = MIB) -> bytes:
    """A PNG of random RGB pixels, about ``target`` bytes (stored almost uncompressed)."""
    side = int((target / 3) ** 0.5)
    rng = random.Random(20240601)
    img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def median_seconds(fn: Callable[[], object], number: int) -> float:
    """Median per-call time over BATCHES batches of ``number`` calls (timeit-style)."""
    fn()  # warm-up
    samples = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def main() -> None:
    png = noise_png()
    assert 0.9 * MIB <= len(png) <= 1.1 * MIB, f"benchmark PNG is {len(png)} bytes, expected about 1 MiB"
    assertion = json.dumps(
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": "https://laurel.test/a/" + os.urandom(16).hex(),
            "recipient": {"type": "email", "hashed": True, "identity": "sha256$" + "0" * 64},
            "badge": "https://laurel.test/b/example",
            "verification": {"type": "hosted"},
            "issuedOn": "2024-06-01T00:00:00Z",
        }
    )

    def bakery() -> bytes:
        return openbadges_bakery.bake(io.BytesIO(png), assertion, io.BytesIO()).getvalue()

    def laurel() -> bytes:
        return bake_png(png, assertion)

    # Same answer from both before timing anything.
    assert unbake_png(bakery()) == assertion
    assert openbadges_bakery.unbake(io.BytesIO(laurel())) == assertion

    bakery_s = median_seconds(bakery, number=10)
    laurel_s = median_seconds(laurel, number=50)
    # For honesty: the same code with the stdlib's CRC-32 (what runs without zlib-ng).
    fast_crc, baking._crc32 = baking._crc32, zlib.crc32
    try:
        stdlib_s = median_seconds(laurel, number=50)
    finally:
        baking._crc32 = fast_crc
    chunks = png.count(b"IDAT")
    print(f"png_bytes {len(png)} (~{chunks} IDAT chunks), assertion_bytes {len(assertion)}")
    print(f"crc32_impl {fast_crc.__module__}")
    print(f"bakery_bake_median_ms {bakery_s * 1e3:.3f}")
    print(f"laurel_bake_stdlib_crc_median_ms {stdlib_s * 1e3:.3f} (speedup {bakery_s / stdlib_s:.2f})")
    print(f"laurel_bake_median_ms {laurel_s * 1e3:.3f}")
    print(f"laurel_throughput_MiB_per_s {len(png) / MIB / laurel_s:.0f}")
    print(f"bake_speedup {bakery_s / laurel_s:.2f}")


if __name__ == "__main__":
    main()
