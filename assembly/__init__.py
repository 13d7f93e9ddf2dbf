"""The one assembly of the bot: the database it opens and the application it runs.

Used alike by `bot.py`, `operations/` (which runs the bot), the demo and the benchmarks.
"""

from assembly.application import build_application, file_base_url
from assembly.database import (
    ensure_bundled_plan,
    open_database,
    open_database_url,
    prepare_schema,
)
from assembly.dingtalk import DingTalkBot, build_dingtalk

__all__ = [
    "DingTalkBot",
    "build_application",
    "build_dingtalk",
    "ensure_bundled_plan",
    "file_base_url",
    "open_database",
    "open_database_url",
    "prepare_schema",
]
