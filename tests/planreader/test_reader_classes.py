"""Each way real plans defeated the old reader, on a plan of the genre written to show it.

A provincial plan (湖南), a ministries' joint plan numbered 一、 二、, a municipal plan
numbered 1. 2. with 【责任单位：…；完成时限：…】, task tables in .docx and .xlsx, and short
documents for the rarer forms.
"""

from __future__ import annotations

from datetime import date

import pytest

from planreader.reader import parse_plan_text, read_plan
from planreader.tables import task_table_lines
from tests.planreader.test_reader_genre import plan_text
from tests.support.paths import PLANS
from tests.support.plan_tables import EXPECTED, SECTIONS, write_docx, write_html, write_xlsx
from tests.support.plan_words import english

FIXTURES = PLANS


def reading(document) -> list[tuple[str, list[str], list[str]]]:
    return [(m.label, m.leads, m.supports) for m in document.measures if m.clause]


def labelled(document, label: str):
    """The measure the document labels `label`."""
    return next(m for m in document.measures if m.label == label)


@pytest.fixture(scope="module")
def hunan():
    return read_plan(FIXTURES / "hunan-several-clauses.txt")


@pytest.fixture(scope="module")
def ministry():
    return read_plan(FIXTURES / "ministry-yi-numbered.txt")


@pytest.fixture(scope="module")
def municipal():
    return read_plan(FIXTURES / "municipal-arabic-labelled.txt")


# --- measures numbered at another level -----------------------------------------------------


def test_measures_numbered_yi_er_are_the_measures_when_they_hold_the_clauses(ministry):
    assert ministry.doc_number == "工信部联人〔2023〕47号"
    assert [(m.label, m.title) for m in ministry.measures] == [
        ("一、", "实施职业技能提升工程"),
        ("二、", "深化产教融合"),
        ("三、", "完善技能人才评价制度"),
        ("四、", "加大支持力度"),
        ("五、", "营造良好氛围"),
    ]
    assert ministry.sections == []


def test_sub_items_of_a_measure_are_its_body_and_their_clause_is_its_clause(ministry):
    integration = ministry.measures[1]
    assert integration.body.splitlines() == [
        "深化产教融合。",
        "（一）推动职业院校专业设置与制造业需求对接，共建一批现代产业学院。",
        "（二）支持企业参与职业院校人才培养方案制定，推行现代学徒制。",
    ]
    assert (integration.leads, integration.supports) == (
        ["教育部"],
        ["工业和信息化部", "国家发展改革委"],
    )


def test_measures_numbered_1_2_under_sections_without_any_paren_level(municipal):
    assert [m.label for m in municipal.measures] == [f"{n}." for n in range(1, 8)]
    assert [s.heading for s in municipal.sections] == [
        "一、提升政务服务效能",
        "二、优化市场准入环境",
        "三、强化要素保障",
    ]
    assert municipal.measures[3].section == "二、优化市场准入环境"
    # （1）（2） under 2. are its body, not measures of their own.
    assert "（1）2023年6月底前推出" in municipal.measures[1].body


def test_articles_numbered_di_yi_tiao_are_measures():
    text = plan_text(
        "第一条 支持企业技术改造。对技术改造项目按投资额给予补助。（市工信局、市财政局负责）\n"
        "第二条 鼓励企业上市融资。对成功上市企业给予一次性奖励。（市地方金融监管局牵头，"
        "市财政局配合）\n"
        "第三条 本措施自印发之日起施行。\n"
    ).replace("一、重点任务\n", "")
    document = parse_plan_text(text)
    assert reading(document) == [
        ("第一条", [], ["市工信局", "市财政局"]),
        ("第二条", ["市地方金融监管局"], ["市财政局"]),
    ]
    # The closing article has no clause after the last measure: it is no measure.
    assert [m.number for m in document.measures] == [1, 2]


def test_headings_and_principles_without_clauses_are_not_measures(hunan, ministry):
    assert all("坚持" not in m.title for m in ministry.measures)
    # （一）指导思想 and （二）主要目标 are numbered like the measures but carry no clause.
    assert hunan.measures[0].label == "（三）"
    assert all(m.clause is not None and not m.doubts for m in hunan.measures[:2])


