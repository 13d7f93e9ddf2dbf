"""`python bot.py demo`: the README's first command runs a whole cycle and shows what happened.

The demo is run for real (no network: a simulator on 127.0.0.1), once in this process in
Chinese and once as the command a newcomer types, in English.
"""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from matplotlib.colors import to_hex
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import select

from demo import script
from demo.run import run_demo
from messages.chart import SIGNAL_COLOURS, build_figure
from messages.i18n import get_translator
from messages.vocabulary import REPORTING_ICONS, SIGNAL_ICONS
from models.db import Database
from models.schedules import Cycle
from reports.chart import chart_data
from tests.support.paths import ROOT

REPORTING_BY_ICON = {icon: state for state, icon in REPORTING_ICONS.items()}
SIGNAL_BY_ICON = {icon: signal for signal, icon in SIGNAL_ICONS.items()}


def section(output: str, heading: str) -> str:
    """The printed lines from the `── …heading…` line to the next heading (or the end)."""
    match = re.search(rf"^── .*{re.escape(heading)}.*$", output, re.MULTILINE)
    assert match, f"no heading {heading!r}"
    following = output.find("\n── ", match.end())
    return output[match.start() : following if following != -1 else len(output)]


def answer_to(output: str, chat_title: str, command: str) -> str:
    """The bot's printed answer to `command` in the chat: its line and the indented rest."""
    lines = output.splitlines()
    asked = next(
        i for i, line in enumerate(lines) if f"[{chat_title}]" in line and line.endswith(command)
    )
    answer = [lines[asked + 1]]
    for line in lines[asked + 2 :]:
        if not line.startswith(" "):
            break
        answer.append(line)
    return "\n".join(answer)


def printed_path(output: str, label: str) -> Path:
    match = re.search(rf"^{label}(.+)$", output, re.MULTILINE)
    assert match, f"no {label!r} line in the output"
    return Path(match.group(1).strip())


def reminders_per_chat(output: str, lang: str, heading_text: str) -> dict[str, int]:
    """How many reminders (bot messages opening with `heading_text`) each department chat got."""
    counts = {}
    for department in script.DEPARTMENT_CHATS:
        title = department.titles[lang]
        pattern = rf"^\S+ \S+ \[{re.escape(title)}\] \S+ #\d+: {re.escape(heading_text)}$"
        counts[title] = len(re.findall(pattern, output, re.MULTILINE))
    return counts


@pytest.fixture(scope="module")
def chinese_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path, list[str]]:
    """One in-process run in Chinese: exit code, stdout, output folder, threads left behind."""
    folder = tmp_path_factory.mktemp("demo-zh")
    # A folder an earlier run used: the demo starts from a fresh database all the same.
    (folder / "demo.sqlite3").write_bytes(b"left over from an earlier run")
    threads_before = {t.ident for t in threading.enumerate()}
    capture = pytest.MonkeyPatch()
    buffer = io.StringIO()
    capture.setattr(sys, "stdout", buffer)
    try:
        code = run_demo(lang="zh_CN", out_dir=str(folder))
    finally:
        capture.undo()
    leftover = [t.name for t in threading.enumerate() if t.ident not in threads_before]
    return code, buffer.getvalue(), folder, leftover


def test_the_demo_ends_with_exit_code_0_and_leaves_nothing_running(chinese_run) -> None:
    code, output, folder, leftover = chinese_run
    assert code == 0, output[-2000:]
    assert leftover == []
    assert "Traceback" not in output
    assert (folder / "demo.sqlite3").is_file()
    assert (folder / "transcript.txt").read_text(encoding="utf-8").strip() in output


def test_each_bound_chat_shows_exactly_one_reminder(chinese_run) -> None:
    _code, output, _folder, _ = chinese_run
    counts = reminders_per_chat(output, "zh_CN", "督办提醒：请报送进展")
    assert counts == {d.titles["zh_CN"]: 1 for d in script.DEPARTMENT_CHATS}


