"""The Shanxi plan (晋政发〔2021〕36号) read straight from its PDF-copied text.

Every responsibility clause is checked against the document as a reader sees it.
"""

from __future__ import annotations

from datetime import date

import pytest

from models.plan import KIND_DEPARTMENT, KIND_GROUP
from planreader.document import MeasureDoc, PlanDocument
from planreader.reader import read_plan
from planreader.repair import paragraphs
from settings import DEFAULT_PLAN

# Read from the document by hand: measure number → (leads, supports), in the order written.
SHANXI_CLAUSES: dict[int, tuple[list[str], list[str]]] = {
    3: (["省发展改革委"], ["省通信管理局", "省工信厅", "省科技厅"]),
    4: (["省发展改革委", "省交通厅"], ["省文旅厅", "省自然资源厅"]),
    5: (["省水利厅"], ["省农业农村厅", "省自然资源厅", "省发展改革委"]),
    6: (["省能源局"], ["省自然资源厅", "省发展改革委"]),
    7: (["省农业农村厅"], ["省发展改革委", "省市场监管局", "省商务厅", "省粮食和储备局"]),
    8: (["省工信厅"], ["省发展改革委", "省科技厅", "省自然资源厅", "相关市人民政府"]),
    9: (["省教育厅"], ["省科技厅", "省工信厅", "省发展改革委", "相关市人民政府"]),
    10: (["省商务厅"], ["省发展改革委", "相关市人民政府"]),
    11: (
        ["省委宣传部"],
        [
            "省委组织部",
            "团省委",
            "省教育厅",
            "省广电局",
            "省文旅厅",
            "省发展改革委",
            "长治市人民政府",
        ],
    ),
    12: (["省文物局"], ["省文旅厅", "省财政厅", "省发展改革委", "省退役军人厅"]),
    13: (["省文旅厅"], ["省发展改革委", "省交通厅", "省委宣传部", "相关市人民政府"]),
    14: (["省自然资源厅"], ["省生态环境厅", "省林草局", "省发展改革委", "省财政厅"]),
    15: (["省财政厅"], ["省生态环境厅", "省自然资源厅", "省林草局", "省发展改革委"]),
    16: (["省工信厅"], ["省发展改革委", "省生态环境厅", "省林草局", "省交通厅", "省住建厅"]),
    17: (
        ["省乡村振兴局"],
        [
            "省农业农村厅",
            "省发展改革委",
            "省人社厅",
            "省能源局",
            "国网山西省电力公司",
            "省通信管理局",
            "省工信厅",
            "省水利厅",
            "省住建厅",
            "省民政厅",
            "省财政厅",
            "省退役军人厅",
        ],
    ),
    18: (["省住建厅"], ["省自然资源厅", "省工信厅", "省发展改革委", "相关市人民政府"]),
    19: ([], ["省民政厅", "省教育厅", "省人社厅", "省医保局", "省卫健委", "省发展改革委"]),
    20: ([], ["省直有关部门", "相关市人民政府"]),
    21: (
        [],
        [
            "省财政厅",
            "人行太原中心支行",
            "省地方金融监管局",
            "山西银保监局",
            "山西证监局",
            "省自然资源厅",
        ],
    ),
    22: ([], ["省直有关部门", "相关市人民政府"]),
}

NUMERALS = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
    "二十一",
    "二十二",
]


@pytest.fixture(scope="module")
def shanxi() -> PlanDocument:
    return read_plan(DEFAULT_PLAN)


def test_the_header_gives_title_document_number_issuer_and_date(shanxi):
    assert shanxi.title == "山西省人民政府关于新时代支持山西太行革命老区振兴发展的实施意见"
    assert shanxi.doc_number == "晋政发〔2021〕36号"
    assert shanxi.issuer == "山西省人民政府"
    assert shanxi.issued_on == date(2021, 11, 8)  # signed, not the 11-9 print date


def measure(shanxi: PlanDocument, number: int) -> MeasureDoc:
    """The measure the document numbers `number`: （五） is 5."""
    return next(m for m in shanxi.measures if m.number == number)


def test_the_20_measures_are_read_in_document_order_with_their_own_numbers(shanxi):
    # （一）指导思想 and （二）主要目标 carry no clause before the first measure: headings.
    assert [m.number for m in shanxi.measures] == list(range(3, 23))
    assert [m.numeral for m in shanxi.measures] == NUMERALS[2:]
    assert [m.label for m in shanxi.measures][:2] == ["（三）", "（四）"]


@pytest.mark.parametrize("number", sorted(SHANXI_CLAUSES))
def test_every_clause_names_exactly_the_leads_and_supports_of_the_document(shanxi, number):
    found = measure(shanxi, number)
    leads, supports = SHANXI_CLAUSES[number]
    assert (found.leads, found.supports) == (leads, supports)


def test_the_twenty_clauses_are_all_there_is(shanxi):
    with_clause = [m.number for m in shanxi.measures if m.clause is not None]
    assert with_clause == sorted(SHANXI_CLAUSES)


