"""`python -m dingtalk_adapter check`: are the DingTalk settings and credentials usable?

Prints one line and exits 0, or one sentence on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from dingtalk_adapter.settings import load_dingtalk_settings
from dingtalk_adapter.startup import check_dingtalk
from settings import SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dingtalk_adapter", description=__doc__)
    parser.add_argument("command", choices=["check"])
    parser.parse_args(argv)
    try:
        print(asyncio.run(check_dingtalk(load_dingtalk_settings())))
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
