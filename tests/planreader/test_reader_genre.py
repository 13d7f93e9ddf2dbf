"""Plans of the genre beyond the Shanxi one: one small document per difficulty.

Other provinces and numbering depths, the clause conventions of national documents, files
in GBK or .docx, names broken by a page break, and files that are no plan at all.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from messages.i18n import get_translator
from messages.plan import warning_text
from models.plan import KIND_GROUP
from planreader.document import (
    BROKEN_FILE,
    EMPTY_FILE,
    FILE_NOT_FOUND,
    MISSING_CLAUSES,
    MISSING_DOC_NUMBER,
    MISSING_MEASURES,
    UNREADABLE_ENCODING,
    UNSUPPORTED_FORMAT,
    PlanReadError,
)
from planreader.reader import parse_plan_text, read_plan
from tests.support.paths import PLANS as FIXTURES

HEADER = """山西省人民政府办公厅文件

晋政办发〔2024〕7号

山西省人民政府办公厅关于印发全域土地综合整治行动方案的通知

各市人民政府，省人民政府各委、办、厅、局：

现将《全域土地综合整治行动方案》印发给你们，请认真贯彻执行。

一、重点任务

"""
SIGNATURE = """

山西省人民政府办公厅

2024年3月5日
"""
ATTACHMENT = """
附件

试点县名单

太原市：清徐县、阳曲县

