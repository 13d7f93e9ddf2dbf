"""`python bot.py demo --platform dingtalk`: the same story on the DingTalk simulator, as the
command a newcomer types: one reminder per group asking for an @-mention, the @-reports
recorded (the one naming no measure answered with a card press), the ledger, the chart and
the 通报 as files, the late report late."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image

from demo import script
from tests.end_to_end.test_demo import printed_path, section
from tests.support.paths import ROOT


def test_the_demo_plays_the_same_story_on_dingtalk(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "bot.py", "demo", "--platform", "dingtalk", "--lang", "en",
         "--out", str(out), "--no-serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert done.stderr == ""
    output = done.stdout
    assert "DingTalk simulator" in output
    for department in script.DEPARTMENT_CHATS:
        title = re.escape(department.titles["en"])
        reminders = re.findall(
            rf"^\S+ \S+ \[{title}\] \S+ #\d+: \*\*Progress report requested\*\*", output,
            re.MULTILINE,
        )
        assert len(reminders) == 1, department.key
    assert "@ me in this group with your report" in output
    assert "reply to this message" not in output
    replies = section(output, "Liaisons reply to the reminder")
    for key in ("water", "energy_land", "development", "industry", "culture"):
        assert "@" in replies and script.LINES["en"][key] in replies
    assert "▣ （三）" in replies  # the card's button for the report that named no measure
    status = section(output, "The final /status")
    assert "⛔" in status and "on-time rate" in status
    assert "Big-screen" not in output  # no dashboard on DingTalk

    with sqlite3.connect(out / "demo.sqlite3") as connection:
        rows = connection.execute(
            "SELECT d.name, p.on_time, p.user_id FROM progressupdate p JOIN department d"
            " ON d.id = p.department_id WHERE p.cycle_id IS NOT NULL"
        ).fetchall()
    assert {name for name, on_time, _ in rows if not on_time} == {"省商务厅"}
    assert {"省水利厅", "省发展改革委", "省工信厅", "省文旅厅"} <= {name for name, _, _ in rows}
    assert all(user_id > 10**15 for _, _, user_id in rows)  # DingTalk people's numbers

    ledger = printed_path(output, "Ledger: ")
    assert ledger.parent == out and ledger.suffix == ".xlsx"
    workbook = load_workbook(ledger, read_only=True)
    cells = [str(c) for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row]
    workbook.close()
    assert any("（五）" in c for c in cells) and any("省教育厅" in c for c in cells)
    bulletin = printed_path(output, "通报: ")  # the 通报, a .docx sent after its caption
    assert bulletin.suffix == ".docx" and bulletin.read_bytes().startswith(b"PK")
    chart = printed_path(output, "Chart: ")
    with Image.open(chart) as image:
        assert image.format == "PNG"
