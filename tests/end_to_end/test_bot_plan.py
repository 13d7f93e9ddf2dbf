"""`python bot.py plan show|import`: what a newcomer sees on the command line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from bot import plan_import as cmd_import
from bot import plan_show as cmd_show
from messages.plan import display_width
from settings import DEFAULT_PLAN
from tests.support.paths import PLANS as FIXTURES
from tests.support.paths import ROOT

NOT_A_PLAN = "关于召开会议的通知\n\n各单位：\n\n定于下周召开会议，请准时参加。\n"


def show(path: Path, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cmd_show(path, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def run_import(path: Path, url: str, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cmd_import(path, database_url=url, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_plan_show_json_prints_exactly_the_documented_shape():
    code, out, err = show(DEFAULT_PLAN, as_json=True)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == ["plan", "measures", "departments", "regions"]
    assert data["plan"] == {
        "title": "山西省人民政府关于新时代支持山西太行革命老区振兴发展的实施意见",
        "doc_number": "晋政发〔2021〕36号",
        "issuer": "山西省人民政府",
        "date": "2021-11-08",
    }
    assert data["measures"][0] == {
        "number": 3,
        "numeral": "三",
        "section": "二、统筹“新”“老”基础设施建设,扎实推进老区振兴发展",
        "title": "加强新型基础设施建设",
        "lead": ["省发展改革委"],
        "support": ["省通信管理局", "省工信厅", "省科技厅"],
        "label": "（三）",
        "deadline": None,
        "deadline_text": None,
        "doubts": [],
    }
    # （一）指导思想 and （二）主要目标 have no clause: headings, so the measures start at 3.
    assert [m["number"] for m in data["measures"]] == list(range(3, 23))
    # The earlier fields first and unchanged; then the label, the deadline and the doubts.
    assert all(
        list(m)
        == [
            "number",
            "numeral",
            "section",
            "title",
            "lead",
            "support",
            "label",
            "deadline",
            "deadline_text",
            "doubts",
        ]
        for m in data["measures"]
    )
    assert all(list(d) == ["name", "aliases", "members"] for d in data["departments"])
    assert {"name": "省直有关部门", "aliases": [], "members": []} in data["departments"]
    assert data["regions"][1] == {
        "city": "晋城市",
        "counties": ["城区", "沁水县", "阳城县", "陵川县", "高平市", "泽州县"],
    }
    assert sum(len(r["counties"]) for r in data["regions"]) == 35


def test_the_real_command_line_prints_the_same_json_and_touches_no_database(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'untouched.sqlite3'}", "PATH": "/usr/bin:/bin"}
    completed = subprocess.run(
        [sys.executable, "bot.py", "plan", "show", "--json", str(DEFAULT_PLAN)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == json.loads(show(DEFAULT_PLAN, as_json=True)[1])
    assert not (tmp_path / "untouched.sqlite3").exists()


def test_plan_show_prints_an_aligned_table_in_chinese_by_default():
    code, out, _ = show(DEFAULT_PLAN)
    assert code == 0
    lines = out.splitlines()
    heading = next(line for line in lines if line.startswith("措施"))
    assert "标题" in heading and "牵头单位" in heading and "配合单位" in heading
    water = next(line for line in lines if line.startswith("（五）"))
    assert "建设安全高效水利工程" in water and "省水利厅" in water
    # Titles and leads start at the same terminal column on every measure row.
    title_column = display_width(heading[: heading.index("标题")])
    lead_column = display_width(heading[: heading.index("牵头单位")])
    measures = json.loads(show(DEFAULT_PLAN, as_json=True)[1])["measures"]
    for measure in measures:
        row = next(line for line in lines if line.startswith(f"（{measure['numeral']}）"))
        assert display_width(row[: row.index(measure["title"][:4])]) == title_column
        first_lead = (measure["lead"] or ["（无"])[0] if measure["support"] else "（无责任分工）"
        assert display_width(row[: row.index(first_lead)]) == lead_column
    assert "文号：晋政发〔2021〕36号" in out
    assert "（无牵头）" in next(line for line in lines if line.startswith("（十九）"))
    # The role word of a unit where nobody leads is the one the reminders and views use.
    assert "所列各单位均为负责单位" in out
    assert "20 项措施、42 个单位、101 条分工" in out
    assert "附件：6 个市 35 个县（市、区）" in out


def test_plan_show_speaks_english_when_asked():
    code, out, _ = show(DEFAULT_PLAN, lang="en")
    assert code == 0
    assert "Leads" in out and "Supports" in out and "Document number: 晋政发〔2021〕36号" in out
    assert "20 measures, 42 departments, 101 assignments" in out
    assert "Attachment: 35 counties in 6 cities" in out


def test_a_file_that_is_not_a_plan_is_refused_with_a_message_and_a_nonzero_exit(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(NOT_A_PLAN, encoding="utf-8")
    code, out, err = show(path, as_json=True)
    assert code != 0 and out == ""
    assert "notice.txt 不是可以读取的方案文件" in err
    assert "没有文号" in err and "没有责任分工" in err and "Traceback" not in err
    code, _, err = show(path, lang="en")
    assert code != 0
    assert "no document number (文号)" in err and "no numbered measures" in err


def test_the_real_command_line_refuses_a_missing_file_without_a_traceback(tmp_path):
    completed = subprocess.run(
        [sys.executable, "bot.py", "plan", "show", str(tmp_path / "nowhere.txt")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "文件不存在" in completed.stderr and "Traceback" not in completed.stderr


def test_plan_import_prints_a_summary_then_reports_nothing_changed(tmp_path):
    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    code, out, _ = run_import(DEFAULT_PLAN, url)
    assert code == 0
    assert "已导入 晋政发〔2021〕36号" in out
    assert "20 项措施、42 个单位、101 条分工" in out and "附件列 35 个县（市、区）" in out
    code, out, _ = run_import(DEFAULT_PLAN, url, lang="en")
    assert code == 0
    assert "晋政发〔2021〕36号 is already imported with the same content; nothing changed." in out


def test_plan_import_of_a_revision_lists_what_changed(tmp_path):
    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    run_import(DEFAULT_PLAN, url)
    revised = tmp_path / "revised.txt"
    revised.write_text(
        DEFAULT_PLAN.read_text(encoding="utf-8").replace(
            "(省能源局牵头,省自然资源厅、省发展改革委按职责分工负责)",
            "(省能源局牵头,省自然资源厅、省发展改革委、省生态环境厅按职责分工负责)",
        ),
        encoding="utf-8",
    )
    code, out, _ = run_import(revised, url, lang="en")
    assert code == 0
    assert "Imported a revision of 晋政发〔2021〕36号" in out
    assert "（六）加快构建现代能源体系: departments added: 省生态环境厅" in out


def test_plan_import_refuses_a_non_plan_and_creates_nothing(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(NOT_A_PLAN, encoding="utf-8")
    database = tmp_path / "plan.sqlite3"
    code, out, err = run_import(path, f"sqlite:///{database}")
    assert code != 0 and out == "" and "没有文号" in err
    assert not database.exists()


def test_plan_show_reads_a_gbk_file(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(
        (FIXTURES / "hebei-labelled-style.txt").read_text(encoding="utf-8").encode("gbk")
    )
    code, out, _ = show(path, as_json=True)
    assert code == 0
    assert json.loads(out)["plan"]["doc_number"] == "冀政办字〔2022〕48号"
