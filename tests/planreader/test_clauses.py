"""Responsibility clauses as plans of the genre write them, read one at a time."""

from __future__ import annotations

import pytest

from planreader.clauses import parse_clause


@pytest.mark.parametrize(
    ("text", "leads", "supports", "no_lead"),
    [
        ("省水利厅牵头，省财政厅按职责分工负责", ["省水利厅"], ["省财政厅"], False),
        (
            "省发展改革委、省交通厅牵头,省文旅厅、省自然资源厅按职责分工负责",
            ["省发展改革委", "省交通厅"],
            ["省文旅厅", "省自然资源厅"],
            False,
        ),
        ("省民政厅、省教育厅按职责分工负责", [], ["省民政厅", "省教育厅"], True),
        ("省水利厅牵头，省财政厅配合", ["省水利厅"], ["省财政厅"], False),
        ("省财政厅负责，省水利厅配合", ["省财政厅"], ["省水利厅"], False),
        ("由省水利厅牵头，省财政厅参与", ["省水利厅"], ["省财政厅"], False),
        (
            "省水利厅、省财政厅分别牵头，省农业农村厅配合",
            ["省水利厅", "省财政厅"],
            ["省农业农村厅"],
            False,
        ),
        (
            "牵头单位：省水利厅；责任单位：省财政厅、省粮食和储备局",
            ["省水利厅"],
            ["省财政厅", "省粮食和储备局"],
            False,
        ),
        ("牵头部门：省水利厅；配合部门：省财政厅", ["省水利厅"], ["省财政厅"], False),
        ("责任单位：省农业农村厅（牵头）、省水利厅", ["省农业农村厅"], ["省水利厅"], False),
        ("责任单位：各市人民政府、省直有关部门", [], ["各市人民政府", "省直有关部门"], True),
        ("国家发展改革委、财政部等负责", [], ["国家发展改革委", "财政部"], True),
        ("教育部等有关部门负责", [], ["教育部"], True),
        ("国家发展改革委会同有关部门和单位负责", ["国家发展改革委"], ["有关部门和单位"], False),
        (
            "人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同",
            ["人力资源社会保障部"],
            ["财政部"],
            False,
        ),
        (
            "省发展改革委和相关市人民政府按职责分工负责",
            [],
            ["省发展改革委", "相关市人民政府"],
            True,
        ),
        (
            "省文化和旅游厅牵头，省委宣传部和相关县（市、区）人民政府按职责分工负责",
            ["省文化和旅游厅"],
            ["省委宣传部", "相关县（市、区）人民政府"],
            False,
        ),
        ("各省级人民政府负责", [], ["各省级人民政府"], True),
    ],
)
def test_clauses_name_their_leads_and_supports(text, leads, supports, no_lead):
    clause = parse_clause(text)
    assert clause is not None
    assert (clause.leads, clause.supports, clause.no_lead) == (leads, supports, no_lead)


def test_after_the_first_listed_note_the_first_unit_of_a_clause_without_qiantou_leads():
    clause = parse_clause("省民政厅、省教育厅按职责分工负责", first_listed_leads=True)
    assert (clause.leads, clause.supports, clause.no_lead) == (["省民政厅"], ["省教育厅"], False)
    explicit = parse_clause("省水利厅牵头，省财政厅配合", first_listed_leads=True)
    assert explicit.leads == ["省水利厅"]


@pytest.mark.parametrize(
    "text",
    [
        "由政府负责人牵头",
        "晋豫界",
        "30户及以上",
        "省水利厅",
        "此项工作由省政府负责人牵头",
        "见附件",
        "2021年底前完成",
    ],
)
def test_brackets_that_are_no_clause_give_none(text):
    assert parse_clause(text) is None
