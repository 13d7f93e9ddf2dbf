"""Responsibility clauses read by grammar: `（省发展改革委牵头，省工信厅等按职责分工负责）`.

A clause is cut into labelled segments (`牵头单位：`, `负责部门：` … and fields that name no
unit, `适用范围：`, `完成时限：`), parts (`，` `；`) and items (`、`). Each item is names with
role words around them: `由…牵头`, `…负责`, `…配合`, `A会同B`, `A（牵头）`, `A等有关部门`.
Who leads: an explicit 牵头 or 会同; else the first-listed note; else the units that others
help (`A负责，B配合`); else nobody, and every unit reports like a lead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from planreader.deadlines import is_time_part
from planreader.document import Clause
from planreader.names import (
    AFTER_ET_RE,
    LEVEL_START_RE,
    LEVELS_RE,
    looks_like_unit,
    split_conjunction,
)

LEAD, RESPONSIBLE, HELPER, NAMED, FOLLOWER = "lead", "responsible", "helper", "", "follower"

ROLE_LABEL_RE = re.compile(
    r"(?P<label>(?:牵头|主责|主办|主要责任|责任|负责|具体负责|实施|落实|承办|主管|完成|配合|协办|协助|"
    r"参与|协同|支持|相关)(?:单位|部门|处室|机构|科室)|牵头|配合|参与|协办)\s*[:：]"
)
FIELD_LABEL_RE = re.compile(
    r"(?P<field>适用范围|适用地区|适用区域|实施范围|完成时限|完成时间|完成期限|时间节点|时间要求|时限要求|"
    r"时限|时间安排|进度安排|时间|备注|说明|工作目标|目标任务|预期成果|成果形式|考核指标|资金来源|"
    r"责任领导|牵头领导|分管领导|包联领导|责任人|联系人)"
    r"\s*[:：]"
)
DEADLINE_FIELDS = {"完成时限", "完成时间", "完成期限", "时间节点", "时间要求", "时限要求", "时限"}
DEADLINE_FIELDS |= {"时间安排", "进度安排", "时间"}
LEAD_LABEL_WORDS = ("牵头", "主责", "主办")
HELPER_LABEL_WORDS = ("配合", "协办", "协助", "参与", "协同", "支持", "相关")

_ADVERB = r"(?:分别|共同|各自|具体|统筹|负责|按职责|依职责|积极|主要)?"
LEAD_SUFFIX_RE = re.compile(
    rf"{_ADVERB}(?:牵头(?:负责|落实|推进|实施|抓总|组织|抓好落实)?|总牵头|为牵头(?:单位|部门)|主责|主抓)$"
)
RESPONSIBLE_SUFFIX_RE = re.compile(
    r"(?:按照?|依照?|根据|依据)?(?:各自)?(?:职责|职能)?(?:分工)?"
    r"(?:分别|共同|具体|各自|切实)?(?:负责(?:落实|实施|推进|组织实施)?|抓好落实|落实|组织实施|实施|推进|承担)$"
    r"|按照?职责分工$|分工负责$"
)
HELPER_SUFFIX_RE = re.compile(
    r"(?:按照?职责|积极|共同|分别)?(?:配合(?:落实|实施)?|参与|协同|协助|协办|指导|支持|督办|督导|督促)$"
)
MARK_RE = re.compile(r"[（(](牵头|主责|配合|参与|协办|协助)[）)]$|[*＊★☆]$|^[*＊★☆]")
HUITONG = "会同"
BRACKETS_RE = re.compile(r"[（(【〔［\[]")
PART_SEPARATORS = "，,；;。"
ITEM_SEPARATORS = "、/／"
CONJUNCTION_START_RE = re.compile(r"^(以及|和|及|与|同)")

# The note that the first-listed unit leads, in whatever words: a position and a lead word.
FIRST_POSITION = (
    r"(?:第一位|第一个|第一家|第一名|(?:排名|排序|位列|排在|列在|排|列)第一|首位|首个|居首|最前|"
    r"(?:排在|列在|排|列)前面)"
)
LEAD_WORD = r"(?:牵头|主责|主办|主要负责)"
FIRST_LISTED_RE = re.compile(
    rf"{FIRST_POSITION}[^，。；,;]{{0,12}}?{LEAD_WORD}|{LEAD_WORD}(?:单位|部门)[^，。；,;]{{0,4}}"
    rf"(?:列|排|放)(?:在|于)?{FIRST_POSITION}"
)
SCOPE_RE = re.compile(r"^(?:以下|下文|后文|全文|下|后)同$|^下同$")
# A note that a unit carries every later task without being named again:
# 以下均需试点城市政府落实，不再列出.
NOT_LISTED_RE = re.compile(
    r"^(?:以下|下文|后文)?(?:均)?不再(?:一一|重复)?(?:列出|列明|列举|标注|注明)$"
)
CARRY_RE = re.compile(
    r"^(?:以下|下同|下文|后文|以后)的?(?:各项|所有|全部)?(?:任务|工作|措施|事项)?"
    r"(?:均|都|皆|也)?(?:需|须|要|应|由)?(?P<names>.+?)(?:负责)?(?:落实|实施|负责|承担)$"
)
# 各地区负责落实，以下不再列出: the units just before the note carry the later tasks.
CARRIED_PART_RE = re.compile(r"^(?P<names>.+?)(?:负责)?(?:落实|实施)$")
# 技工院校内由人力资源社会保障行政部门负责: the words before 由 qualify, they name no unit
# (自由贸易试验区 is a name).
BY_RE = re.compile(r"(?<!自)由")
REST_ROLE_RE = re.compile(
    r"^(?:其他|其余|其它)(?:单位|部门)?(?:为|是)?(?:配合|责任|参与|协办)(?:单位|部门)?$"
)


def mentions_first_listed_rule(text: str) -> bool:
    """Whether `text` says that the first-listed unit leads (列第一位者为牵头单位 …)."""
    return bool(FIRST_LISTED_RE.search(text))


@dataclass
class ClauseReading:
    """What the grammar made of a bracket's text."""

    text: str
    clause: Clause | None  # None: no unit named; names without a role word are a clause too
    has_role: bool  # a role word or label: it reads as a clause wherever it stands
    unplaced: list[str] = field(default_factory=list)  # words that are neither names nor roles
    deadline_text: str = ""  # from 完成时限：… or a time part (2022年底前完成)
    states_first_listed: bool = False
    carries: list[str] = field(default_factory=list)  # units a 不再列出 note adds from here on
    added: list[str] = field(default_factory=list)  # units an earlier such note added here

    @property
    def is_clean(self) -> bool:
        """A clause by its own words: units and role words, nothing else."""
        return self.clause is not None and self.has_role and not self.unplaced


