"""Responsibility clauses: `（省发展改革委牵头，省通信管理局、省工信厅按职责分工负责）`.

Departments before 牵头 lead; those after it up to 按职责分工负责 / 配合 / 负责 support.
A clause with no 牵头 names no lead and every department reports like a lead, unless the
document said that the first-listed unit leads (`列第一位者为牵头单位`). Also read:
`牵头单位：…；责任单位：…`, `…牵头，…配合`, lists ending in `等负责` / `等有关部门负责`.
"""

from __future__ import annotations

import re

from planreader.document import Clause

# Where the name of a unit may end: 省水利厅, 省委宣传部, 人行太原中心支行, 国网…公司.
ORG_SUFFIXES = tuple(
    "委 厅 局 部 办 院 会 行 府 门 位 司 所 处 室 社 馆 署 队 站 组 中心 公司 集团 企业 机构 高校 "
    "学校 大学 军区 海关 法院 检察院 政府 关 党委 团 联 区 县 市 省 旗 盟 州 镇 乡 街道".split()
)
# Words that end like a unit but stand for no unit on their own (有关部门和单位 is one entry).
BARE_WORDS = {"单位", "部门", "企业", "机构", "地区", "市", "县", "区", "省"}

FIRST_LISTED_RE = re.compile(r"(列|排)(在)?(第一位|首位)(者|的)?(单位)?为牵头单位|第一位为牵头")
LABELLED_RE = re.compile(
    r"(?P<label>牵头单位|牵头部门|责任单位|责任部门|配合单位|配合部门|参与单位|参与部门|"
    r"协同单位|协办单位|主办单位|承办单位)\s*[:：]"
)
LEAD_LABELS = {"牵头单位", "牵头部门", "主办单位"}
LEAD_VERB_RE = re.compile(r"(分别|共同)?(牵头(负责|落实|推进)?|为牵头单位)$")
SUPPORT_VERB_RE = re.compile(
    r"(按照?职责(分工)?(负责|落实|抓好落实)|分工负责|共同负责|分别负责|依职责负责|负责落实|负责|"
    r"配合(落实)?|参与|协同|协助|落实|推进|实施)$"
)
HELPER_VERBS = ("配合", "参与", "协同", "协助")
TRAILING_ET_RE = re.compile(r"等(其他|其它)?(有关|相关)?(部门|单位|机构|方面)*$")
CLAUSE_WORD_RE = re.compile(r"牵头|负责|配合|参与|协同|协助|落实|责任单位|责任部门")
HELPER_MARK_RE = re.compile(r"[（(](配合|参与|协助|协办)[）)]$")
INLINE_LEAD_RE = re.compile(r"[（(]牵头[）)]")
NAME_SEPARATORS = "、，,；;/"
PART_SEPARATORS = "，,；;"
CONJUNCTIONS = ("以及", "和", "及", "与")


def looks_like_unit(name: str) -> bool:
    """Whether `name` reads like the name of a unit (so 由政府负责人 is not one)."""
    if len(name) < 2 or name in BARE_WORDS:
        return False
    if re.search(r"[。！？“”《》]", name) or len(name) > 40:
        return False
    if name.startswith(("由", "要", "并", "应", "在", "对", "将", "把")):
        return False
    return name.endswith(ORG_SUFFIXES)


def split_outside_brackets(text: str, separators: str) -> list[str]:
    """Split on `separators` except inside brackets: 相关县（市、区）人民政府 stays whole."""
    pieces: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
        if ch in separators and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += ch
    pieces.append(current)
    return pieces


def split_conjunction(name: str) -> list[str]:
    """省粮食和储备局 stays whole; 省发展改革委和相关市人民政府 is two units."""
    for word in CONJUNCTIONS:
        start = 1
        while (index := name.find(word, start)) > 0:
            left, right = name[:index], name[index + len(word) :]
            if looks_like_unit(left) and looks_like_unit(right) and len(right) >= 3:
                return [left, *split_conjunction(right)]
            start = index + 1
    return [name]