def test_the_liaisons_replies_and_the_bots_answers_are_in_the_transcript(chinese_run) -> None:
    _code, output, _folder, _ = chinese_run
    replies = section(output, "截止前，各单位联络员回复提醒")
    for key in ("water", "energy_land", "development", "industry", "culture"):
        assert script.LINES["zh_CN"][key] in replies
    # The reply without a measure got the question with buttons, and the press was recorded.
    assert "[（三） | （四） | （十九） | 全部]" in replies
    assert "▣ （三）" in replies
    # The edit was taken: the acknowledgement of the edit says done.
    assert "✎ " + script.LINES["zh_CN"]["culture_edit"] in replies
    nudges = section(output, "定时检查向仍有措施未报的群催报")
    assert script.LINES["zh_CN"]["development_nudged"] in nudges
    assert f"[{script.WATER.titles['zh_CN']}]" not in nudges  # it had reported everything


def measure_lines(status: str, label: str) -> tuple[str, str]:
    """The line of a measure in /status and the line of its units under it."""
    lines = status.splitlines()
    at = next(i for i, line in enumerate(lines) if f" {label}" in line)
    return lines[at], lines[at + 1]


def test_status_shows_both_signals_side_by_side(chinese_run) -> None:
    _code, output, _folder, _ = chinese_run
    status = section(output, "最终的 /status")
    # Reported on time that it is blocked: punctual, and blocked.
    head, units = measure_lines(status, "（八）")
    assert head.startswith("🟢⛔") and "省工信厅 🟢⛔" in units
    # Reported late that it is done.
    head, units = measure_lines(status, "（十）")
    assert head.startswith("🟡✅") and "省商务厅 🟡✅" in units
    # Reported on time, but 60% when the time elapsed to its deadline is about 90%: behind.
    head, units = measure_lines(status, "（六）")
    assert head.startswith("🟢📉") and re.search(r"60%，序时进度 \d\d%", head)
    # A co-lead no chat reaches does not vanish: it is 未绑定, and so is the measure.
    head, units = measure_lines(status, "（四）")
    assert head.startswith("📵") and "省交通厅 📵" in units
    # Closed (销号) with when and by whom.
    head, _units = measure_lines(status, "（五）")
    assert head.startswith("🏁") and "办结" in head and "刘 督查室" in head
    assert re.search(r"按时 \d+，逾期报送 1，逾期未报 \d+", status)
    assert "✅ 按时" not in status  # ✅ means done, and only that


def test_a_returned_report_is_reported_again_and_counts_from_then(chinese_run) -> None:
    _code, output, folder, _ = chinese_run
    story = section(output, "协调员退回一份内容笼统的报送")
    development = script.DEVELOPMENT.titles["zh_CN"]
    assert "↩️ 退回 省发展改革委 的报送" in story
    assert f"[{development}] 督办助手" in story and "报送已退回，请补报" in story
    assert script.LINES["zh_CN"]["development_again"] in story
    with sqlite3.connect(folder / "demo.sqlite3") as connection:
        rows = connection.execute(
            "SELECT p.returned_at IS NOT NULL, p.on_time FROM progressupdate p"
            " JOIN measure m ON m.id = p.measure_id WHERE m.label = '（三）' ORDER BY p.id"
        ).fetchall()
        (returns,) = connection.execute(
            "SELECT count(*) FROM reviewaction WHERE kind = 'return'"
        ).fetchone()
    assert rows == [(1, 1), (0, 1)]  # the vague report returned, the 补报 on time
    assert returns == 1


def test_replies_are_dated_as_the_story_says_never_a_second_early(chinese_run) -> None:
    # The story's people reply on the hour; the stored times are exactly that (the demo's
    # simulated clock once truncated a fraction of a second: 10:59 for 11:00).
    _code, _output, folder, _ = chinese_run
    with sqlite3.connect(folder / "demo.sqlite3") as connection:
        times = [row[0] for row in connection.execute("SELECT created_at FROM progressupdate")]
    assert times and all(re.search(r" \d\d:00:00(\.0+)?$", t) for t in times), times


