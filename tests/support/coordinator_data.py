"""A plan with several cycles of reports, built straight from the models, for the coordinators'
views: on time, late, partly reported, at risk, blocked and silent departments.

Every `ProgressUpdate` is added with its `LatestProgress` row kept up to date in the same
transaction, the way reply recording does it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from coordination.replies import mark_task_reported
from models.chats import Chat, ChatDepartment
from models.plan import (
    ROLE_LEAD,
    ROLE_SUPPORT,
    Assignment,
    Department,
    DepartmentAlias,
    Measure,
    Plan,
    Section,
)
from models.progress import (
    PROGRESS_AT_RISK,
    PROGRESS_BLOCKED,
    PROGRESS_DONE,
    PROGRESS_IN_PROGRESS,
    LatestProgress,
    ProgressUpdate,
)
from models.schedules import Cycle, CycleTask
from planreader.aliases import generate_aliases

# Wall clock of the sample: 2 days and 19 hours after the current cycle's deadline.
NOW = datetime(2026, 11, 20, 4, 0)
NASTY = "科创<b>中心</b>&</a>"  # a department name that must be escaped

DEV = "省发展改革委"
TELECOM = "省通信管理局"
INDUSTRY = "省工信厅"
TRANSPORT = "省交通运输厅"
WATER = "省水利厅"
LAND = "省自然资源厅"
ENERGY = "省能源局"
CULTURE = "省文化和旅游厅"


@dataclass
class Sample:
    plan_id: int
    departments: dict[str, int] = field(default_factory=dict)
    measures: dict[int, int] = field(default_factory=dict)  # number → id
    cycles: list[int] = field(default_factory=list)  # oldest first; the last one is current


class _Counter:
    def __init__(self) -> None:
        self.value = 5000

    def __call__(self) -> int:
        self.value += 1
        return self.value


# number, numeral, section position, title, [(department, role, reports_as_lead)]
MEASURES: list[tuple[int, str, int, str, list[tuple[str, str, bool]]]] = [
    (
        3,
        "三",
        2,
        "加强新型基础设施建设",
        [(DEV, ROLE_LEAD, False), (TELECOM, ROLE_SUPPORT, False), (INDUSTRY, ROLE_SUPPORT, False)],
    ),
    (
        4,
        "四",
        2,
        "完善现代综合交通网络",
        [(TRANSPORT, ROLE_LEAD, False), (DEV, ROLE_SUPPORT, False)],
    ),
    (5, "五", 3, "加强水利基础设施建设", [(WATER, ROLE_LEAD, False), (LAND, ROLE_SUPPORT, False)]),
    (6, "六", 3, "推动能源绿色低碳发展", [(ENERGY, ROLE_LEAD, True), (LAND, ROLE_LEAD, True)]),
    (7, "七", 4, "传承弘扬太行精神", [(CULTURE, ROLE_LEAD, False)]),
    (8, "八", 4, "推动科技创新", [(NASTY, ROLE_LEAD, False)]),
]
SECTIONS = {
    2: ("二", "统筹“新”“老”基础设施建设"),
    3: ("三", "推动绿色转型发展"),
    4: ("四", "繁荣红色文化"),
}


def add_update(
    session: Session,
    *,
    measure_id: int,
    department_id: int,
    cycle: Cycle | None,
    at: datetime,
    text: str,
    status: str = PROGRESS_IN_PROGRESS,
    percent: int | None = None,
    user_name: str = "联络员",
    chat_id: int = -100_001,
    message_id: int,
) -> ProgressUpdate:
    """One update and the latest-progress row of its (measure, department)."""
    update = ProgressUpdate(
        measure_id=measure_id,
        department_id=department_id,
        cycle_id=cycle.id if cycle else None,
        chat_id=chat_id,
        user_id=2001,
        user_name=user_name,
        text=text,
        status=status,
        percent=percent,
        source_message_id=message_id,
        created_at=at,
        on_time=(at <= cycle.due_at) if cycle else None,
    )
    session.add(update)
    session.flush()
    if cycle is not None:
        mark_task_reported(session, update)
    latest = session.exec(
        select(LatestProgress).where(
            LatestProgress.measure_id == measure_id, LatestProgress.department_id == department_id
        )
    ).first()
    if latest is None:
        latest = LatestProgress(
            measure_id=measure_id, department_id=department_id, update_id=0, status=status
        )
    if latest.update_id == 0 or at >= latest.updated_at:
        assert update.id is not None
        latest.update_id = update.id
        latest.status = status
        latest.percent = percent
        latest.text = text
        latest.user_name = user_name
        latest.updated_at = at
        latest.cycle_id = update.cycle_id
        latest.on_time = update.on_time
        session.add(latest)
    return update


def add_cycle(
    session: Session,
    plan_measures: dict[int, int],
    assignments: list[Assignment],
    *,
    fire_at: datetime,
    key: str,
) -> Cycle:
    """A cycle asking every assigned department, with one task per assignment."""
    cycle = Cycle(key=key, fire_at=fire_at, due_at=fire_at + timedelta(days=3, hours=8))
    session.add(cycle)
    session.flush()
    for a in assignments:
        session.add(
            CycleTask(
                cycle_id=cycle.id,
                measure_id=a.measure_id,
                department_id=a.department_id,
                role=a.role,
                responsible=a.role == ROLE_LEAD or a.reports_as_lead,
            )
        )
    session.flush()
    return cycle


def build_sample(session: Session, *, extra_measures: int = 0, history: int = 0) -> Sample:
    """The plan, three cycles, and their reports; see the module docstring."""
    plan = Plan(
        doc_number="晋政发〔2021〕36号", title="关于新时代支持山西太行革命老区振兴发展的实施意见"
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    sample = Sample(plan_id=plan.id)
    next_message = _Counter()
    sections: dict[int, Section] = {}
    for position, (numeral, title) in SECTIONS.items():
        sections[position] = Section(
            plan_id=plan.id, position=position, numeral=numeral, title=title
        )
        session.add(sections[position])
    session.flush()

    aliases: set[str] = set()

    def department(name: str) -> int:
        if name not in sample.departments:
            dept = Department(name=name)
            session.add(dept)
            session.flush()
            assert dept.id is not None
            sample.departments[name] = dept.id
            for alias in generate_aliases(name):
                if alias != name and alias not in aliases:
                    aliases.add(alias)
                    session.add(DepartmentAlias(department_id=dept.id, alias=alias))
        return sample.departments[name]

    assignments: list[Assignment] = []
    rows = list(MEASURES)
    for extra in range(extra_measures):
        number = 9 + extra
        rows.append(
            (
                number,
                str(number),
                4,
                f"扩展措施第{number}项：推进革命老区重点项目建设与服务保障",
                [
                    (
                        f"{['长治', '晋城', '阳泉', '晋中'][extra % 4]}市人民政府第{extra}工作专班",
                        ROLE_LEAD,
                        False,
                    )
                ],
            )
        )
    for position, (number, numeral, section, title, who) in enumerate(rows):
        measure = Measure(
            plan_id=plan.id,
            section_id=sections[section].id,
            number=number,
            numeral=numeral,
            label=f"（{numeral}）",
            title=title,
            body=title + "。",
            position=position,
        )
        session.add(measure)
        session.flush()
        assert measure.id is not None
        sample.measures[number] = measure.id
        for index, (name, role, as_lead) in enumerate(who):
            assignment = Assignment(
                measure_id=measure.id,
                department_id=department(name),
                role=role,
                reports_as_lead=as_lead,
                position=index,
            )
            session.add(assignment)
            assignments.append(assignment)
    session.flush()

    m, d = sample.measures, sample.departments
    fires = [datetime(2026, 9, 25, 1), datetime(2026, 10, 25, 1), datetime(2026, 11, 15, 1)]
    cycles = [
        add_cycle(session, m, assignments, fire_at=f, key=f"s1:{f.isoformat()}") for f in fires
    ]
    sample.cycles = [c.id for c in cycles if c.id is not None]
    first, second, current = cycles

    def report(
        number: int,
        name: str,
        cycle: Cycle | None,
        at: datetime,
        text: str,
        status: str = PROGRESS_IN_PROGRESS,
        percent: int | None = None,
        user: str = "联络员",
    ) -> None:
        add_update(
            session,
            measure_id=m[number],
            department_id=d[name],
            cycle=cycle,
            at=at,
            text=text,
            status=status,
            percent=percent,
            user_name=user,
            message_id=next_message(),
        )

    # Cycle 1: everyone who leads reports on time.
    for number, _n, _s, _t, who in MEASURES:
        for name, role, as_lead in who:
            if role == ROLE_LEAD or as_lead:
                report(
                    number,
                    name,
                    first,
                    first.fire_at + timedelta(days=1),
                    f"{name}九月进展：按计划推进。",
                    percent=30,
                )
    # Cycle 2: transport late, water on time, culture silent.
    report(
        3, DEV, second, second.fire_at + timedelta(hours=5), "十月：完成5G基站选址。", percent=50
    )
    report(
        4,
        TRANSPORT,
        second,
        second.due_at + timedelta(days=2),
        "十月：铁路前期工作推进。",
        percent=35,
    )
    report(5, WATER, second, second.fire_at + timedelta(days=1), "十月：水库开工。", percent=40)

    # Cycle 3 (current): the states the views must show.
    c = current
    report(
        3,
        DEV,
        c,
        c.fire_at + timedelta(hours=3),
        "<b>已完成</b> & 光纤 </a> 覆盖全部行政村",
        PROGRESS_DONE,
        100,
        user="王<b>伟</b>",
    )
    report(3, TELECOM, c, c.fire_at + timedelta(hours=6), "配合完成4G覆盖。", percent=90)
    report(4, TRANSPORT, c, c.due_at + timedelta(days=1), "雄忻高铁可研报告已批复。", percent=55)
    report(
        5,
        WATER,
        c,
        c.fire_at + timedelta(days=1),
        "征地受阻，可能延期。",
        PROGRESS_AT_RISK,
        45,
        user="张水利",
    )
    report(6, ENERGY, c, c.fire_at + timedelta(days=2), "光伏项目并网。", percent=70)
    report(
        7, CULTURE, c, c.fire_at + timedelta(days=1), "资金未到位，工作停滞。", PROGRESS_BLOCKED, 10
    )
    # (六) 省自然资源厅 and (八) the nasty department stay silent; 省工信厅 too (supporting).
    for extra in range(extra_measures):
        number = 9 + extra
        name = rows[len(MEASURES) + extra][4][0][0]
        if extra % 3:
            report(
                number,
                name,
                c,
                c.fire_at + timedelta(hours=extra),
                "重点项目按月推进，资金到位率达到百分之八十。",
                percent=80,
            )

    # A long history of (三) for 省发展改革委, one per day before the cycles.
    for day in range(history):
        report(
            3,
            DEV,
            None,
            datetime(2026, 1, 1, 2) + timedelta(days=day),
            f"第{day + 1}次日常进展：推进光纤宽带和4G网络覆盖，完成年度计划的一部分，"
            f"并组织专题调度会议研究解决有关问题。编号 {day + 1:04d} 结束。",
            percent=day % 100,
        )

    # Chats: a coordinators' chat and a department group.
    session.add(Chat(id=-100_900, title="督办协调组", is_coordinators=True))
    session.add(Chat(id=-100_001, title="省水利厅 督办群"))
    session.add(ChatDepartment(chat_id=-100_001, department_id=d[WATER]))
    session.add(Chat(id=-100_777, title="闲聊群"))
    session.flush()
    return sample