@dataclass
class _Named:
    name: str
    role: str
    marked: str = ""  # a role written on the name itself: 省水利厅（牵头）


@dataclass
class _State:
    named: list[_Named] = field(default_factory=list)
    pending: list[_Named] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    has_role: bool = False
    deadline: str = ""

    def assign(self, role: str) -> None:
        for entry in self.pending:
            entry.role = role
        self.named += self.pending
        self.pending = []


def _strip_role(item: str) -> tuple[str, str | None]:
    """`省水利厅牵头` → (`省水利厅`, LEAD); the role word may stack: 牵头负责, 分别负责."""
    for pattern, role in (
        (LEAD_SUFFIX_RE, LEAD),
        (HELPER_SUFFIX_RE, HELPER),
        (RESPONSIBLE_SUFFIX_RE, RESPONSIBLE),
    ):
        match = pattern.search(item)
        if match:  # at 0 the item is the role word alone: it applies to the names before
            return item[: match.start()], role
    return item, None


def _names(text: str) -> tuple[list[_Named], list[str]]:
    """Names in `text` (role words already taken off), and the words that are no name."""
    names: list[_Named] = []
    unplaced: list[str] = []
    rest = text.strip()
    while rest:
        rest = CONJUNCTION_START_RE.sub("", rest).strip()
        cut = _et_position(rest)
        head, tail = (rest[:cut], rest[cut + 1 :]) if cut >= 0 else (rest, "")
        for name in split_conjunction(head):
            # 相关县(市、区)人民政府 is the same unit as 相关县（市、区）人民政府.
            name = name.replace("(", "（").replace(")", "）")
            marked = ""
            while match := MARK_RE.search(name):
                marked = LEAD if (match.group(1) or "牵头") in LEAD_LABEL_WORDS else HELPER
                name = (name[: match.start()] + name[match.end() :]).strip()
            if looks_like_unit(name):
                names.append(_Named(name, NAMED, marked))
            elif name:
                unplaced.append(name)
        if cut < 0:
            break
        # 等 then a catch-all (有关部门, 部门, 有关部门和单位): the catch-all is an item.
        if match := AFTER_ET_RE.match(tail):
            names.append(_Named(match.group(0), NAMED))
            tail = tail[match.end() :]
        rest = tail
    return names, unplaced


