"""Real State Council documents with hand-checked truths: every entry must read exactly.

`fixtures/plans/corpus/README.md` states the conventions the truths follow (who leads, what
a 等 before a catch-all means, what a title is); `plan show --json` follows them too.
"""

from __future__ import annotations

import json

import pytest

from planreader.document import MISSING_CLAUSES, PlanReadError
from planreader.reader import read_plan
from tests.support.paths import PLANS
from tests.support.plan_words import english

CORPUS = PLANS / "corpus"
DOCUMENTS = sorted(p.name.removesuffix(".truth.json") for p in CORPUS.glob("*.truth.json"))


def read_measures(name: str) -> list[dict]:
    """`plan show --json`'s measures; none for a document refused as no plan of the genre."""
    try:
        return read_plan(CORPUS / f"{name}.txt").to_json()["measures"]
    except PlanReadError:
        return []


def score(name: str) -> tuple[list[str], int]:
    """The entries of `name`'s truth that the reader gets wrong (described), and how many.

    A measure the reader lists that the truth does not have (a heading, a goal) is wrong too.
    """
    truth = json.loads((CORPUS / f"{name}.truth.json").read_text(encoding="utf-8"))
    read = read_measures(name)
    # A document whose numbering restarts in each section names the section in its truth.
    sectioned = any("section" in entry for entry in truth)

    def key_of(measure: dict) -> tuple[int, str]:
        return measure["number"], measure["section"] if sectioned else ""

    by_key = {key_of(m): m for m in read}
    wrong: list[str] = []
    for entry in truth:
        key = (entry["number"], entry.get("section", ""))
        measure = by_key.get(key)
        if measure is None:
            wrong.append(f"{key}: not read")
            continue
        got = (measure["title"], set(measure["lead"]), set(measure["support"]))
        want = (entry["title"], set(entry["lead"]), set(entry["support"]))
        if got != want:
            wrong.append(f"{key}: read {got}, truth {want}")
    listed = {(t["number"], t.get("section", "")) for t in truth}
    for measure in read:
        if key_of(measure) not in listed:
            wrong.append(f"{key_of(measure)}: a measure the truth does not have: {measure}")
    return wrong, len(truth)


def test_the_corpus_is_there():
    assert DOCUMENTS == [
        "01_tiyu",
        "02_zimaoqu",
        "03_zongbaoqu",
        "04_xiaofei_fupin",
        "05_nongji",
        "06_ducha_jili",
        "07_jiuye",
        "08_wufei_chengshi",
        "09_zhijiao",
    ]
    entries = sum(len(json.loads(p.read_text(encoding="utf-8"))) for p in CORPUS.glob("*.json"))
    assert entries == 16 + 53 + 21 + 17 + 18 + 30 + 15 + 6


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_entry_of_the_corpus_reads_exactly(name):
    wrong, total = score(name)
    assert wrong == [], f"{name}: {total - len(wrong)}/{total} exact"


def test_the_closing_paragraph_is_not_part_of_the_last_measure():
    tiyu = read_plan(CORPUS / "01_tiyu.txt")
    last = tiyu.measures[-1]
    assert last.label == "（十九）"
    assert last.body.endswith("对体育竞赛表演产业予以必要支持。")
    assert "各地区、各有关部门要充分认识" not in last.body


def test_clauses_in_the_middle_of_a_measure_leave_its_body_and_count():
    tiyu = read_plan(CORPUS / "01_tiyu.txt")
    innovation = next(m for m in tiyu.measures if m.label == "（十）")
    assert innovation.title == "鼓励创新创业"
    assert "负责）" not in innovation.body and "营造良好的体育竞赛表演产业准入环境。加强" in (
        innovation.body
    )
    assert innovation.supports[0] == "市场监管总局"  # from the first clause, in the middle


def test_a_second_field_in_the_clause_is_no_department():
    zimaoqu = read_plan(CORPUS / "02_zimaoqu.txt")
    names = {d.name for d in zimaoqu.departments}
    assert not any("自贸试验区" in name or "适用范围" in name for name in names)
    assert "部门" in names  # 人民银行等部门: the catch-all after 等 is an item
    assert all(m.clause is not None and m.clause.no_lead for m in zimaoqu.measures)


# The doubts each document should raise, and no others: a name the bot knows is no doubt.
HELPERS_LEAD = (
    "The clause names no lead; 试点城市政府 taken as lead because the others assist. "
    "Check who leads."
)
CARRIED = (
    "试点城市政府 is not written here: an earlier note (…不再列出) adds it to every later task"
)
EXPECTED_DOUBTS = {
    # 空管委办公室 is written once in the whole document and is no usual kind of unit.
    "01_tiyu": {
        "（十八）": ["空管委办公室 appears only here and is not a department the bot knows"]
    },
    # The ministries guide (指导) and the pilot cities carry the tasks out: who leads is inferred.
    # The note in （一） adds the pilot cities to every later clause without writing them.
    "08_wufei_chengshi": {
        label: sorted([HELPERS_LEAD, CARRIED])
        for label in ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）")
    },
}


@pytest.mark.parametrize(
    "name",
    [d for d in DOCUMENTS if json.loads((CORPUS / f"{d}.truth.json").read_text(encoding="utf-8"))],
)
def test_no_corpus_measure_is_doubted_without_reason_to(name):
    """Doubts are for what a person should check: a name of a kind the bot knows is not one."""
    document = read_plan(CORPUS / f"{name}.txt")
    doubted = {m.label: sorted(english(d) for d in m.doubts) for m in document.measures if m.doubts}
    assert doubted == EXPECTED_DOUBTS.get(name, {})


def test_a_document_whose_only_bracket_is_a_remark_is_no_plan_of_the_genre():
    # 国发〔2019〕4号 names who does what in its sentences; its one bracket,
    # （技工院校内由人力资源社会保障行政部门负责）, qualifies a sentence and leads nothing.
    with pytest.raises(PlanReadError) as refused:
        read_plan(CORPUS / "09_zhijiao.txt")
    assert refused.value.problems == [MISSING_CLAUSES]


def test_a_note_that_a_unit_carries_every_later_task_adds_it_to_each_later_clause():
    # （生态环境部指导，试点城市政府负责落实。以下均需试点城市政府落实，不再列出）
    document = read_plan(CORPUS / "08_wufei_chengshi.txt")
    assert all("试点城市政府" in m.leads for m in document.measures)
    assert not any("以下" in d.name or "列出" in d.name for d in document.departments)


def test_a_half_width_bracket_is_a_clause_like_any_other():
    document = read_plan(CORPUS / "08_wufei_chengshi.txt")
    sixth = document.measures[-1]
    # （…）and (…) both close measure （六）: 国管局 is named only in the half-width one.
    assert "国管局" in sixth.supports and "国管局指导" not in sixth.body
