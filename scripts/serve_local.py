"""Chalice's local API server for `make run` and the browser tests.

The same server `chalice local` runs, started here so that the environment the
caller prepared is the one the app sees (`chalice local` would let
`.chalice/config.json` override it, pinning the ports). Usage:
serve_local.py <host> <port>, with the local stage's environment set.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    sys.path.insert(0, str(ROOT))
    from chalice.config import Config
    from chalice.local import create_local_server

    from app import app

    config = Config.create(chalice_stage="local", app_name=app.app_name, chalice_app=app, project_dir=str(ROOT))
    create_local_server(app, config, host, port).serve_forever()


if __name__ == "__main__":
    main()
