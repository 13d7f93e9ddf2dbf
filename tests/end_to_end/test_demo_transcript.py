"""The demo's conversation and ledger stay exactly what they were: a lock on behaviour.

The demo runs with a fixed start, so its transcript (every message, button and answer) and its
ledger are the same on every run; both are compared with the files beside this test. After a
deliberate change of what users see, write them again with `DEMO_GOLDEN_UPDATE=1 python -m
pytest tests/end_to_end/test_demo_transcript.py` and review the diff.

Two things differ by design from run to run and are masked before comparing: the port the
demo's dashboard got, and the secret token of the kiosk link /screen made.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from demo.run import run_demo

HERE = Path(__file__).resolve().parent
# A Monday morning in Beijing (naive UTC); the schedule then fires on 25 November.
START = datetime(2026, 11, 2, 1, 0)
LOCAL_PORT = re.compile(r"http://127\.0\.0\.1:\d+")
KIOSK_TOKEN = re.compile(r"/kiosk/[A-Za-z0-9_-]{20,}")


def steady(transcript: str) -> str:
    """The transcript with the dashboard's port and the kiosk link's token masked."""
    transcript = LOCAL_PORT.sub("http://127.0.0.1:<port>", transcript)
    return KIOSK_TOKEN.sub("/kiosk/<token>", transcript)


def cell_text(value: object) -> str:
    """A cell as the sheet shows it: a time to the minute (the seconds a step of the demo
    took on a busy machine are neither shown nor compared)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def ledger_text(path: Path) -> str:
    """Every sheet of the workbook, one line per row, cells separated by ' | '."""
    workbook = load_workbook(path, read_only=True)
    lines: list[str] = []
    for sheet in workbook.worksheets:
        lines.append(f"## {sheet.title}")
        for row in sheet.iter_rows(values_only=True):
            lines.append(" | ".join(cell_text(v) for v in row))
    workbook.close()
    return "\n".join(lines) + "\n"


def play(lang: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The demo's transcript and its ledger as text."""
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert run_demo(lang=lang, out_dir=str(folder), start=START) == 0
    monkeypatch.undo()
    ledger = next(folder.glob("*.xlsx"))
    return (folder / "transcript.txt").read_text(encoding="utf-8"), ledger_text(ledger)


def same_as_golden(name: str, actual: str) -> None:
    golden = HERE / name
    if os.environ.get("DEMO_GOLDEN_UPDATE") == "1":
        golden.write_text(actual, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    diff = "\n".join(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "before", "now", lineterm="", n=2
        )
    )
    assert not diff, f"{name} changed:\n{diff[:6000]}"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_demo_says_exactly_what_it_said_before(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transcript, ledger = play(lang, tmp_path, monkeypatch)
    same_as_golden(f"demo_transcript.{lang}.txt", steady(transcript))
    same_as_golden(f"demo_ledger.{lang}.txt", ledger)
