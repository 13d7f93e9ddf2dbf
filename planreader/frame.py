"""The parts of a plan around its measures: 文号, title, issuer, date, and the attachment.

Also where the measures end: at the attachment line, the issuer's signature or the date.
"""

from __future__ import annotations

import re
from datetime import date

from planreader.document import RegionDoc
from planreader.numerals import parse_chinese_numeral
from planreader.repair import (
    ARABIC_RE,
    ATTACHMENT_RE,
    CITY_LINE_RE,
    DATE_RE,
    DOC_NUMBER_RE,
    PAREN_RE,
    SECTION_RE,
    is_date_line,
    is_doc_number_line,
)

TITLE_WORDS_RE = re.compile(
    r"关于|意见|方案|规划|计划|通知|办法|措施|决定|纲要|要点|清单|分工表|任务表|台账"
)


def parse_date(text: str) -> date | None:
    match = DATE_RE.match(text)
    if not match:
        return None
    year, month, day = (parse_chinese_numeral(part) for part in match.groups())
    try:
        return date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def canonical_doc_number(match: re.Match[str]) -> str:
    prefix = re.sub(r"\s+", "", match.group(0).split(match.group(1))[0]).rstrip("〔[［【(（")
    return f"{prefix}〔{match.group(1)}〕{int(match.group(2))}号"


def find_doc_number(header: list[str], everything: list[str]) -> str:
    for paragraph in header + everything:
        if is_doc_number_line(paragraph):
            match = DOC_NUMBER_RE.search(paragraph)
            if match:
                return canonical_doc_number(match)
    for paragraph in header:
        for match in DOC_NUMBER_RE.finditer(paragraph):
            before = paragraph[: match.start()]
            # A citation: （国发〔2021〕3号） or 《…》（…号）.
            if before.count("（") + before.count("(") > before.count("）") + before.count(")"):
                continue
            return canonical_doc_number(match)
    return ""


def find_title(header: list[str]) -> str:
    candidates = [
        p
        for p in header
        if "。" not in p
        and not is_doc_number_line(p)
        and not is_date_line(p)
        and not p.endswith(("：", ":"))
        and not (p.endswith("文件") and len(p) <= 20)
        and not ATTACHMENT_RE.match(p)
        and not p.startswith("各")
        and len(p) <= 100
    ]
    for paragraph in candidates:
        if TITLE_WORDS_RE.search(paragraph):
            return paragraph
    return candidates[0] if candidates else ""


def body_end(paras: list[str], start: int) -> int:
    """Index of the first paragraph after the measures: attachment, signature, date, 抄送."""
    for index in range(start, len(paras)):
        paragraph = paras[index]
        if (
            ATTACHMENT_RE.match(paragraph)
            or paragraph.startswith(("附件", "抄送", "（此件", "(此件"))
            or is_date_line(paragraph)
        ):
            return index
        nxt = paras[index + 1] if index + 1 < len(paras) else ""
        if (
            len(paragraph) <= 30
            and not re.search("[。；，,]", paragraph)
            and not (
                SECTION_RE.match(paragraph)
                or PAREN_RE.match(paragraph)
                or ARABIC_RE.match(paragraph)
            )
            and is_date_line(nxt)
        ):
            return index  # the issuer's signature above the date
    return len(paras)


def find_regions(paras: list[str]) -> list[RegionDoc]:
    regions: list[RegionDoc] = []
    for paragraph in paras:
        if paragraph.startswith("抄送"):
            break
        match = CITY_LINE_RE.match(paragraph)
        if not match:
            continue
        counties = [c.strip().rstrip("。.") for c in re.split(r"[、，,；;\s]+", match["rest"])]
        counties = [c for c in counties if c]
        if not counties:
            continue
        count = int(match["count"]) if match["count"] else None
        regions.append(RegionDoc(city=match["city"], counties=counties, declared_count=count))
    return regions


def issuer_and_date(header: list[str], trailer: list[str], title: str) -> tuple[str, date | None]:
    """Who signed and when: the signature above the date after the measures, else the header."""
    issued_on = None
    issuer = ""
    for index, paragraph in enumerate(trailer):
        if is_date_line(paragraph) and "印发" not in paragraph:
            issued_on = parse_date(paragraph)
            before = trailer[index - 1] if index > 0 else ""
            if (
                before
                and len(before) <= 30
                and not re.search("[。；，,:：]", before)
                and not before.startswith("附件")
            ):
                issuer = before
            break
    if issued_on is None:
        issued_on = next((d for p in header if (d := parse_date(p.strip("（）()")))), None)
    if not issuer:
        red_head = next((p for p in header if p.endswith("文件") and len(p) <= 20), "")
        issuer = red_head[: -len("文件")] if red_head else title.split("关于")[0]
        if issuer == title:
            issuer = ""

    return issuer, issued_on