def split_names(text: str) -> list[str]:
    """A list of units as written: split on 、，和 及 without breaking names that contain them."""
    names: list[str] = []
    for piece in split_outside_brackets(text, NAME_SEPARATORS):
        piece = piece.strip().strip("。.").strip()
        if not piece:
            continue
        if piece.startswith("由") and len(piece) > 3:
            piece = piece[1:]  # （由省水利厅牵头）
        for name in split_conjunction(piece):
            name = TRAILING_ET_RE.sub("", HELPER_MARK_RE.sub("", name)).strip()
            if name and name not in names:
                names.append(name)
    return names


def _strip_verb(part: str) -> tuple[str, str]:
    """`省水利厅牵头` → (`省水利厅`, "lead"); `…按职责分工负责` → (…, "support")."""
    part = part.strip().rstrip("。.")
    match = LEAD_VERB_RE.search(part)
    if match and match.start() > 0:
        return part[: match.start()], "lead"
    match = SUPPORT_VERB_RE.search(part)
    if match and match.start() > 0:
        verb = match.group(0)
        return part[: match.start()], "helper" if verb.startswith(HELPER_VERBS) else "support"
    return part, ""


def parse_clause(text: str, *, first_listed_leads: bool = False) -> Clause | None:
    """The clause inside the brackets, or None when `text` names no units (not a clause)."""
    body = text.strip()
    if not CLAUSE_WORD_RE.search(body):
        return None
    sentences = [s for s in re.split(r"[。.]", body) if s.strip()]
    kept = [s for s in sentences if not FIRST_LISTED_RE.search(s) and s.strip() != "下同"]
    if FIRST_LISTED_RE.search(body):
        first_listed_leads = True
    working = "；".join(kept)
    if not working:
        return None
    leads: list[str] = []
    supports: list[str] = []
    explicit_lead = False
    if LABELLED_RE.search(working):
        # 牵头单位：A、B；责任单位：C、D
        parts = LABELLED_RE.split(working)
        index = 1
        while index + 1 < len(parts):
            label, names = parts[index], parts[index + 1]
            found = split_names(names)
            if label in LEAD_LABELS:
                explicit_lead = True
                leads += [n for n in found if n not in leads]
            else:
                supports += [n for n in found if n not in supports and n not in leads]
            index += 2
        if not explicit_lead and not first_listed_leads:
            # 责任单位：A（牵头）、B
            leads = [n for n in supports if INLINE_LEAD_RE.search(n)]
    else:
        pending: list[str] = []
        parts_roles: list[tuple[list[str], str]] = []
        for part in split_outside_brackets(working, PART_SEPARATORS):
            part = part.strip()
            if not part:
                continue
            if "会同" in part:
                # 国家发展改革委会同有关部门负责: the unit before 会同 leads the others.
                head, part = part.split("会同", 1)
                parts_roles.append((pending + split_names(head), "lead"))
                pending = []
            names_text, role = _strip_verb(part)
            pending += split_names(names_text)
            if role:
                parts_roles.append((pending, role))
                pending = []
        if pending:
            parts_roles.append((pending, ""))
        explicit_lead = any(role == "lead" for _, role in parts_roles)
        has_helpers = any(role == "helper" for _, role in parts_roles)
        for names, role in parts_roles:
            # …负责，…配合: the unit that is responsible leads those that help.
            leading = role == "lead" or (
                not explicit_lead and has_helpers and role in {"support", ""}
            )
            target = leads if leading else supports
            target += [n for n in names if n not in leads and n not in supports]
        explicit_lead = explicit_lead or bool(leads)
    leads = [INLINE_LEAD_RE.sub("", n) for n in leads]
    supports = [n for n in (INLINE_LEAD_RE.sub("", s) for s in supports) if n not in leads]
    every = leads + supports
    if not every or not all(looks_like_unit(n) for n in every):
        return None
    if not explicit_lead and first_listed_leads:
        leads, supports = every[:1], every[1:]
        explicit_lead = True
    return Clause(text=body, leads=leads, supports=supports, no_lead=not leads)


def mentions_first_listed_rule(text: str) -> bool:
    return bool(FIRST_LISTED_RE.search(text))