def _et_position(text: str) -> int:
    """Where a 等 ends a list of units (人民银行等部门), or -1 (高等院校 is a name)."""
    start = 0
    while (index := text.find("等", start)) > 0:
        head = text[:index]
        if all(looks_like_unit(n) for n in split_conjunction(head)) and looks_like_unit(
            split_conjunction(head)[-1]
        ):
            return index
        start = index + 1
    return -1


def split_outside_brackets(text: str, separators: str) -> list[str]:
    """Split on `separators` except inside brackets: 相关县（市、区）人民政府 stays whole."""
    if not BRACKETS_RE.search(text):
        return re.split("[" + re.escape(separators) + "]", text)
    pieces: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "（(【〔［[":
            depth += 1
        elif ch in "）)】〕］]" and depth:
            depth -= 1
        if ch in separators and depth == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    return pieces


def _items(part: str) -> list[str]:
    items: list[str] = []
    for item in split_outside_brackets(part, ITEM_SEPARATORS):
        # 各市、县人民政府 and 各省、自治区、直辖市人民政府: one set of governments, not three;
        # 各地区、各有关部门 are two (the next item is no level of government).
        if (
            items
            and LEVELS_RE.match(items[-1].split("、")[-1].strip())
            and LEVEL_START_RE.match(item.strip())
        ):
            items[-1] = items[-1] + "、" + item
        else:
            items.append(item)
    return items


def _read_part(part: str, state: _State) -> None:
    for item in _items(part):
        item = item.strip().strip("。.").strip()
        if not item:
            continue
        if item.startswith("由") and len(item) > 3:
            item = item[1:]
        item, role = _strip_role(item)
        if role is not None:
            state.has_role = True
        by = BY_RE.search(item)
        if by is not None and by.start() > 0 and looks_like_unit(item[by.end() :].strip()):
            state.unplaced.append(item[: by.start()])
            item = item[by.end() :]
        if HUITONG in item:
            # 国家发展改革委会同有关部门负责: the units before 会同 lead the others.
            head, tail = item.split(HUITONG, 1)
            state.has_role = True
            found, unplaced = _names(head)
            state.pending += found
            state.unplaced += unplaced
            state.assign(LEAD)
            found, unplaced = _names(tail)
            state.pending += found
            state.unplaced += unplaced
            state.assign(FOLLOWER)
            continue
        found, unplaced = _names(item)
        state.pending += found
        state.unplaced += unplaced
        if role is not None:
            state.assign(role)


def _segments(text: str) -> list[tuple[str, str, str]]:
    """(kind, label, text): kind "role" with the label's word, "field", or "" before labels."""
    marks = sorted(
        [(m.start(), m.end(), "role", m["label"]) for m in ROLE_LABEL_RE.finditer(text)]
        + [(m.start(), m.end(), "field", m["field"]) for m in FIELD_LABEL_RE.finditer(text)]
    )
    segments: list[tuple[str, str, str]] = []
    position = 0
    kind, label = "", ""
    for start, end, next_kind, next_label in marks:
        if start < position:
            continue
        segments.append((kind, label, text[position:start]))
        kind, label, position = next_kind, next_label, end
    segments.append((kind, label, text[position:]))
    return [s for s in segments if s[2].strip(PART_SEPARATORS + " ") or s[0]]


def _label_role(label: str) -> str:
    if label.startswith(LEAD_LABEL_WORDS):
        return LEAD
    if label.startswith(HELPER_LABEL_WORDS):
        return HELPER
    return RESPONSIBLE