def test_clauses_without_a_lead_make_every_department_report_like_a_lead(shanxi):
    no_lead = [m.number for m in shanxi.measures if m.clause and m.clause.no_lead]
    assert no_lead == [19, 20, 21, 22]


def test_guiding_thought_and_main_goals_are_headings_not_measures(shanxi):
    titles = [m.title for m in shanxi.measures]
    assert "指导思想" not in titles and "主要目标" not in titles
    assert all(m.clause is not None for m in shanxi.measures)
    assert shanxi.sections[0].heading == "一、总体要求"  # the section itself is still read
    assert shanxi.measures[0].section == "二、统筹“新”“老”基础设施建设,扎实推进老区振兴发展"


def test_titles_end_at_the_first_full_stop_and_sections_are_the_headings(shanxi):
    assert measure(shanxi, 3).title == "加强新型基础设施建设"
    assert measure(shanxi, 14).title == "统筹推进山水林田湖草沙一体化保护修复"
    assert measure(shanxi, 22).section == "七、强化组织实施"
    assert [s.numeral for s in shanxi.sections] == ["一", "二", "三", "四", "五", "六", "七"]


def test_words_broken_by_the_pdf_are_joined_and_the_clause_leaves_the_body(shanxi):
    guiding = next(
        p for p in paragraphs(DEFAULT_PLAN.read_text(encoding="utf-8")) if "指导思想" in p
    )
    assert "为指导,全面贯彻" in guiding
    # (八) spans two paragraphs of the document: both are its body, the clause is not.
    industry = measure(shanxi, 8).body
    assert industry.count("\n") == 1 and "支持长治、晋城打造" in industry
    assert "按职责分工负责" not in industry
    assert measure(shanxi, 8).clause.text.startswith("省工信厅牵头")


def test_the_attachment_gives_35_counties_in_6_cities(shanxi):
    assert [r.city for r in shanxi.regions] == [
        "长治市",
        "晋城市",
        "阳泉市",
        "晋中市",
        "忻州市",
        "大同市",
    ]
    assert sum(len(r.counties) for r in shanxi.regions) == 35
    by_city = {r.city: r.counties for r in shanxi.regions}
    assert by_city["长治市"][5:8] == ["沁县", "襄垣县", "黎城县"]  # across a wrapped line
    assert "城区" in by_city["晋城市"] and "城区" in by_city["阳泉市"]
    assert all(r.declared_count == len(r.counties) for r in shanxi.regions)
    assert shanxi.warnings == []


def test_departments_are_listed_once_with_groups_and_their_members(shanxi):
    by_name = {d.name: d for d in shanxi.departments}
    assert len(by_name) == len(shanxi.departments)
    cities = by_name["相关市人民政府"]
    assert cities.kind == KIND_GROUP
    assert cities.members == [
        "长治市人民政府",
        "晋城市人民政府",
        "阳泉市人民政府",
        "晋中市人民政府",
        "忻州市人民政府",
        "大同市人民政府",
    ]
    assert (by_name["省直有关部门"].kind, by_name["省直有关部门"].members) == (KIND_GROUP, [])
    assert by_name["长治市人民政府"].kind == KIND_DEPARTMENT
    assert by_name["晋城市人民政府"].kind == KIND_DEPARTMENT  # a member is a department too
    assert "省粮食和储备局" in by_name and "省粮食" not in by_name


def test_departments_carry_the_aliases_users_type(shanxi):
    aliases = {d.name: d.aliases for d in shanxi.departments}
    assert "水利厅" in aliases["省水利厅"]
    assert {"发改委", "省发改委", "发展改革委"} <= set(aliases["省发展改革委"])
    assert "住建厅" in aliases["省住建厅"] and "省住房和城乡建设厅" in aliases["省住建厅"]
    assert "工信厅" in aliases["省工信厅"] and "人社厅" in aliases["省人社厅"]
    assert "卫健委" in aliases["省卫健委"] and "文旅厅" in aliases["省文旅厅"]
    assert "宣传部" in aliases["省委宣传部"]
    assert "委宣传部" not in aliases["省委宣传部"]
    every_alias = [a for d in shanxi.departments for a in d.aliases]
    assert len(every_alias) == len(set(every_alias))  # no alias points at two departments


def _rewrapped(text: str, width: int, separator: str) -> str:
    """The text as a PDF copy gives it: every paragraph cut into lines of `width` characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        while paragraph:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
    return separator.join(lines)


@pytest.mark.parametrize("width", [17, 20, 24, 28, 33, 40])
@pytest.mark.parametrize("separator", ["\n", "\n\n"])
def test_the_plan_reads_the_same_whatever_the_page_width_of_the_copy(shanxi, width, separator):
    from planreader.reader import parse_plan_text

    text = _rewrapped(DEFAULT_PLAN.read_text(encoding="utf-8"), width, separator)
    assert parse_plan_text(text).to_json() == shanxi.to_json()
