"""`plan export-map` and `plan import-map`: the map round-trips through a spreadsheet.

An office exports the map, corrects it in Excel and imports it; a sheet with any bad row
changes nothing and every bad row is named.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from bot import plan_export_map as cmd_export_map
from bot import plan_import_map as cmd_import_map
from migrations.runner import upgrade_engine
from models.db import Database
from models.plan import Department, Measure, MeasureCorrection
from planreader.corrections import measure_maps
from planreader.importer import import_plan_file
from tests.support.paths import PLANS, ROOT

TIYU = PLANS / "corpus" / "01_tiyu.txt"


@pytest.fixture
def url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    db = Database.from_url(url)
    upgrade_engine(db.engine)
    import_plan_file(db, TIYU)
    db.dispose()
    return url


def run(command, path: Path, url: str, lang: str = "zh_CN") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = command(path, database_url=url, lang=lang, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def maps(url: str) -> dict[str, tuple[list[str], list[str], str | None]]:
    db = Database.from_url(url)
    try:
        with db.session() as session:
            measures = session.exec(select(Measure).order_by(Measure.position)).all()
            return {
                m.label: (m.leads, m.supports, m.deadline_text)
                for m in measure_maps(session, list(measures))
            }
    finally:
        db.dispose()


def sheet_rows(path: Path) -> list[list]:
    return [list(row) for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]


def edit(path: Path, changes: dict[str, dict[int, str]], out: Path) -> Path:
    """Change cells of the rows whose first cell is a given label (column index → text)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=2):
        for column, text in changes.get(row[0].value, {}).items():
            row[column].value = text
    workbook.save(out)
    return out


def test_the_exported_map_lists_every_measure_with_its_doubts(url, tmp_path):
    path = tmp_path / "map.xlsx"
    code, out, _ = run(cmd_export_map, path, url)
    assert code == 0 and "共 16 项措施，1 项待核对" in out
    rows = sheet_rows(path)
    assert rows[0] == ["措施", "标题", "牵头单位", "配合单位", "完成时限", "存疑", "已更正"]
    eighteen = next(r for r in rows if r[0] == "（十八）")
    assert eighteen[2] is None and "空管委办公室" in eighteen[3]
    assert eighteen[5] == "“空管委办公室”仅出现一次，且不是已知单位"
    assert len(rows) == 1 + 16


def test_an_edited_map_imports_as_corrections_and_an_unedited_one_changes_nothing(url, tmp_path):
    exported = tmp_path / "map.xlsx"
    run(cmd_export_map, exported, url)
    code, out, _ = run(cmd_import_map, exported, url)
    assert code == 0 and "已更正 0 项措施。" in out and "16 行未变。" in out
    edited = edit(
        exported,
        {
            "（十八）": {2: "公安部", 3: "工业和信息化部、交通运输部\n+空管委", 4: "2023年底前"},
            "（四）": {2: "体育总局", 3: "民政部、人社部"},  # an alias: 人社部
        },
        tmp_path / "edited.xlsx",
    )
    code, out, err = run(cmd_import_map, edited, url)
    assert (code, err) == (0, "")
    assert "已更正 2 项措施。" in out and "新增单位：空管委" in out
    now = maps(url)
    assert now["（十八）"] == (["公安部"], ["工业和信息化部", "交通运输部", "空管委"], "2023年底前")
    assert now["（四）"] == (["体育总局"], ["民政部", "人力资源社会保障部"], None)
    db = Database.from_url(url)
    with db.session() as session:
        assert len(session.exec(select(MeasureCorrection)).all()) == 2
        assert session.exec(select(Department).where(Department.name == "空管委")).one()
    db.dispose()
    # The corrected map exports as it now stands, marked corrected and without doubts.
    again = tmp_path / "again.xlsx"
    run(cmd_export_map, again, url)
    eighteen = next(r for r in sheet_rows(again) if r[0] == "（十八）")
    assert eighteen[2:6] == ["公安部", "工业和信息化部、交通运输部、空管委", "2023年底前", None]
    assert eighteen[6]


def test_a_sheet_with_bad_rows_changes_nothing_and_names_each_row(url, tmp_path):
    exported = tmp_path / "map.xlsx"
    run(cmd_export_map, exported, url)
    before = maps(url)
    edited = edit(
        exported,
        {
            "（四）": {2: "体育总局", 3: "民政部"},  # good on its own, but nothing is written
            "（五）": {2: "体育总局", 3: "体育总局"},
            "（六）": {3: "体育总句"},
            "（七）": {4: "尽快"},
            "（八）": {0: "（九十）"},
            "（九）": {2: "", 3: ""},
        },
        tmp_path / "bad.xlsx",
    )
    code, out, err = run(cmd_import_map, edited, url, lang="en")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "Nothing was changed: 5 problems need fixing first.",
        "- row 3: 体育总局 cannot both lead and support",
        "- row 4: no department called 体育总句; did you mean 体育总局?",
        "- row 5: 尽快 is not a time limit (2023年6月底前, 2023-06-30, 长期坚持)",
        "- row 6: the plan has no measure （九十）",
        "- row 7: no department left for measure （九）",
    ]
    assert maps(url) == before


def test_a_file_that_is_no_map_is_refused_with_a_message(url, tmp_path):
    notes = tmp_path / "notes.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["会议纪要", "内容"])
    workbook.save(notes)
    code, _, err = run(cmd_import_map, notes, url)
    assert code == 1 and "没有含“措施”“牵头单位”“配合单位”列的表头行" in err
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    code, _, err = run(cmd_import_map, broken, url, lang="en")
    assert code == 1 and "is not an .xlsx workbook that can be opened" in err


def test_the_real_command_line_exports_and_imports(url, tmp_path):
    path = tmp_path / "map.xlsx"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    for command in ("export-map", "import-map"):
        completed = subprocess.run(
            [sys.executable, "bot.py", "plan", command, "--lang", "en", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
    assert "0 measures corrected." in completed.stdout


def test_a_map_that_cannot_be_written_is_said_so_without_a_traceback(url, tmp_path):
    missing_folder = tmp_path / "no such folder" / "map.xlsx"
    code, out, err = run(cmd_export_map, missing_folder, url, lang="en")
    assert code == 1 and out == ""
    assert err.startswith(f"{missing_folder} could not be written: ") and "Traceback" not in err
