"""How many attacks the attacker's suite makes, and how many requests schemathesis
fuzzes: runs tests/attacks, the isolation test and the fuzz test under pytest,
counting every request that reaches the app (Chalice's local gateway, which both the
test client and the fuzzer's in-process server go through).

Prints `attack_requests N`, then `fuzzed_requests M` last."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Counter:
    def __init__(self):
        self.count = 0

    def pytest_configure(self, config):
        from chalice.local import LocalGateway

        real = LocalGateway.handle_request

        def counted(gateway, *args, **kwargs):
            self.count += 1
            return real(gateway, *args, **kwargs)

        LocalGateway.handle_request = counted


def run(paths: list[str]) -> int:
    import pytest

    counter = Counter()
    code = pytest.main(["-q", "-p", "no:cacheprovider", "--no-header", "-x", *paths], plugins=[counter])
    if code != 0:
        raise SystemExit(f"the suite failed ({code}); no figure")
    return counter.count


def main() -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    attacks = run(["tests/attacks", "tests/integration/test_isolation.py"])
    from tests.integration import test_openapi_fuzz

    run(["tests/integration/test_openapi_fuzz.py"])
    print(f"attack_requests {attacks}")
    print(f"fuzzed_requests {len(test_openapi_fuzz.SENT)}")


if __name__ == "__main__":
    main()