def test_an_item_without_a_clause_between_measures_stays_a_measure_with_a_doubt():
    text = plan_text(
        "（一）指导思想。坚持稳中求进。\n\n"
        "（二）开展土地整治。推进试点。（省自然资源厅牵头，省财政厅配合）\n\n"
        "（三）保护耕地。落实耕地保护责任。\n\n"
        "（四）加强调度。定期调度。（省农业农村厅牵头）\n\n"
        "（五）加强宣传。营造良好氛围。\n"
    )
    document = parse_plan_text(text)
    assert [m.label for m in document.measures] == ["（二）", "（三）", "（四）"]
    gap = labelled(document, "（三）")
    assert gap.clause is None
    assert [english(d) for d in gap.doubts] == [
        "No responsibility clause, while the measures around it have one"
    ]


# --- several clauses in one measure ---------------------------------------------------------


def test_every_clause_of_a_measure_counts_in_order_of_first_appearance(hunan):
    network = labelled(hunan, "（三）")
    assert network.title == "健全县乡村寄递服务网络"
    assert network.leads == ["省邮政管理局"]  # the first-listed unit (排在首位的单位为牵头单位)
    assert network.supports == [
        "省交通运输厅",
        "省商务厅",
        "省农业农村厅",
        "省供销社",
        "各市州人民政府",
    ]
    assert "省邮政管理局" not in network.body and "推动村级寄递物流综合服务站建设" in network.body


def test_the_closing_words_after_the_last_measure_are_not_part_of_it(hunan):
    assert hunan.measures[-1].body == "加强组织实施。建立省级统筹协调机制，定期调度工作进展。"


# --- labelled clauses, and fields that are no names -----------------------------------------


def test_labelled_clauses_with_a_time_limit_field_and_square_brackets(municipal):
    assert reading(municipal) == [
        ("1.", ["市行政审批服务管理局"], ["市大数据中心"]),
        ("2.", ["市行政审批服务管理局"], ["市司法局", "各县（市、区）人民政府"]),
        ("3.", ["市发展改革委"], ["市财政局", "市市场监管局"]),
        ("4.", ["市市场监管局"], ["市公安局", "市税务局"]),
        ("5.", ["市行政审批服务管理局"], ["市直有关部门"]),
        ("6.", ["市规划和自然资源局"], ["各开发区管委会"]),
        ("7.", ["市地方金融监管局"], ["人行太原中心支行", "山西银保监局"]),
    ]
    names = {d.name for d in municipal.departments}
    assert not any("时限" in n or "底前" in n or "坚持" in n for n in names)


# --- 等 before a catch-all ----------------------------------------------------------------------


def test_deng_before_a_catch_all_that_contains_he_keeps_every_name(hunan):
    land = labelled(hunan, "（五）")
    assert (land.leads, land.supports) == (
        ["省自然资源厅"],
        ["省住房和城乡建设厅", "有关部门和单位"],
    )


def test_deng_he_before_the_governments_keeps_every_name_before_it(hunan):
    produce = labelled(hunan, "（六）")
    assert (produce.leads, produce.supports) == (
        ["省农业农村厅"],
        ["省邮政管理局", "各市州人民政府"],
    )


# --- the first-listed note in other words -----------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "各项任务中排在第一位的单位为牵头单位。",
        "列首位的为牵头部门，其他为配合部门。",
        "（第一个单位为牵头单位）",
        "注：责任单位中排名第一的为牵头单位，下同。",
        "牵头单位列第一位。",
        "各项任务中排在前面的单位为牵头单位。",
        "排序第一的部门为牵头部门。",
        "牵头部门列于首位。",
    ],
)
def test_the_note_that_the_first_listed_unit_leads_in_any_wording(note):
    text = plan_text(
        "（一）开展土地整治。推进试点。（省自然资源厅、省财政厅负责）\n\n"
        "（二）保护耕地。落实责任。（省农业农村厅、省水利厅按职责分工负责）\n"
    ).replace("现将《全域土地综合整治行动方案》", note + "现将《全域土地综合整治行动方案》")
    assert reading(parse_plan_text(text)) == [
        ("（一）", ["省自然资源厅"], ["省财政厅"]),
        ("（二）", ["省农业农村厅"], ["省水利厅"]),
    ]