吕梁市(3):兴县、临县、
岚县
"""


def plan_text(measures: str, attachment: str = "") -> str:
    """A small plan of the genre around `measures` (one section)."""
    return HEADER + measures + SIGNATURE + attachment


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


TWO_MEASURES = (
    "（一）开展土地整治。推进全域土地综合整治试点。"
    "（省自然资源厅牵头，省财政厅、省农业农村厅按职责分工负责）\n\n"
    "（二）保护耕地。落实耕地保护责任。（省农业农村厅、省自然资源厅按职责分工负责）\n"
)


def leads_and_supports(text: str) -> list[tuple[list[str], list[str]]]:
    return [(m.leads, m.supports) for m in parse_plan_text(text).measures]


# --- one difficulty per document -------------------------------------------------------------


def test_a_name_broken_across_a_page_break_is_joined(tmp_path):
    text = plan_text(
        "（一）开展土地整治。推进试点。（省自\n\n— 5 —\n\n然资源厅牵头，山西银保监\n\n"
        "局、省财政厅按职责分工负责）\n"
    )
    document = read_plan(write(tmp_path, "plan.txt", text))
    assert (document.measures[0].leads, document.measures[0].supports) == (
        ["省自然资源厅"],
        ["山西银保监局", "省财政厅"],
    )


def test_a_name_containing_he_stays_one_department_while_he_between_names_splits():
    text = plan_text(
        "（一）保障粮食安全。加强仓储建设。（省粮食和物资储备局牵头，省发展改革委和"
        "省住房和城乡建设厅、省文化和旅游厅及省工业和信息化厅按职责分工负责）\n"
    )
    assert leads_and_supports(text) == [
        (
            ["省粮食和物资储备局"],
            ["省发展改革委", "省住房和城乡建设厅", "省文化和旅游厅", "省工业和信息化厅"],
        )
    ]


def test_several_leads_are_all_leads():
    text = plan_text(
        "（一）建设交通网络。加快建设。（省发展改革委、省交通厅、省能源局牵头，"
        "省财政厅按职责分工负责）\n"
    )
    assert leads_and_supports(text) == [(["省发展改革委", "省交通厅", "省能源局"], ["省财政厅"])]


def test_a_clause_without_lead_names_no_lead_and_every_unit_reports_like_a_lead():
    document = parse_plan_text(plan_text(TWO_MEASURES))
    second = document.measures[1]
    assert (second.leads, second.supports) == ([], ["省农业农村厅", "省自然资源厅"])
    assert second.clause.no_lead is True
    assert document.measures[0].clause.no_lead is False


def test_a_clause_split_over_two_lines_is_read_whole():
    text = plan_text(
        "（一）开展土地整治。推进试点。（省自然资源厅牵头，省财政厅、省农业农\n"
        "村厅按职责分\n\n工负责）\n\n（二）保护耕地。落实责任。（省农业农村厅牵头）\n"
    )
    assert leads_and_supports(text) == [
        (["省自然资源厅"], ["省财政厅", "省农业农村厅"]),
        (["省农业农村厅"], []),
    ]


def test_the_attachment_lists_regions_even_with_wrapped_lines_and_mixed_punctuation():
    text = plan_text(
        "（一）开展试点。推进试点。（相关市人民政府牵头，省自然资源厅配合）\n", ATTACHMENT
    )
    document = parse_plan_text(text)
    assert [(r.city, r.counties) for r in document.regions] == [
        ("太原市", ["清徐县", "阳曲县"]),
        ("吕梁市", ["兴县", "临县", "岚县"]),
    ]
    group = next(d for d in document.departments if d.name == "相关市人民政府")
    assert (group.kind, group.members) == (KIND_GROUP, ["太原市人民政府", "吕梁市人民政府"])
    assert document.measures[0].leads == ["相关市人民政府"]


def test_a_gbk_file_reads_like_its_utf8_original(tmp_path):
    text = plan_text(TWO_MEASURES, ATTACHMENT)
    original = read_plan(write(tmp_path, "utf8.txt", text)).to_json()
    for encoding in ("gbk", "gb18030", "utf-8-sig"):
        path = write(tmp_path, f"plan-{encoding}.txt", text, encoding)
        assert read_plan(path).to_json() == original, encoding


def test_a_docx_plan_with_its_attachment_as_a_table_reads_like_the_text(tmp_path):
    text = plan_text(TWO_MEASURES, "\n附件\n\n试点县名单\n")
    document = docx.Document()
    for line in text.split("\n"):
        if line.strip():
            document.add_paragraph(line)
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(
        table.rows,
        [("市", "县（市、区）"), ("太原市", "清徐县、阳曲县"), ("吕梁市", "兴县、临县、岚县")],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = cells
    path = tmp_path / "plan.docx"
    document.save(path)
    read = read_plan(path)
    assert read.doc_number == "晋政办发〔2024〕7号"
    assert [(m.leads, m.supports) for m in read.measures] == leads_and_supports(text)
    assert [(r.city, r.counties) for r in read.regions] == [
        ("太原市", ["清徐县", "阳曲县"]),
        ("吕梁市", ["兴县", "临县", "岚县"]),
    ]


def test_full_and_half_width_brackets_and_commas_mix_freely():
    text = plan_text(
        "(一)开展土地整治。推进试点。（省自然资源厅牵头,省财政厅按职责分工负责)\n\n"
        "（二）保护耕地。落实责任。(省农业农村厅牵头，省水利厅配合）\n"
    )
    assert leads_and_supports(text) == [
        (["省自然资源厅"], ["省财政厅"]),
        (["省农业农村厅"], ["省水利厅"]),
    ]


def test_qiantou_inside_the_body_is_not_taken_for_the_clause():
    text = plan_text(
        "（一）建立工作专班。建立由政府负责人牵头的工作专班（此项工作由省政府负责人牵头）。"
        "定期调度。（省自然资源厅牵头，省财政厅按职责分工负责）\n\n"
        "（二）加强调度。由省政府分管负责同志牵头，每季度调度一次。\n\n"
        "（三）加强宣传。营造良好氛围。（省委宣传部牵头）\n"
    )
    document = parse_plan_text(text)
    first, second, _ = document.measures
    assert (first.leads, first.supports) == (["省自然资源厅"], ["省财政厅"])
    assert "（此项工作由省政府负责人牵头）" in first.body
    assert second.clause is None and second.leads == []


def test_measures_numbered_beyond_twenty_are_read():
    measures = "\n\n".join(
        f"（{numeral}）任务{index}。推进工作。（省水利厅牵头，省财政厅按职责分工负责）"
        for index, numeral in enumerate(["九十九", "一百", "一百零一", "一百零二"], start=99)
    )
    document = parse_plan_text(plan_text(measures))
    assert [(m.number, m.numeral, m.label) for m in document.measures] == [
        (99, "九十九", "（九十九）"),
        (100, "一百", "（一百）"),
        (101, "一百零一", "（一百零一）"),
        (102, "一百零二", "（一百零二）"),
    ]


# --- plans of other provinces and numbering styles -------------------------------------------


@pytest.fixture(scope="module")
def national():
    return read_plan(FIXTURES / "national-guofa-style.txt")


def test_a_national_plan_numbers_its_measures_1_2_under_group_headings(national):
    assert (national.doc_number, national.issuer) == ("国发〔2023〕12号", "国务院")
    assert national.title == "国务院关于推动革命老区特色产业振兴的若干意见"
    assert [(m.number, m.label) for m in national.measures] == [(n, f"{n}.") for n in range(1, 9)]
    assert national.measures[0].group == "（一）壮大特色产业"
    assert national.measures[6].section == "三、保障措施" and national.measures[6].group == ""


def test_principles_and_group_headings_without_clause_are_not_measures(national):
    titles = [m.title for m in national.measures]
    for heading in (
        "指导思想",
        "工作原则",
        "坚持党的全面领导",
        "主要目标",
        "壮大特色产业",
        "完善基础设施",
    ):
        assert heading not in titles


def test_the_first_listed_unit_leads_in_that_clause_and_every_later_one(national):
    assert [(m.leads, m.supports) for m in national.measures] == [
        (["农业农村部"], ["国家发展改革委"]),
        (["工业和信息化部"], ["国家发展改革委", "商务部"]),
        (["各省级人民政府"], []),
        # An explicit 按职责分工负责 list still follows the note: the first one leads.
        (["交通运输部"], ["国家铁路局", "中国国家铁路集团有限公司"]),
        (["国家能源局"], ["国家发展改革委", "自然资源部"]),  # …牵头，…配合
        (["人力资源社会保障部"], ["教育部"]),  # …等负责
        # …等有关部门负责: the catch-all after 等 is an item of its own.
        (["财政部"], ["中国人民银行", "国家金融监督管理总局", "有关部门"]),
        (["国家发展改革委"], ["有关部门和单位"]),  # …会同有关部门和单位负责
    ]


def test_catch_alls_are_kept_as_listed_groups(national):
    kinds = {d.name: d.kind for d in national.departments}
    assert kinds["各省级人民政府"] == KIND_GROUP
    assert kinds["有关部门和单位"] == KIND_GROUP
    assert "单位" not in kinds


@pytest.fixture(scope="module")
def hebei():
    return read_plan(FIXTURES / "hebei-labelled-style.txt")


def test_labelled_clauses_of_another_province_are_read(hebei):
    assert (hebei.doc_number, hebei.issuer) == ("冀政办字〔2022〕48号", "河北省人民政府办公厅")
    assert hebei.title == "河北省人民政府办公厅关于支持太行山燕山革命老区高质量发展的实施方案"
    assert [(m.leads, m.supports) for m in hebei.measures] == [
        (["省交通运输厅"], ["省发展改革委", "省自然资源厅", "省财政厅"]),
        # 牵头单位 split by a page break and a page number inside 省住房和城乡建设厅.
        (["省农业农村厅", "省住房和城乡建设厅"], ["省生态环境厅", "省卫生健康委"]),
        (["省粮食和物资储备局"], ["省发展改革委", "省财政厅"]),
        (["省文化和旅游厅"], ["省委宣传部", "省交通运输厅", "相关县（市、区）人民政府"]),
        ([], ["省财政厅", "省发展改革委", "省乡村振兴局"]),
        ([], ["各市人民政府", "省直有关部门"]),
    ]


def test_numbering_that_restarts_per_section_gets_labels_that_say_which_section(hebei):
    assert [m.label for m in hebei.measures] == [
        "一（一）",
        "一（二）",
        "一（三）",
        "一（四）",
        "二（一）",
        "二（二）",
    ]
    assert [m.number for m in hebei.measures] == [1, 2, 3, 4, 5, 6]


def test_county_governments_are_members_of_the_county_group_per_city(hebei):
    groups = {d.name: d.members for d in hebei.departments if d.kind == KIND_GROUP}
    assert groups["各市人民政府"] == ["石家庄市人民政府", "保定市人民政府", "邢台市人民政府"]
    assert groups["相关县（市、区）人民政府"][:2] == [
        "石家庄市平山县人民政府",
        "石家庄市赞皇县人民政府",
    ]
    assert len(groups["相关县（市、区）人民政府"]) == 9
    assert sum(len(r.counties) for r in hebei.regions) == 9


def test_numbered_measures_that_restart_under_each_group_heading_are_told_apart():
    text = plan_text("""（一）壮大特色产业

