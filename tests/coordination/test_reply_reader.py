"""The reply reader: which measures a liaison's reply names, and what status it reports."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordination.reply_reader import find_markers, read_reply, split_report_arguments
from coordination.reply_status import read_percent, read_status

CANDIDATES = [3, 5, 6, 12, 17]


def resolve_measures(text, candidates):
    """One part per measure the reply names (only measures among `candidates`)."""
    return read_reply(text, candidates).parts


def measures_of(text: str, candidates: list[int] = CANDIDATES) -> list[int]:
    return [part.measure for part in resolve_measures(text, candidates)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("（五）已完成", [5]),
        ("(五) 已完成", [5]),
        ("(5) done", [5]),
        ("（５）完成", [5]),
        ("第五项已完成", [5]),
        ("第5项已完成", [5]),
        ("5、已完成", [5]),
        ("5. 已完成", [5]),
        ("#5 done", [5]),
        ("＃５ 完成", [5]),
        ("措施5推进中", [5]),
        ("措施五推进中", [5]),
        ("measure 5 is done", [5]),
        ("关于（十二）：推进中", [12]),
        ("（十七）推进中", [17]),
    ],
)
def test_every_marker_form_names_its_measure(text, expected):
    assert measures_of(text) == expected


def test_a_reply_naming_two_measures_is_split_with_each_its_own_text():
    parts = resolve_measures("（五）已完成验收。（六）推进中，遇到资金困难", CANDIDATES)
    assert [(p.measure, p.text, p.status) for p in parts] == [
        (5, "已完成验收", "done"),
        (6, "推进中，遇到资金困难", "at_risk"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "（五）（六）均已完成",
        "五、六项均已完成",
        "第五、六项均已完成",
        "第5至6项均已完成",
        "（五）至（六）均已完成",
        "措施5、6均已完成",
        "#5 #6 均已完成",
    ],
)
def test_lists_and_ranges_share_the_text_after_them(text):
    parts = resolve_measures(text, CANDIDATES)
    assert [p.measure for p in parts] == [5, 6]
    assert all(p.text == "均已完成" and p.status == "done" for p in parts)


def test_text_before_the_first_marker_is_kept_with_every_part():
    parts = resolve_measures("本月进展：\n（五）已完成\n（六）推进中", CANDIDATES)
    assert [p.text for p in parts] == ["本月进展\n已完成", "本月进展\n推进中"]


def test_a_measure_the_chat_does_not_have_is_reported_and_not_recorded():
    reading = read_reply("（五）已完成（九）推进中", CANDIDATES)
    assert [p.measure for p in reading.parts] == [5]
    assert reading.parts[0].text == "已完成"
    assert reading.unknown == (9,)


def test_only_unknown_measures_records_nothing():
    reading = read_reply("（九）已完成", CANDIDATES)
    assert reading.parts == [] and reading.unknown == (9,) and not reading.needs_choice


def test_no_marker_and_one_candidate_takes_the_whole_reply():
    parts = resolve_measures("已完成80%", [5])
    assert [(p.measure, p.text, p.percent) for p in parts] == [(5, "已完成80%", 80)]


def test_no_marker_and_several_candidates_needs_a_choice():
    reading = read_reply("已完成", [5, 17])
    assert reading.parts == [] and reading.needs_choice


def test_a_report_numbering_its_own_points_is_not_split_into_measures():
    # 1、2、 at line starts number the report's points when they name no measure of the chat.
    reading = read_reply("进展如下：\n1、完成可研\n2、开工建设", [5, 6])
    assert reading.parts == [] and reading.needs_choice and reading.unknown == ()
    # (1) (2) inside a measure's part are its sub-points.
    parts = resolve_measures("（五）进展：(1)完成可研；(2)开工建设", [5, 6])
    assert [p.measure for p in parts] == [5]
    assert parts[0].text == "进展：(1)完成可研；(2)开工建设"


def test_a_name_with_no_inside_a_sentence_is_not_a_marker():
    # "Taihang No. 1 road" is a road's name: the whole reply stays with measure (13).
    parts = resolve_measures("(13) Taihang No. 1 tourist road: 40% done", [1, 5, 13])
    assert [(p.measure, p.percent) for p in parts] == [(13, 40)]
    assert "No. 1 tourist road" in parts[0].text
    assert measures_of("No. 5 done") == [5]


def test_counts_and_years_are_not_markers():
    assert find_markers("本月完成了12项工作，2021年开工") == []
    assert measures_of("完成3至5项任务") == []


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("已完成", "done"),
        ("完成", "done"),
        # An amount achieved so far is progress, not the measure done.
        ("正在推进，本月完成投资11亿元", "in_progress"),
        ("本月完成投资3亿元，项目已全部完工", "done"),
        # Part finished, the rest still under way.
        ("太焦高铁站房主体完工，推进中", "in_progress"),
        ("design completed, construction in progress", "in_progress"),
        ("已办结", "done"),
        ("推进中", "in_progress"),
        ("正在组织实施", "in_progress"),
        ("进行中", "in_progress"),
        ("遇到困难", "at_risk"),
        ("进度滞后", "at_risk"),
        ("征地受阻", "at_risk"),
        ("存在资金问题", "at_risk"),
        ("有一定风险", "at_risk"),
        ("项目停滞", "blocked"),
        ("无法推进", "blocked"),
        ("暂停施工", "blocked"),
        ("done", "done"),
        ("Completed last week", "done"),
        ("finished", "done"),
        ("in progress", "in_progress"),
        ("ongoing", "in_progress"),
        ("work is underway", "in_progress"),
        ("delayed by rain", "at_risk"),
        ("behind schedule", "at_risk"),
        ("there is a risk", "at_risk"),
        ("a funding problem", "at_risk"),
        ("one open issue", "at_risk"),
        ("blocked by permits", "blocked"),
        ("stalled", "blocked"),
        ("已完成，没有问题", "done"),
        ("done, no issues", "done"),
        ("征地问题已解决，已完成", "done"),
        ("前期困难已经克服，推进中", "in_progress"),
        ("issues resolved, completed", "done"),
        ("the problem was fixed; ongoing", "in_progress"),
        ("推进中，但遇到困难", "at_risk"),
        ("本月情况说明", None),
    ],
)
def test_status_from_the_words(text, status):
    assert read_status(text) == status


@pytest.mark.parametrize(
    "text",
    [
        "未完成",
        "尚未完成",
        "还没有完成",
        "预计年底前完成",
        "力争6月底全部完成",
        "not done",
        "not yet completed",
        "will be completed in June",
        "incomplete",
    ],
)
def test_negated_or_future_done_does_not_read_as_done(text):
    assert read_status(text) != "done"


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("完成60%", 60),
        ("完成６０％", 60),
        ("完成百分之六十", 60),
        ("进度百分之六十五", 65),
        ("完成六成", 60),
        ("62.5%", 62),
        ("about 40 percent", 40),
        ("完成120%", 100),
        ("投资同比增长15%", None),
        ("已完成", None),
        ("一成不变", None),
    ],
)
def test_percent_from_the_words(text, percent):
    assert read_percent(text) == percent


def test_a_percent_sets_the_status():
    assert read_status("100%") == "done"
    assert read_status("完成60%") == "in_progress"
    assert read_status("已完成年度目标的80%") == "in_progress"


@pytest.mark.parametrize(
    ("args", "numbers", "text"),
    [
        ("5 已完成", [5], "已完成"),
        ("五 已完成", [5], "已完成"),
        ("（五）已完成", [5], "已完成"),
        ("(5) done", [5], "done"),
        ("第五项 推进中", [5], "推进中"),
        ("（五）（六）均已完成", [5, 6], "均已完成"),
        ("已完成", [], "已完成"),
        ("", [], ""),
    ],
)
def test_report_arguments_start_with_the_measure(args, numbers, text):
    assert split_report_arguments(args) == (numbers, text)


# --- properties ---------------------------------------------------------------------------

MARKER_PIECES = st.sampled_from(
    [
        "（五）",
        "(5)",
        "第五项",
        "5、",
        "5.",
        "#5",
        "措施5",
        "（十二）",
        "五、六项",
        "（九）",
        "\n",
        "已完成",
        "推进中",
        "困难",
        "60%",
        "百分之",
        "六成",
        "未",
        "not done",
        "(",
        "）",
        "第",
        "项",
        "、",
        "至",
        "-",
        "<b>",
        "&",
        "</a>",
        "100%",
        "十",
        "百",
        "〇",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.lists(st.integers(1, 40), max_size=8))
def test_no_text_raises_and_parts_name_only_candidates(text, candidates):
    reading = read_reply(text, candidates)
    assert {p.measure for p in reading.parts} <= set(candidates)
    assert not set(reading.unknown) & set(candidates)
    read_status(text)
    split_report_arguments(text)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(MARKER_PIECES | st.text(max_size=5), max_size=30),
    st.lists(st.integers(1, 30), max_size=6),
)
def test_marker_soup_never_raises_and_stays_within_candidates(pieces, candidates):
    text = "".join(pieces)
    reading = read_reply(text, candidates)
    assert {p.measure for p in reading.parts} <= set(candidates)
    percent = read_percent(text)
    assert percent is None or 0 <= percent <= 100
    assert read_status(text) in (None, "done", "in_progress", "at_risk", "blocked")
    # Every part's text is taken from the reply: nothing is made up.
    for part in reading.parts:
        for line in part.text.splitlines():
            assert line.strip() in text


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.sampled_from(["（{}）", "第{}项", "#{}", "措施{}"]))
def test_a_named_candidate_is_always_found(number, form):
    from planreader.numerals import to_chinese_numeral

    for spelled in (str(number), to_chinese_numeral(number)):
        text = form.format(spelled) + " 推进中"
        assert [p.measure for p in resolve_measures(text, [number, 41])] == [number]
