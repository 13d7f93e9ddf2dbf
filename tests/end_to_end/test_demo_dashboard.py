"""`python bot.py demo --serve`: the demo serves its dashboard, prints the kiosk link, and
keeps both running until it is told to stop."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.paths import ROOT


def test_the_demo_serves_the_kiosk_link_it_prints_until_stopped(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "bot.py", "demo", "--serve", "--lang", "en", "--out", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        assert demo.stdout is not None
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl+C to stop" in line:
                break
        output = "".join(lines)
        match = re.search(r"^Big-screen dashboard: (http://127\.0\.0\.1:\d+/kiosk/\S+)$",
                          output, re.MULTILINE)
        assert match, output[-2000:]
        with urllib.request.urlopen(match.group(1), timeout=10) as page:
            html = page.read().decode()
        assert page.status == 200
        assert "Progress of the current cycle" in html and 'data-reporting="overdue"' in html
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
