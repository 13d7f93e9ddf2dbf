"""A .docx plan typed with Word's automatic numbering reads like one with typed numbers."""

from __future__ import annotations

import copy
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from planreader.reader import read_plan

NUMBERING = (
    f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
    '<w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
    '<w:lvlText w:val="（%2）"/></w:lvl>'
    "</w:abstractNum>"
)


def numbered_docx(path: Path) -> Path:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(NUMBERING))
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    for line in (
        "山西省人民政府办公厅文件",
        "晋政办发〔2024〕12号",
        "山西省人民政府办公厅关于加强农村供水保障的实施方案",
        "各市人民政府，省人民政府各委、办、厅、局：",
        "为加强农村供水保障，制定本方案。",
    ):
        document.add_paragraph(line)
    items = [
        (0, "主要任务"),
        (1, "实施规模化供水工程。推进城乡供水一体化。（省水利厅牵头，省发展改革委按职责分工负责）"),
        (1, "加强水质保障。完善水质检测体系。（省卫生健康委、省水利厅按职责分工负责）"),
        (0, "保障措施"),
        (1, "加大资金投入。统筹各类资金。（省财政厅负责）"),
    ]
    for level, text in items:
        paragraph = document.add_paragraph(text)
        num_pr = parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
        )
        paragraph._p.get_or_add_pPr().append(copy.deepcopy(num_pr))
    document.add_paragraph("山西省人民政府办公厅")
    document.add_paragraph("2024年5月6日")
    assert document.paragraphs[5]._p.pPr.find(qn("w:numPr")) is not None
    document.save(path)
    return path


def test_automatic_numbering_gives_the_measures_their_numbers(tmp_path):
    plan = read_plan(numbered_docx(tmp_path / "plan.docx"))
    assert [s.heading for s in plan.sections] == ["一、主要任务", "二、保障措施"]
    assert [(m.label, m.title, m.leads, m.supports) for m in plan.measures] == [
        ("一（一）", "实施规模化供水工程", ["省水利厅"], ["省发展改革委"]),
        ("一（二）", "加强水质保障", [], ["省卫生健康委", "省水利厅"]),
        ("二（一）", "加大资金投入", [], ["省财政厅"]),
    ]
