"""Repairing text that came out of a PDF: lines broken inside words and names are joined.

A plan copied from a PDF has a line break (often a blank line) wherever the page wrapped:
`省自\n\n然资源厅`, `指\n\n导`. Blank lines therefore carry no meaning; a paragraph ends
where a sentence ends (。；：), where a responsibility clause closes, or where the next line
starts a numbered item, an attachment, a date or a list of counties.
"""

from __future__ import annotations

import re
import unicodedata

CN_NUM = "一二三四五六七八九十百千零〇两"

SECTION_RE = re.compile(rf"^([{CN_NUM}]+)\s*(?:[、．]|\.(?!\d))\s*")
PAREN_RE = re.compile(rf"^[（(]\s*([{CN_NUM}]+)\s*[）)]\s*")
ARABIC_RE = re.compile(r"^(\d{1,3})\s*[.．、](?!\d)\s*")
ARABIC_PAREN_RE = re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]\s*")
PART_RE = re.compile(rf"^第([{CN_NUM}\d]+)(部分|章|篇|编)\s*")
ARTICLE_RE = re.compile(rf"^第([{CN_NUM}\d]+)条\s*")
CIRCLED_RE = re.compile(r"^([\u2460-\u2473])\s*")
DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff]{1,10}\s*[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]\s*第?\s*(\d{1,4})\s*号"
)
DATE_RE = re.compile(
    r"^(\d{4}|[二〇零一三四五六七八九○]{4})\s*年\s*(\S{1,3}?)\s*月\s*(\S{1,3}?)\s*日"
)
CITY_LINE_RE = re.compile(
    r"^(?P<city>[\u4e00-\u9fff]{1,10}?(?:市|州|盟|地区))\s*"
    r"(?:[（(]\s*(?P<count>\d{1,3})\s*(?:个)?\s*[）)])?\s*[:：]\s*(?P<rest>.*)$"
)
ATTACHMENT_RE = re.compile(r"^附\s*件\s*(\d{1,2})?\s*(?:[:：].*)?$")
SALUTATION_RE = re.compile(r"^各.{0,30}?(人民政府|政府|部门|单位|委|局|厅|办|[:：])")
LABELLED_START_RE = re.compile(r"^[（(]?(牵头单位|牵头部门|责任单位|责任部门|配合单位)\s*[:：]")
DOC_NUMBER_LABEL_RE = re.compile(r"^(发文字号|发文文号|文号|字号)\s*[:：]\s*")
CLAUSE_WORDS_RE = re.compile(r"牵头|负责|配合|责任单位|责任部门|参与")

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018-\u201f\u2014\u2026"
_SPACE_BETWEEN = re.compile(rf"(?<=[{_CJK}])[ \t]+(?![A-Za-z])|(?<![A-Za-z \t])[ \t]+(?=[{_CJK}])")
_PAGE_NUMBER = re.compile(r"^[-—–－_·\s]*\d{1,3}[-—–－_·\s]*$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SENTENCE_END = tuple("。！？；：:;!?")
_CONTINUATION_START = tuple("、，,。；;：:）)》”’")
_OPEN_END = tuple("、，,（(“《‘—")


def clean_line(line: str) -> str:
    """One line with invisible characters dropped and PDF spaces between CJK removed."""
    line = unicodedata.normalize("NFC", line.translate(_INVISIBLE))
    line = line.replace("\u3000", " ").replace("\xa0", " ").replace("\t", " ").strip()
    return _SPACE_BETWEEN.sub("", line)


def is_numbered(fragment: str) -> bool:
    """A line that opens with a numbering of the outline: 一、 （一） 1. （1） 第一条 ①."""
    return bool(
        SECTION_RE.match(fragment)
        or PAREN_RE.match(fragment)
        or ARABIC_RE.match(fragment)
        or ARABIC_PAREN_RE.match(fragment)
        or PART_RE.match(fragment)
        or ARTICLE_RE.match(fragment)
        or CIRCLED_RE.match(fragment)
    )


def starts_block(fragment: str, *, in_header: bool) -> bool:
    """Whether a line begins a new paragraph whatever came before."""
    if (
        is_numbered(fragment)
        or is_date_line(fragment)
        or CITY_LINE_RE.match(fragment)
        or ATTACHMENT_RE.match(fragment)
        or fragment.startswith(("附件", "抄送", "注：", "注:", "——", "附："))
        or LABELLED_START_RE.match(fragment)
    ):
        return True
    if is_doc_number_line(fragment):
        return True
    # The salutation (各市、县人民政府，…：) follows the title, which has no final punctuation.
    return in_header and bool(SALUTATION_RE.match(fragment))


def is_date_line(fragment: str) -> bool:
    """A line that is a date and little else (2021年11月8日, 2021年11月9日印发).

    `2025年6月30日前完成…` opens a sentence, not the signature, and so does a line that a
    narrow page cut short after the date: `2020年12月31日，将技`.
    """
    match = DATE_RE.match(fragment)
    if not match:
        return False
    rest = fragment[match.end() :]
    return len(rest) <= 4 and not re.search(r"[，,、；;。]|^[至到起前后以]", rest)


def is_doc_number_line(fragment: str) -> bool:
    """A line that holds the 文号 and little else (`发文字号：国发〔2021〕3号` too)."""
    fragment = DOC_NUMBER_LABEL_RE.sub("", fragment)
    match = DOC_NUMBER_RE.search(fragment)
    return bool(match) and len(fragment) - len(match.group(0)) <= 4


def ends_block(fragment: str, *, last_line: str = "", line_width: int = 0) -> bool:
    """Whether a paragraph is complete: a sentence end, a clause, a heading, a date, a header.

    `last_line` is the paragraph's last line as the file has it and `line_width` the usual
    length of a full line: a heading is a marked line that stops short of the full width.
    """
    if fragment.endswith(_OPEN_END) or _unclosed(fragment):
        return False  # 附件:…县(市、 | 区)名单 goes on on the next line
    if fragment.endswith(_SENTENCE_END):
        return True
    if fragment.endswith(("）", ")")):
        opening = max(fragment.rfind("（"), fragment.rfind("("))
        if opening >= 0 and CLAUSE_WORDS_RE.search(fragment[opening:]):
            return True
        if opening == 0:  # a whole line in brackets: （此件公开发布）
            return True
    last_line = last_line or fragment
    # A line that fills the page width was wrapped: what it says goes on on the next line.
    short = not line_width or len(last_line) < 0.8 * line_width
    if (ATTACHMENT_RE.match(fragment) or fragment.startswith("附件")) and short:
        return True
    if is_date_line(fragment) or is_doc_number_line(fragment):
        return True
    if fragment.endswith("文件") and len(fragment) <= 20:
        return True
    # A heading on its own line (一、总体要求): no sentence punctuation, and its last line
    # stops short of a full line (a full one is a heading or sentence the page wrapped).
    return (
        is_numbered(fragment)
        and len(fragment) <= 60
        and not re.search("[。；：;:]", fragment)
        and short
    )


def _unclosed(text: str) -> bool:
    opened = sum(text.count(ch) for ch in "（(【〔［")
    return opened > sum(text.count(ch) for ch in "）)】〕］")


def line_width(fragments: list[str]) -> int:
    """The length of a full line: most lines of a wrapped PDF copy are that long."""
    if len(fragments) < 5:
        return 0
    lengths = sorted(len(f) for f in fragments)
    return lengths[int(len(lengths) * 0.75)]


def _joiner(left: str, right: str) -> str:
    if (
        left
        and right
        and left[-1].isascii()
        and left[-1].isalpha()
        and right[0].isascii()
        and right[0].isalpha()
    ):  # English words wrapped apart; digits (2|023, 5|G) join without a space
        return " "
    return ""


def paragraphs(text: str) -> list[str]:
    """The document's paragraphs, with the line breaks that fell inside them removed."""
    fragments = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = clean_line(raw)
        if line and not _PAGE_NUMBER.match(line):
            fragments.append(line)
    result: list[str] = []
    width = line_width(fragments)
    last_line = ""
    in_header = True
    for fragment in fragments:
        if in_header and (SECTION_RE.match(fragment) or PAREN_RE.match(fragment)):
            in_header = False
        if result and (
            # A line that opens with ，、。） goes on the paragraph before it, whatever that
            # ended with: （…负责） | ，国务院… is one sentence cut after its bracket.
            fragment.startswith(_CONTINUATION_START)
            or (
                not ends_block(result[-1], last_line=last_line, line_width=width)
                and (
                    not starts_block(fragment, in_header=in_header)
                    # （牵头单位：…；| 责任单位：…）: a label inside an open bracket goes on.
                    or (_unclosed(result[-1]) and not is_numbered(fragment))
                )
            )
        ):
            result[-1] += _joiner(result[-1], fragment) + fragment
        else:
            result.append(fragment)
        last_line = fragment
    return _split_title_from_salutation(result)


_TITLE_WORDS = re.compile(r"关于|意见|方案|规划|计划|通知|办法|措施|决定|纲要|要点")


def _split_title_from_salutation(paras: list[str]) -> list[str]:
    """A title wrapped onto the salutation (…实施方案各市人民政府，…：) is two paragraphs."""
    out: list[str] = []
    for paragraph in paras:
        cut = -1
        if paragraph.endswith(("：", ":")) and not is_numbered(paragraph):
            for match in re.finditer("各", paragraph):
                head = paragraph[: match.start()]
                if (
                    head
                    and _TITLE_WORDS.search(head)
                    and not re.search("[，。；,;：:]", head)
                    and SALUTATION_RE.match(paragraph[match.start() :])
                ):
                    cut = match.start()
                    break
        if cut > 0:
            out += [paragraph[:cut], paragraph[cut:]]
        else:
            out.append(paragraph)
    return out