def test_the_silent_department_is_overdue(chinese_run) -> None:
    _code, output, _folder, _ = chinese_run
    coordinators = script.COORDINATORS_TITLES["zh_CN"]
    overdue = answer_to(output, coordinators, "/overdue")
    assert f"🔴 {script.SILENT.departments}" in overdue
    assert "📵" in overdue and "省交通厅：（四）" in overdue  # who no chat reaches
    digest = section(output, "已过截止时间，协调员群收到逾期通报")
    assert script.SILENT.departments in digest
    # The late department was overdue at the deadline, and is no longer after its reply.
    assert "省商务厅" in digest and "省商务厅" not in overdue


def test_late_replies_are_late_in_the_database_too(chinese_run) -> None:
    _code, _output, folder, _ = chinese_run
    with sqlite3.connect(folder / "demo.sqlite3") as connection:
        rows = connection.execute(
            "SELECT d.name, p.on_time FROM progressupdate p JOIN department d"
            " ON d.id = p.department_id WHERE p.cycle_id IS NOT NULL"
        ).fetchall()
    late = {name for name, on_time in rows if not on_time}
    assert late == {"省商务厅"}
    assert {"省水利厅", "省发展改革委", "省工信厅", "省文旅厅"} <= {name for name, _ in rows}


def test_the_ledger_is_the_workbook_the_bot_sent(chinese_run) -> None:
    _code, output, folder, _ = chinese_run
    ledger = printed_path(output, "台账：")
    assert ledger.parent == folder and ledger.suffix == ".xlsx"
    workbook = load_workbook(ledger, read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    assert "督办台账" in str(rows[0][0]) and "晋政发〔2021〕36号" in str(rows[1][0])
    headers = rows[2]
    body = {
        str(row[1]).split("）")[0] + "）": dict(zip(headers, row, strict=False)) for row in rows[3:]
    }
    assert body["（六）"]["进展"].startswith("滞后") and body["（六）"]["完成比例"] == 0.6
    assert body["（三）"]["存在问题"] == "部分站址协调难度大"
    assert body["（三）"]["下步打算"] == "会同各市加快站址审批"
    assert body["（五）"]["进展"].startswith("办结")
    assert body["（四）"]["本轮报送"] == "未绑定"
    assert [row[0] for row in rows[3:]] == list(range(1, len(rows) - 2))  # 序号 1, 2, …

    # As it prints and as Excel shows it: 60%, landscape A4, the header on every page; and
    # the second sheet holds every report, an edited one with both of its times.
    workbook = load_workbook(ledger)
    sheet, reports = workbook.worksheets[0], workbook.worksheets[1]
    share = headers.index("完成比例") + 1
    six = next(r for r in range(4, sheet.max_row + 1) if "（六）" in str(sheet.cell(r, 2).value))
    assert sheet.cell(six, share).number_format == "0%"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$3:$3"
    report_rows = [list(r) for r in reports.iter_rows(min_row=4, values_only=True)]
    assert len(report_rows) == 10
    header = [c.value for c in reports[3]]
    edited = next(r for r in report_rows if str(r[1]).startswith("（十三）"))
    sent, changed = edited[header.index("报送时间")], edited[header.index("修改时间")]
    assert (sent.hour, changed.hour) == (11, 12)  # 11:00 sent, 12:00 edited (UTC+8 shown)


def test_the_bulletin_is_a_word_document_with_the_cycles_figures(chinese_run) -> None:
    _code, output, folder, _ = chinese_run
    bulletin = printed_path(output, "督办通报：")
    assert bulletin.parent == folder and bulletin.suffix == ".docx"
    document = Document(str(bulletin))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "督办通报" and re.fullmatch(r"\d{4}年第\d+期", texts[1])
    assert any("按时率 62%" in t for t in texts)
    lagging = next(t for t in document.tables if t.rows[0].cells[0].text == "措施")
    assert any(row.cells[0].text.startswith("（六）") for row in lagging.rows[1:])


def test_the_chart_and_status_judge_every_measure_alike(chinese_run) -> None:
    _code, output, folder, _ = chinese_run
    status = section(output, "最终的 /status")
    shown: dict[str, tuple[str, str]] = {}
    for line in status.splitlines():
        found = re.match(r"^(?:(🏁)|([🟢🟡🔴⚪📵])(✅|🔄|📉|⚠️|⛔|➖)) (（[^）]+）)", line)
        if found:
            closed, reporting, progress, label = found.groups()
            shown[label] = (
                "closed" if closed else REPORTING_BY_ICON[reporting],
                "closed" if closed else SIGNAL_BY_ICON[progress],
            )
    database = Database.from_url(f"sqlite:///{folder / 'demo.sqlite3'}")
    try:
        # The moment the coordinator asked for /status and /chart.
        due = database.call(lambda s: s.exec(select(Cycle.due_at)).first())
        data = database.call(chart_data, now=due + timedelta(days=1, hours=1))
    finally:
        database.dispose()
    charted = {
        m.label: ("closed" if m.closed else m.reporting, m.progress.signal) for m in data.measures
    }
    assert charted == shown and len(shown) >= 20
    # The picture colours each measure's bar as its progress, as /status marks it.
    figure, _codes = build_figure(get_translator("zh_CN"), data, None)
    bars = [p for p in figure.axes[0].patches if p.get_gid() == "progress"]
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [
        SIGNAL_COLOURS[m.progress.signal] for m in data.measures
    ]


def test_the_chart_is_a_valid_png(chinese_run) -> None:
    _code, output, folder, _ = chinese_run
    chart = printed_path(output, "图表：")
    assert chart.parent == folder
    with Image.open(chart) as image:
        image.verify()
    with Image.open(chart) as image:
        assert image.format == "PNG"
        assert image.width > 300 and image.height > 200


def test_the_command_a_newcomer_types_runs_in_english(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "bot.py", "demo", "--lang", "en", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""
    output = done.stdout
    counts = reminders_per_chat(output, "en", "Progress report requested")
    assert counts == {d.titles["en"]: 1 for d in script.DEPARTMENT_CHATS}
    assert "── The final /status" in output
    status = section(output, "The final /status")
    assert "Progress of the current cycle" in status and "on-time rate" in status
    assert "⛔" in status
    assert "督办提醒" not in output and "本轮督办进展" not in output
    overdue = answer_to(output, script.COORDINATORS_TITLES["en"], "/overdue")
    assert f"🔴 {script.SILENT.departments}" in overdue
    ledger = printed_path(output, "Ledger: ")
    assert ledger.is_file()
    workbook = load_workbook(ledger, read_only=True)
    headers = [str(v) for v in list(workbook.worksheets[0].iter_rows(values_only=True))[2]]
    workbook.close()
    assert headers[:2] == ["No.", "Measure"] and "Problems" in headers
    bulletin = Document(str(printed_path(output, "通报: ")))
    assert bulletin.paragraphs[0].text == "Progress bulletin"
    assert printed_path(output, "Chart: ").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_an_unknown_language_or_an_unwritable_folder_is_refused(tmp_path: Path, capsys) -> None:
    assert run_demo(lang="fr", out_dir=str(tmp_path)) == 2
    assert "zh_CN or en" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert run_demo(lang="en", out_dir=str(blocker / "out")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_a_step_that_does_not_happen_is_named_and_the_exit_code_is_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The liaison now names a measure, so the bot has no reason to ask with buttons.
    monkeypatch.setitem(script.LINES["en"], "development", "(3) 1,200 base stations, in progress")
    threads_before = {t.ident for t in threading.enumerate()}
    assert run_demo(lang="en", out_dir=str(tmp_path)) == 1
    captured = capsys.readouterr()
    assert "The demo failed:" in captured.err
    assert "did not ask which measure" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert [t for t in threading.enumerate() if t.ident not in threads_before] == []