def test_a_note_inside_a_clause_holds_from_that_clause_on():
    text = plan_text(
        "（一）开展土地整治。推进试点。（省自然资源厅、省财政厅负责）\n\n"
        "（二）保护耕地。落实责任。（省农业农村厅、省水利厅负责，排在首位的为牵头单位，下同）\n\n"
        "（三）加强调度。定期调度。（省水利厅、省财政厅负责）\n"
    )
    assert reading(parse_plan_text(text)) == [
        ("（一）", [], ["省自然资源厅", "省财政厅"]),
        ("（二）", ["省农业农村厅"], ["省水利厅"]),
        ("（三）", ["省水利厅"], ["省财政厅"]),
    ]


def test_every_plan_here_states_its_note_in_other_words(hunan, ministry, municipal):
    assert labelled(hunan, "（八）").leads == ["省财政厅"]  # 排在首位的单位为牵头单位 (preamble)
    assert ministry.measures[2].leads == ["人力资源社会保障部"]  # 第一个单位为牵头单位
    assert municipal.measures[6].leads == ["市地方金融监管局"]  # 注：…排名第一的为牵头单位


# --- A会同B负责 -------------------------------------------------------------------------------


def test_huitong_makes_the_units_before_it_lead(hunan, ministry):
    security = labelled(hunan, "（七）")
    assert (security.leads, security.supports) == (
        ["省公安厅"],
        ["省邮政管理局", "省国家安全厅"],
    )
    assert (ministry.measures[4].leads, ministry.measures[4].supports) == (
        ["工业和信息化部"],
        ["中华全国总工会", "共青团中央"],
    )


# --- task tables -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "suffix"),
    [(write_docx, ".docx"), (write_xlsx, ".xlsx"), (write_html, ".html")],
    ids=["docx", "xlsx", "html"],
)
def test_a_task_table_reads_like_a_text_plan_deadlines_included(tmp_path, writer, suffix):
    document = read_plan(writer(tmp_path / f"tasks{suffix}"))
    got = [
        (
            m.number,
            m.title,
            m.leads,
            m.supports,
            m.deadline.isoformat() if m.deadline else None,
            m.deadline_text,
        )
        for m in document.measures
    ]
    assert got == EXPECTED
    assert [s.heading for s in document.sections] == SECTIONS
    assert all(not m.doubts for m in document.measures)


def test_a_docx_table_plan_keeps_its_document_number_and_an_xlsx_one_its_title(tmp_path):
    notice = read_plan(write_docx(tmp_path / "tasks.docx"))
    assert notice.doc_number == "晋政办发〔2023〕9号"
    assert notice.issued_on == date(2023, 2, 20)
    sheet = read_plan(write_xlsx(tmp_path / "tasks.xlsx"))
    assert (sheet.doc_number, sheet.title) == ("", "山西省推进数字经济发展重点任务分工表")
    assert next(english(w) for w in sheet.warnings).startswith("The document has no document")


# --- deadlines ---------------------------------------------------------------------------------


def test_time_limits_in_a_measure_or_its_clause_become_its_deadline(hunan, municipal, ministry):
    assert [(m.label, m.deadline, m.deadline_text) for m in municipal.measures] == [
        ("1.", date(2023, 12, 31), "2023年12月底前"),
        ("2.", date(2024, 12, 31), "2024年底前"),  # the later of two limits in its body
        ("3.", None, "长期坚持"),
        ("4.", None, "每年"),
        ("5.", None, None),
        ("6.", date(2025, 6, 30), "2025年6月底前"),
        ("7.", None, "持续推进"),
    ]
    network = labelled(hunan, "（三）")
    assert (network.deadline, network.deadline_text) == (date(2023, 6, 30), "2023年6月底前")
    assert labelled(hunan, "（七）").deadline_text == "长期坚持"  # a clause's own words
    aim = parse_plan_text(
        plan_text("（一）开展土地整治。到2025年，全省完成整治试点。（省自然资源厅牵头）\n")
    )
    assert aim.measures[0].deadline is None  # 到2025年 is an aim, not a time limit
    assert ministry.measures[0].deadline == date(2024, 12, 31)
    assert ministry.measures[3].deadline_text == "持续推进"


