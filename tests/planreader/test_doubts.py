"""The reader says when it is unsure of a measure, and why: each doubt on its own measure."""

from __future__ import annotations

import io
import json

from bot import plan_show as cmd_show
from planreader.reader import parse_plan_text
from tests.planreader.test_reader_genre import plan_text, write
from tests.support.plan_words import english

DOUBTFUL = plan_text(
    "（一）开展土地整治。推进试点。（省自然资源厅牵头，省财政厅按职责分工负责）\n\n"
    "（二）保障资金。统筹资金。（省水利厅牵头，做好资金保障工作的省财政厅按职责分工负责）\n\n"
    "（三）保护耕地。落实耕地保护责任。\n\n"
    "（四）加强调度。定期调度。（由分管副省长牵头负责）\n\n"
    "（五）治理河湖。推进河湖治理。（省水利厅牵头，省河湖长制办公室配合）\n\n"
    "（六）建设水网。推进水网建设。（省财政厅省水利厅按职责分工负责）\n\n"
    "（七）保障投入。加大投入。（省财政厅负责，省水利厅配合）\n\n"
    "（八）总结评估。开展评估。（省自然资源厅、省水利厅按职责分工负责）\n"
)


def doubts_by_label(text: str) -> dict[str, list[str]]:
    document = parse_plan_text(text)
    return {m.label: [english(d) for d in m.doubts] for m in document.measures}


def test_each_doubt_is_on_the_measure_it_concerns_and_sure_measures_have_none():
    assert doubts_by_label(DOUBTFUL) == {
        "（一）": [],
        "（二）": [
            "Words in the clause that are neither a department nor a role: "
            "做好资金保障工作的省财政厅"
        ],
        "（三）": ["No responsibility clause, while the measures around it have one"],
        "（四）": [
            "A bracket looks like a responsibility clause but could not be read: "
            "（由分管副省长牵头负责）",
            "No responsibility clause, while the measures around it have one",
        ],
        "（五）": ["省河湖长制办公室 appears only here and is not a department the bot knows"],
        "（六）": ["省财政厅省水利厅 looks like two names run together"],
        "（七）": [
            "The clause names no lead; 省财政厅 taken as lead because the others assist. "
            "Check who leads."
        ],
        "（八）": [],
    }


def test_what_could_be_read_is_kept_beside_the_doubt():
    document = parse_plan_text(DOUBTFUL)
    second = document.measures[1]
    assert (second.leads, second.supports) == (["省水利厅"], [])
    assert document.measures[3].clause is None


def test_plan_show_marks_doubts_and_the_json_lists_them_in_the_readers_language(tmp_path):
    path = write(tmp_path, "plan.txt", DOUBTFUL)
    out = io.StringIO()
    assert cmd_show(path, out=out, lang="en") == 0
    lines = out.getvalue().splitlines()
    sixth = lines.index(next(line for line in lines if line.startswith("（六）")))
    assert lines[sixth + 1].strip() == "? 省财政厅省水利厅 looks like two names run together"
    assert any(line.startswith("?: 6 measures may be read wrong") for line in lines)

    out = io.StringIO()
    assert cmd_show(path, as_json=True, out=out) == 0
    measures = json.loads(out.getvalue())["measures"]
    assert measures[0]["doubts"] == [] and measures[7]["doubts"] == []
    assert measures[5]["doubts"] == ["“省财政厅省水利厅”像是两个单位名称连在了一起"]
    out = io.StringIO()
    assert cmd_show(path, as_json=True, lang="en", out=out) == 0
    assert json.loads(out.getvalue())["measures"][2]["doubts"] == [
        "No responsibility clause, while the measures around it have one"
    ]
