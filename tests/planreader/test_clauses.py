"""Responsibility clauses as plans of the genre write them, read one at a time."""

from __future__ import annotations

import pytest

from planreader.clauses import mentions_first_listed_rule, parse_clause, read_clause


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
        # The corpus convention: 等 is dropped, the catch-all after it is an item of its own.
        ("教育部等有关部门负责", [], ["教育部", "有关部门"], True),
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
        "人民银行等部门",  # names without any role word
    ],
)
def test_brackets_that_are_no_clause_give_none(text):
    assert parse_clause(text) is None


@pytest.mark.parametrize(
    ("text", "leads", "supports"),
    [
        # Labels, and a second field in the same brackets that names no unit.
        ("负责部门：商务部、海关总署", [], ["商务部", "海关总署"]),
        ("负责部门：民航局，适用范围：陕西自贸试验区", [], ["民航局"]),
        ("责任单位：省水利厅、省财政厅；责任领导：副省长王某", [], ["省水利厅", "省财政厅"]),
        (
            "牵头单位：省水利厅；配合单位：省财政厅；完成时限：2023年6月底前",
            ["省水利厅"],
            ["省财政厅"],
        ),
        (
            "牵头：市发改委；配合：市财政局、市自然资源和规划局",
            ["市发改委"],
            ["市财政局", "市自然资源和规划局"],
        ),
        ("责任单位：市住建局（牵头）、市城管局", ["市住建局"], ["市城管局"]),
        ("责任单位：市发展改革委牵头，市直有关部门配合", ["市发展改革委"], ["市直有关部门"]),
        # 等 before a catch-all, and before 和.
        ("人民银行等部门", [], ["人民银行", "部门"]),
        (
            "国家发展改革委、财政部等有关部门和单位负责",
            [],
            ["国家发展改革委", "财政部", "有关部门和单位"],
        ),
        (
            "教育部、人力资源社会保障部等和各省级人民政府负责",
            [],
            ["教育部", "人力资源社会保障部", "各省级人民政府"],
        ),
        (
            "省财政厅、省发展改革委等省直有关部门和各市人民政府按职责分工负责",
            [],
            ["省财政厅", "省发展改革委", "省直有关部门", "各市人民政府"],
        ),
        ("省教育厅牵头，各高等院校按职责分工负责", ["省教育厅"], ["各高等院校"]),  # 高等 is no 等
        # 会同, and role words between names.
        (
            "省发展改革委、省财政厅会同省直有关部门负责",
            ["省发展改革委", "省财政厅"],
            ["省直有关部门"],
        ),
        (
            "省发展改革委会同省财政厅、省自然资源厅负责",
            ["省发展改革委"],
            ["省财政厅", "省自然资源厅"],
        ),
        ("省水利厅牵头、省财政厅配合", ["省水利厅"], ["省财政厅"]),
        (
            "省公安厅、省交通运输厅按职责分工负责，省政府督查室督办",
            ["省公安厅", "省交通运输厅"],
            ["省政府督查室"],
        ),
        # Levels listed before one kind of government are one name.
        ("各省、自治区、直辖市人民政府按职责分工负责", [], ["各省、自治区、直辖市人民政府"]),
        ("省财政厅、市、县人民政府负责", [], ["省财政厅", "市、县人民政府"]),
        # The first-listed note inside the clause, in another wording.
        (
            "工业和信息化部、国家发展改革委、科技部按职责分工负责，排在第一位的为牵头部门",
            ["工业和信息化部"],
            ["国家发展改革委", "科技部"],
        ),
    ],
)
def test_the_grammar_reads_labels_fields_qualifiers_and_role_words(text, leads, supports):
    reading = read_clause(text)
    assert reading.clause is not None and reading.unplaced == []
    assert (reading.clause.leads, reading.clause.supports) == (leads, supports)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("省水利厅牵头，省财政厅配合，2022年底前完成", "2022年底前完成"),
        ("牵头单位：省水利厅；完成时限：长期坚持", "长期坚持"),
        ("市场监管总局、商务部按职责分工负责，持续推进", "持续推进"),
    ],
)
def test_a_time_limit_in_a_clause_is_its_deadline_not_a_name(text, deadline):
    reading = read_clause(text)
    assert reading.deadline_text == deadline and reading.unplaced == []
    assert not any("坚持" in n or "推进" in n or "年" in n for n in reading.clause.departments)


@pytest.mark.parametrize(
    ("text", "supports"),
    [
        # Levels listed before one kind of unit are one name; a catch-all after one is not.
        ("各地区、各有关部门负责", ["各地区", "各有关部门"]),
        ("各省、自治区、直辖市人民政府负责", ["各省、自治区、直辖市人民政府"]),
        # 中央 alone is no unit: 中央和国家机关工委 is one name, not 中央 and 国家机关工委.
        ("扶贫办、中央和国家机关工委、国管局等和各省级人民政府负责", None),
    ],
)
def test_names_around_separators_and_conjunctions(text, supports):
    clause = read_clause(text).clause
    expected = supports or ["扶贫办", "中央和国家机关工委", "国管局", "各省级人民政府"]
    assert (clause.leads, clause.supports) == ([], expected)


def test_words_before_by_qualify_and_name_no_unit():
    # 技工院校内由人力资源社会保障行政部门负责: a remark inside a sentence, not a clause.
    reading = read_clause("技工院校内由人力资源社会保障行政部门负责")
    assert reading.unplaced == ["技工院校内"] and not reading.is_clean
    assert reading.clause.supports == ["人力资源社会保障行政部门"]
    # 自由贸易试验区 keeps its 由.
    assert read_clause("上海自由贸易试验区管委会负责").clause.supports == [
        "上海自由贸易试验区管委会"
    ]


def test_a_note_that_a_unit_carries_every_later_task():
    note = read_clause("生态环境部指导，试点城市政府负责落实。以下均需试点城市政府落实，不再列出")
    assert note.carries == ["试点城市政府"] and note.unplaced == [] and note.added == []
    assert (note.clause.leads, note.clause.supports) == (["试点城市政府"], ["生态环境部"])
    # Later clauses get the unit after their own, as responsible: the guides assist it.
    later = read_clause("农业农村部、财政部指导", carried=["试点城市政府"])
    assert later.added == ["试点城市政府"]  # not written there: the reader says so (a doubt)
    assert (later.clause.leads, later.clause.supports) == (
        ["试点城市政府"],
        ["农业农村部", "财政部"],
    )
    led = read_clause("生态环境部牵头，国家统计局参与", carried=["试点城市政府"])
    assert (led.clause.leads, led.clause.supports) == (
        ["生态环境部"],
        ["国家统计局", "试点城市政府"],
    )
    # A bracket that names no unit of its own does not become a clause through the note.
    assert read_clause("企业直接申报，不需转报", carried=["试点城市政府"]).clause is None


@pytest.mark.parametrize(
    ("text", "carries"),
    [
        ("国家发展改革委牵头，各地区负责落实，以下不再列出", ["各地区"]),
        ("以下各项工作均需各地区落实，不再一一列出", ["各地区"]),
        ("科技部、财政部负责，以下各项任务均需各省级人民政府落实，不再列出", ["各省级人民政府"]),
    ],
)
def test_the_carry_note_in_other_words(text, carries):
    reading = read_clause(text)
    assert reading.carries == carries and reading.unplaced == []


@pytest.mark.parametrize("text", ["第一批试点由省水利厅牵头", "省水利厅牵头，第一阶段完成"])
def test_first_in_other_senses_is_no_first_listed_note(text):
    assert not mentions_first_listed_rule(text)
