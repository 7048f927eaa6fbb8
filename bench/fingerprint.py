"""Print the fingerprint of the hot statements' SQL (tests/plans/fingerprint.py) as the
service sends them to APP_DATABASE_URL's database: run.sh and tiles.sh record it with every
run, and `make test` fails while bench/README.md has no run of the current statements."""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.plans.fingerprint import hot_statements_fingerprint

if __name__ == "__main__":
    logging.disable(logging.WARNING)
    print(asyncio.run(hot_statements_fingerprint(os.environ["APP_DATABASE_URL"])))
