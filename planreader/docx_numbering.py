"""Word's automatic numbering, written out: a .docx whose （一） 1. are list numbering.

Word keeps such numbers out of the paragraph's text (in `w:numPr` and the numbering part),
so a plan typed with them would have no numbered measures. `NumberingCounter` renders the
number each paragraph shows, from the level's format (decimal, chineseCounting…) and text.
"""

from __future__ import annotations

from typing import Any

from planreader.numerals import to_chinese_numeral

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CHINESE_FORMATS = {
    "chineseCounting",
    "chineseCountingThousand",
    "chineseLegalSimplified",
    "ideographTraditional",
    "japaneseCounting",
    "taiwaneseCounting",
    "taiwaneseCountingThousand",
}
CIRCLED_FORMATS = {"decimalEnclosedCircle", "decimalEnclosedCircleChinese"}


def _value(element: Any, tag: str) -> str | None:
    found = element.find(W + tag) if element is not None else None
    return found.get(W + "val") if found is not None else None


def _format(number: int, fmt: str) -> str:
    if fmt in CHINESE_FORMATS:
        return to_chinese_numeral(number)
    if fmt in CIRCLED_FORMATS and 1 <= number <= 20:
        return chr(0x2460 + number - 1)
    if fmt == "none":
        return ""
    return str(number)  # decimal and the rest: a digit is the safe reading


class NumberingCounter:
    """Counts list items through the document and gives each its visible number."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counts: dict[str, list[int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in numbering.findall(W + "abstractNum"):
            lvls: dict[int, tuple[str, str, int]] = {}
            for lvl in node.findall(W + "lvl"):
                ilvl = int(lvl.get(W + "ilvl", "0"))
                start = int(_value(lvl, "start") or 1)
                lvls[ilvl] = (
                    _value(lvl, "numFmt") or "decimal",
                    _value(lvl, "lvlText") or "",
                    start,
                )
            abstract[node.get(W + "abstractNumId", "")] = lvls
        for num in numbering.findall(W + "num"):
            lvls = abstract.get(_value(num, "abstractNumId") or "", {})
            for ilvl, definition in lvls.items():
                self.levels[(num.get(W + "numId", ""), ilvl)] = definition

    def _num_pr(self, paragraph: Any) -> tuple[str, int] | None:
        for holder in (paragraph._p.pPr, getattr(paragraph.style, "element", None)):
            ppr = holder if holder is None or holder.tag == W + "pPr" else holder.find(W + "pPr")
            num_pr = ppr.find(W + "numPr") if ppr is not None else None
            if num_pr is not None:
                num_id = _value(num_pr, "numId")
                if num_id and num_id != "0":
                    return num_id, int(_value(num_pr, "ilvl") or 0)
        return None

    def label(self, paragraph: Any) -> str:
        """The number Word shows before `paragraph` ("（三）", "2.", "一、"), or ""."""
        found = self._num_pr(paragraph)
        if found is None or found not in self.levels:
            return ""
        num_id, ilvl = found
        counts = self.counts.setdefault(num_id, [])
        while len(counts) <= ilvl:
            level = (num_id, len(counts))
            counts.append(self.levels[level][2] - 1 if level in self.levels else 0)
        counts[ilvl] += 1
        for deeper in range(ilvl + 1, len(counts)):  # a new item restarts the levels below
            level = (num_id, deeper)
            counts[deeper] = self.levels[level][2] - 1 if level in self.levels else 0
        fmt, text, _ = self.levels[found]
        for index in range(ilvl + 1):
            level = self.levels.get((num_id, index))
            shown = _format(max(counts[index], 1), level[0] if level else "decimal")
            text = text.replace(f"%{index + 1}", shown)
        return text if fmt != "bullet" else ""