def test_a_copy_without_title_or_document_number_is_read_and_says_what_it_lacks(tmp_path):
    body = (FIXTURES / "hunan-several-clauses.txt").read_text(encoding="utf-8")
    text = body[body.index("为贯彻落实") :]  # from the preamble, which holds the note
    path = tmp_path / "农村寄递物流实施意见.txt"
    path.write_text(text, encoding="utf-8")
    document = read_plan(path)
    assert document.title == "农村寄递物流实施意见" and document.doc_number == ""
    assert [english(w) for w in document.warnings] == [
        "The document has no document number (文号); the plan is known by its title, so a "
        "revision must keep the same title.",
        "No title was found; the file's name stands for it: 农村寄递物流实施意见",
    ]
    assert reading(document) == reading(read_plan(FIXTURES / "hunan-several-clauses.txt"))


def test_a_heading_row_merged_beside_its_number_heads_the_tasks_below_it():
    rows = [
        ["序号", "工作任务", "牵头单位", "配合单位", "完成时间"],
        ["一", "数字基础设施建设", "数字基础设施建设", "数字基础设施建设", "数字基础设施建设"],
        ["1", "加快5G建设", "省通信管理局", "省工信厅", "2023年底前"],
        ["二", "数字产业化", "数字产业化", "数字产业化", "数字产业化"],
        ["2", "培育核心产业", "省工信厅", "省科技厅\n省发展改革委", "长期坚持"],
    ]
    text = "山西省数字经济重点任务清单\n" + "\n".join(task_table_lines(rows))
    document = parse_plan_text(text)
    assert [s.heading for s in document.sections] == ["一、数字基础设施建设", "二、数字产业化"]
    assert [
        (m.label, m.title, m.leads, m.supports, m.deadline_text) for m in document.measures
    ] == [
        ("1.", "加快5G建设", ["省通信管理局"], ["省工信厅"], "2023年底前"),
        ("2.", "培育核心产业", ["省工信厅"], ["省科技厅", "省发展改革委"], "长期坚持"),
    ]


def test_a_clause_at_another_level_outside_every_measure_is_pointed_out():
    text = plan_text(
        "（一）开展土地整治。推进试点。（省自然资源厅牵头）\n\n"
        "（二）保护耕地。落实责任。（省农业农村厅牵头）\n\n"
        "二、保障措施\n\n1.加大投入。统筹资金。（省财政厅负责）\n"
    )
    document = parse_plan_text(text)
    assert [m.label for m in document.measures] == ["（一）", "（二）"]
    assert [english(w) for w in document.warnings] == [
        "Responsibility clauses were found outside the measures, at 1.; check them in the document."
    ]


def test_a_note_of_its_own_that_a_unit_carries_every_task_joins_each_later_clause():
    text = plan_text(
        "（以下各项任务均需各市人民政府落实，不再一一列出）\n\n"
        "（一）开展土地整治。推进试点。（省自然资源厅牵头，省财政厅配合）\n\n"
        "（二）保护耕地。落实责任。（省农业农村厅指导）\n"
    )
    document = parse_plan_text(text)
    assert reading(document) == [
        ("（一）", ["省自然资源厅"], ["省财政厅", "各市人民政府"]),
        ("（二）", ["各市人民政府"], ["省农业农村厅"]),
    ]
    assert all(
        "各市人民政府 is not written here" in " ".join(english(d) for d in m.doubts)
        for m in document.measures
    )


def test_a_limit_without_a_year_in_a_clause_is_due_in_the_plans_year():
    text = plan_text(
        "（一）开展土地整治。推进试点。（各地区、各部门按职责分工负责，年底前取得明显成效）\n"
    )
    document = parse_plan_text(text)
    measure = document.measures[0]
    assert (measure.leads, measure.supports) == ([], ["各地区", "各部门"])
    assert measure.deadline == date(document.issued_on.year, 12, 31)
    assert measure.deadline_text == "年底前取得明显成效" and not measure.doubts