1.培育特色农业。建设产业园。（省农业农村厅牵头，省财政厅配合）

2.发展制造业。承接产业转移。（省工信厅牵头）

（二）完善基础设施

1.建设交通网络。推进铁路建设。（省交通厅牵头）
""")
    document = parse_plan_text(text)
    assert [(m.number, m.label, m.title) for m in document.measures] == [
        (1, "（一）1.", "培育特色农业"),
        (2, "（一）2.", "发展制造业"),
        (3, "（二）1.", "建设交通网络"),
    ]


# --- files that are not plans ----------------------------------------------------------------


def test_a_meeting_notice_is_refused_naming_everything_it_lacks(tmp_path):
    text = (
        "关于召开工作会议的通知\n\n各单位：\n\n定于3月5日召开会议，请准时参加。\n\n"
        "办公室\n\n2024年3月1日\n"
    )
    with pytest.raises(PlanReadError) as caught:
        read_plan(write(tmp_path, "notice.txt", text))
    assert caught.value.problems == [MISSING_DOC_NUMBER, MISSING_MEASURES, MISSING_CLAUSES]
    assert caught.value.source == "notice.txt"


def test_a_numbered_document_without_responsibility_clauses_is_refused_for_that():
    text = plan_text("（一）开展土地整治。推进试点。\n\n（二）保护耕地。落实责任。\n")
    with pytest.raises(PlanReadError) as caught:
        parse_plan_text(text)
    assert caught.value.problems == [MISSING_CLAUSES]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"  \n\n", EMPTY_FILE),
        ("noise.txt", b"\x80\x81\xff\xfe\x80" * 40, UNREADABLE_ENCODING),
        ("slides.pptx", b"not really slides", UNSUPPORTED_FORMAT),
        ("sheet.xlsx", b"not really a spreadsheet", BROKEN_FILE),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanReadError) as caught:
        read_plan(path)
    assert caught.value.problems == [problem]


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(PlanReadError) as caught:
        read_plan(tmp_path / "nowhere.txt")
    assert caught.value.problems == [FILE_NOT_FOUND]


def test_labelled_lines_without_brackets_and_inline_role_marks_are_read():
    text = plan_text(
        "（一）开展土地整治。推进试点。\n牵头单位：省自然资源厅\n责任单位：省财政厅（配合）、省水利厅\n\n"
        "（二）保护耕地。落实责任。（责任单位：省农业农村厅（牵头）、省水利厅）\n"
    )
    document = parse_plan_text(text)
    assert [(m.leads, m.supports) for m in document.measures] == [
        (["省自然资源厅"], ["省财政厅", "省水利厅"]),
        (["省农业农村厅"], ["省水利厅"]),
    ]
    assert document.measures[0].body == "开展土地整治。推进试点。"


def test_a_labelled_document_number_is_found():
    text = plan_text(TWO_MEASURES).replace("晋政办发〔2024〕7号", "发文字号：晋政办发[2024]7号")
    assert parse_plan_text(text).doc_number == "晋政办发〔2024〕7号"


def test_one_unit_written_two_ways_is_one_department_and_names_stay_as_written():
    text = plan_text(
        "（一）开展土地整治。推进试点。（省发展改革委牵头，省财政厅按职责分工负责）\n\n"
        "（二）保护耕地。落实责任。（省发改委、山西省财政厅按职责分工负责）\n"
    )
    document = parse_plan_text(text)
    assert document.measures[1].supports == ["省发改委", "山西省财政厅"]
    names = [d.name for d in document.departments]
    assert names == ["省发展改革委", "省财政厅"]
    assert document.departments[0].aliases[0] == "省发改委"
    assert document.departments[1].aliases[0] == "山西省财政厅"
    assert document.department_of("省发改委") == "省发展改革委"


@pytest.mark.parametrize("name", ["national-guofa-style.txt", "hebei-labelled-style.txt"])
@pytest.mark.parametrize("width", [17, 24, 33])
def test_other_plans_read_the_same_whatever_the_page_width_of_the_copy(name, width):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    lines = [
        p.strip()[i : i + width] for p in text.split("\n") for i in range(0, len(p.strip()), width)
    ]
    assert parse_plan_text("\n".join(lines)).to_json() == read_plan(FIXTURES / name).to_json()


def test_a_plan_saved_from_a_government_website_as_html_is_read(tmp_path):
    text = plan_text(TWO_MEASURES, "\n附件\n\n试点县名单\n")
    body = "".join(f"<p style='text-indent:2em'>{line}</p>\n" for line in text.split("\n") if line)
    page = (
        "<html><head><meta charset='gbk'><title>国务院 政策</title>"
        "<script>var x = '（一）不是措施。（省水利厅牵头）';</script></head><body>"
        f"<div class='article'>{body}<table><tr><td>太原市</td><td>清徐县、阳曲县</td></tr>"
        "</table></div></body></html>"
    )
    path = tmp_path / "plan.html"
    path.write_bytes(page.encode("gbk"))
    document = read_plan(path)
    assert [(m.leads, m.supports) for m in document.measures] == leads_and_supports(text)
    assert [(r.city, r.counties) for r in document.regions] == [("太原市", ["清徐县", "阳曲县"])]


def test_a_docx_task_table_gives_numbered_measures_with_their_clauses(tmp_path):
    document = docx.Document()
    for line in HEADER.replace("一、重点任务", "一、重点任务分工").split("\n"):
        if line.strip():
            document.add_paragraph(line)
    rows = [
        ("序号", "重点任务", "牵头单位", "责任单位"),
        ("1", "推进全域土地综合整治试点。", "省自然资源厅", "省财政厅、省农业农村厅"),
        ("2", "落实耕地保护\n责任", "省农业农村厅、省自然资源厅", ""),
        ("3", "建立调度机制", "", "各市人民政府"),
    ]
    table = document.add_table(rows=len(rows), cols=4)
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    for line in SIGNATURE.split("\n"):
        if line.strip():
            document.add_paragraph(line)
    path = tmp_path / "tasks.docx"
    document.save(path)
    read = read_plan(path)
    assert [(m.number, m.label, m.title, m.leads, m.supports) for m in read.measures] == [
        (1, "1.", "推进全域土地综合整治试点", ["省自然资源厅"], ["省财政厅", "省农业农村厅"]),
        (2, "2.", "落实耕地保护责任", ["省农业农村厅", "省自然资源厅"], []),
        (3, "3.", "建立调度机制", [], ["各市人民政府"]),
    ]
    assert read.measures[2].clause.no_lead is True


def test_a_measure_left_without_clause_and_a_miscounted_city_are_pointed_out(tmp_path):
    text = plan_text(
        "（一）开展土地整治。推进试点。（省自然资源厅牵头，省财政厅按职责分工负责）\n\n"
        "（二）保护耕地。落实责任。（责任：省农业农村厅）\n\n"
        "（三）加强调度。定期调度。（省水利厅牵头）\n",
        "\n附件\n\n试点县名单\n\n太原市（3）：清徐县、阳曲县\n",
    )
    path = write(tmp_path, "plan.txt", text)
    document = read_plan(path)
    english = get_translator("en")
    assert [warning_text(english, w) for w in document.warnings] == [
        "太原市 lists 2 counties but its heading says 3",
        "No responsibility clause was found for （二）; check these measures in the document.",
    ]
    from bot import plan_show as cmd_show

    out = io.StringIO()
    assert cmd_show(path, out=out) == 0
    assert "⚠ 未找到（二）的责任分工，请对照原文核对这些措施。" in out.getvalue()
    assert "⚠ 附件中太原市列出 2 个县（市、区），但标题写的是 3 个" in out.getvalue()


def test_a_paragraph_that_opens_with_a_date_does_not_end_the_measures():
    text = plan_text(
        "（一）开展土地整治。推进试点。\n\n2025年6月30日前，完成全部试点任务。"
        "（省自然资源厅牵头，省财政厅按职责分工负责）\n\n"
        "（二）保护耕地。落实责任。（省农业农村厅牵头）\n"
    )
    document = parse_plan_text(text)
    assert [m.label for m in document.measures] == ["（一）", "（二）"]
    assert "2025年6月30日前，完成全部试点任务。" in document.measures[0].body
    assert document.measures[0].leads == ["省自然资源厅"]
    assert document.issued_on is not None and document.issued_on.isoformat() == "2024-03-05"


def test_a_note_that_the_first_listed_unit_leads_applies_to_every_clause():
    text = plan_text(
        "（一）开展土地整治。推进试点。（省自然资源厅、省财政厅按职责分工负责）\n\n"
        "（二）保护耕地。落实责任。（省农业农村厅、省水利厅负责）\n",
        "\n注：各项任务中列第一位者为牵头单位。\n",
    )
    assert leads_and_supports(text) == [
        (["省自然资源厅"], ["省财政厅"]),
        (["省农业农村厅"], ["省水利厅"]),
    ]
