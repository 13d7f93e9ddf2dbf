"""Developer commands for the migrations: `python -m migrations revision "add x to y"`.

Operators use `python bot.py db upgrade`; this writes new revision files after a model change.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from migrations.runner import make_revision, schema_differences, upgrade_engine
from models.db import create_db_engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migrations", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rev = sub.add_parser("revision", help="autogenerate the next revision from the models")
    rev.add_argument("message")
    sub.add_parser("check", help="exit 1 if the migrations do not produce the models' schema")
    args = parser.parse_args(argv)
    if args.command == "revision":
        print(make_revision(args.message))
        return 0
    return _check()


def _check() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_db_engine(f"sqlite:///{Path(scratch) / 'check.sqlite3'}")
        try:
            upgrade_engine(engine)
            diffs = schema_differences(engine)
        finally:
            engine.dispose()
    for diff in diffs:
        print(diff)
    print("migrations match the models" if not diffs else f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