def _drop_notes(text: str) -> tuple[str, bool, list[str]]:
    """The clause without its notes: the first-listed one (列第一位者为牵头单位，下同), and one
    that a unit carries every later task (以下均需…落实，不再列出), whose units it returns."""
    states = False
    carries: list[str] = []
    kept: list[str] = []
    for sentence in re.split(r"(?<=[。；;])", text):
        parts = split_outside_brackets(sentence, "，,")
        bare = [p.strip("。；; ") for p in parts]
        carrying = [CARRY_RE.match(p) for p in bare]
        not_listed = [i for i, p in enumerate(bare) if NOT_LISTED_RE.match(p)]
        if any(carrying) or not_listed:
            found_names: list[str] = [m["names"] for m in carrying if m is not None]
            if not found_names and not_listed and not_listed[0] > 0:
                before = CARRIED_PART_RE.match(bare[not_listed[0] - 1])
                found_names += [before["names"]] if before else []
            for written in found_names:
                found, _ = _names(written)
                carries += [n.name for n in found if n.name not in carries]
            parts = [
                p
                for p, match, b in zip(parts, carrying, bare, strict=True)
                if match is None and not NOT_LISTED_RE.match(b)
            ]
            sentence = "，".join(parts)
        if any(FIRST_LISTED_RE.search(p) for p in parts):
            states = True
            parts = [
                p
                for p in parts
                if not FIRST_LISTED_RE.search(p)
                and not SCOPE_RE.match(p.strip("。；; "))
                and not REST_ROLE_RE.match(p.strip("。；; "))
            ]
            sentence = "，".join(parts)
        kept.append(sentence)
    return "".join(kept), states, carries


def read_clause(
    text: str, *, first_listed_leads: bool = False, carried: Sequence[str] = ()
) -> ClauseReading:
    """Read the text inside a bracket (or a labelled line) as a responsibility clause.

    `carried`: units an earlier note said carry every later task; they join a clause that
    names units of its own, as responsible, after them.
    """
    body = text.strip()
    working, states, carries = _drop_notes(body)
    first_listed_leads = first_listed_leads or states
    state = _State()
    for kind, label, segment in _segments(working):
        if kind == "field":
            if label in DEADLINE_FIELDS and not state.deadline:
                state.deadline = segment.strip(PART_SEPARATORS + " ")
            continue
        if kind == "role":
            state.has_role = True
        for part in split_outside_brackets(segment, PART_SEPARATORS):
            part = part.strip()
            if not part or SCOPE_RE.match(part):
                continue
            if is_time_part(part):
                state.deadline = state.deadline or part
                continue
            _read_part(part, state)
        state.assign(_label_role(label) if kind == "role" else NAMED)
    added: list[str] = []
    if state.named:
        named = {entry.name for entry in state.named}
        for name in [*carried, *carries]:
            if name not in named:
                state.named.append(_Named(name, RESPONSIBLE))
                named.add(name)
                added += [name] if name in carried else []
    clause = _resolve(body, state.named, first_listed_leads=first_listed_leads)
    return ClauseReading(
        text=body,
        clause=clause,
        has_role=state.has_role,
        unplaced=state.unplaced,
        deadline_text=state.deadline,
        states_first_listed=states,
        carries=carries,
        added=added,
    )


def _resolve(text: str, named: list[_Named], *, first_listed_leads: bool) -> Clause | None:
    """Leads and supports from the roles of the names, each name once, in order."""
    order: list[str] = []
    roles: dict[str, set[str]] = {}
    for entry in named:
        if entry.name not in roles:
            order.append(entry.name)
            roles[entry.name] = set()
        roles[entry.name].add(entry.marked or entry.role)
    if not order:
        return None
    leads = [n for n in order if LEAD in roles[n]]
    if not leads and first_listed_leads:
        leads = order[:1]
    if not leads and any(roles[n] & {HELPER, FOLLOWER} for n in order):
        # 省财政厅负责，省水利厅配合: the units others help lead them.
        leads = [n for n in order if not roles[n] & {HELPER, FOLLOWER}]
    supports = [n for n in order if n not in leads]
    return Clause(text=text, leads=leads, supports=supports, no_lead=not leads)


def parse_clause(text: str, *, first_listed_leads: bool = False) -> Clause | None:
    """The clause inside the brackets, or None unless every word is a name or a role word."""
    reading = read_clause(text, first_listed_leads=first_listed_leads)
    return reading.clause if reading.is_clean else None
