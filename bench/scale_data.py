"""A large synthetic database for the status benchmark: plans, departments, cycles, history.

Rows go in with SQLAlchemy core `insert()` executemany in big batches; `LatestProgress`
holds exactly the newest update of every (measure, department), as the bot keeps it.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import SQLModel

from bench.figures import note, output_dir
from models.clock import utcnow

# Bump when the shape of the generated data changes, so cached files are rebuilt.
GENERATOR_VERSION = 4
BATCH = 50_000
STATUS_WEIGHTS = (("done", 3), ("in_progress", 10), ("at_risk", 2), ("blocked", 1))
SUBJECTS = (
    "发展改革",
    "财政",
    "水利",
    "交通",
    "自然资源",
    "生态环境",
    "住房城乡建设",
    "农业农村",
    "工业和信息化",
    "科技",
    "教育",
    "人力资源社会保障",
    "商务",
    "文化和旅游",
    "卫生健康",
    "应急管理",
    "市场监管",
    "林业和草原",
    "能源",
    "乡村振兴",
    "民政",
    "统计",
    "审计",
    "粮食和储备",
    "地方金融监管",
)
TEXTS = (
    "已完成年度目标任务，项目全部竣工验收",
    "正在推进，完成投资{p}%，下月开工二期",
    "推进中，已完成前期手续，正在招标",
    "资金到位滞后，进度受阻，需协调解决",
    "受阻：用地指标尚未落实，等待省里批复",
    "按计划推进，本月完成{p}%，无困难",
    "已完成调研和方案编制，进入实施阶段",
    "困难：配套资金缺口较大，正在争取专项债",
)


@dataclass(frozen=True)
class Scale:
    plans: int = 10
    measures_per_plan: int = 20
    departments: int = 100
    updates: int = 1_000_000
    cycles: int = 24
    seed: int = 36

    @property
    def measures(self) -> int:
        return self.plans * self.measures_per_plan


def schema_fingerprint() -> str:
    """Changes whenever a table or column is added, so a cached file never lags the models."""
    import models  # noqa: F401  (registers every table)

    parts = []
    for table in sorted(SQLModel.metadata.tables.values(), key=lambda t: t.name):
        parts.append(table.name + ":" + ",".join(f"{c.name} {c.type}" for c in table.columns))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def database_path(scale: Scale) -> Path:
    key = hashlib.sha256(f"{GENERATOR_VERSION}{scale}{schema_fingerprint()}".encode())
    return output_dir("status") / f"scale-{scale.updates}-{key.hexdigest()[:10]}.sqlite3"


def ensure_database(scale: Scale) -> Path:
    """The cached database for `scale`, generated first when missing."""
    path = database_path(scale)
    if path.exists():
        return path
    # Named for this process: two runs generating at once never write into one file.
    partial = path.with_suffix(f".partial-{os.getpid()}")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    generate(partial, scale)
    os.replace(partial, path)
    for stale in path.parent.glob(f"scale-{scale.updates}-*.sqlite3"):
        if stale != path:
            stale.unlink()  # built for older tables or an older generator
    for leftover in partial.parent.glob(partial.name + "-*"):
        leftover.unlink()  # the WAL and shared-memory files of the partial
    note(
        f"generated {path.name} ({scale.updates} updates) in {time.perf_counter() - started:.1f} s"
    )
    return path


def _engine(path: Path) -> Engine:
    from models.db import create_db_engine, create_schema

    engine = create_db_engine(f"sqlite:///{path}")
    create_schema(engine)
    return engine


def _insert(connection: Any, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start : start + BATCH])


def generate(path: Path, scale: Scale) -> None:
    from models.chats import Chat, ChatDepartment
    from models.plan import Assignment, Department, Measure, Plan, Section
    from models.progress import LatestProgress
    from models.schedules import Cycle, CycleTask, ReminderSchedule
    from planreader.numerals import to_chinese_numeral

    rng = random.Random(scale.seed)
    engine = _engine(path)
    now = utcnow().replace(microsecond=0)
    with engine.begin() as connection:
        connection.execute(text("PRAGMA synchronous=OFF"))
        departments = [
            {
                "id": i + 1,
                "name": f"省{SUBJECTS[i % len(SUBJECTS)]}{'厅' if i < 25 else '局'}"
                + (
                    "" if i < len(SUBJECTS) else f"第{to_chinese_numeral(i // len(SUBJECTS) + 1)}处"
                ),
                "kind": "department",
            }
            for i in range(scale.departments)
        ]
        _insert(connection, Department, departments)
        plans, sections, measures, assignments = [], [], [], []
        measure_id = 0
        for p in range(scale.plans):
            plans.append(
                {
                    "id": p + 1,
                    "doc_number": f"晋政发〔{2016 + p}〕{30 + p}号",
                    "title": f"关于支持重点区域高质量发展的若干措施（第{p + 1}批）",
                    "issuer": "山西省人民政府",
                    "is_active": True,
                    "content_hash": f"{p:064d}",
                }
            )
            per_section = 5
            for s in range(scale.measures_per_plan // per_section):
                section_id = p * 100 + s + 1
                sections.append(
                    {
                        "id": section_id,
                        "plan_id": p + 1,
                        "position": s,
                        "numeral": to_chinese_numeral(s + 1),
                        "title": f"统筹推进第{to_chinese_numeral(s + 1)}方面重点工作",
                    }
                )
                for k in range(per_section):
                    measure_id += 1
                    number = s * per_section + k + 1
                    numeral = to_chinese_numeral(number)
                    chosen = rng.sample(range(1, scale.departments + 1), rng.randint(2, 6))
                    no_lead = rng.random() < 0.15
                    leads = [] if no_lead else chosen[: rng.randint(1, 2)]
                    names = [departments[d - 1]["name"] for d in chosen]
                    measures.append(
                        {
                            "id": measure_id,
                            "plan_id": p + 1,
                            "section_id": section_id,
                            "number": number,
                            "numeral": numeral,
                            "label": f"（{numeral}）",
                            "title": f"加快推进第{numeral}项重点任务建设",
                            "body": "支持重点项目建设，完善配套政策，强化要素保障。" * 6,
                            "clause": "、".join(names[: len(leads)])
                            + ("牵头，" if leads else "")
                            + "、".join(names[len(leads) :])
                            + "按职责分工负责",
                            "position": number,
                            "is_active": True,
                        }
                    )
                    for position, department_id in enumerate(chosen):
                        assignments.append(
                            {
                                "measure_id": measure_id,
                                "department_id": department_id,
                                "role": "lead" if department_id in leads else "support",
                                "reports_as_lead": no_lead,
                                "position": position,
                            }
                        )
        _insert(connection, Plan, plans)
        _insert(connection, Section, sections)
        _insert(connection, Measure, measures)
        _insert(connection, Assignment, assignments)
        chats = [
            {
                "id": -1_002_000_000_000 - d["id"],
                "title": f"{d['name']} 督办群",
                "type": "supergroup",
                "is_active": True,
            }
            for d in departments
        ]
        chats.append(
            {
                "id": -1_002_999_999_999,
                "title": "督办协调组",
                "type": "supergroup",
                "is_active": True,
                "is_coordinators": True,
            }
        )
        _insert(connection, Chat, chats)
        _insert(
            connection,
            ChatDepartment,
            [
                {"chat_id": -1_002_000_000_000 - d["id"], "department_id": d["id"]}
                for d in departments
            ],
        )
        _insert(
            connection,
            ReminderSchedule,
            [
                {
                    "id": 1,
                    "kind": "reminder",
                    "spec": "monthly 25 09:00",
                    "cron": "0 9 25 * *",
                    "timezone": "Asia/Shanghai",
                    "due_days": 3,
                    "nudge_hours": 24,
                    "scope": "all",
                }
            ],
        )
        # Monthly cycles; the last fired two days ago and its deadline passed yesterday, so
        # /status shows every light: on time, late, overdue, at risk and blocked.
        cycles = []
        for c in range(scale.cycles):
            fire_at = now - timedelta(days=30 * (scale.cycles - 1 - c) + 2)
            cycles.append(
                {
                    "id": c + 1,
                    "key": f"s1:{fire_at.isoformat()}",
                    "schedule_id": 1,
                    "kind": "reminder",
                    "fire_at": fire_at,
                    "due_at": fire_at + timedelta(days=1),
                    "nudge_at": fire_at + timedelta(hours=12),
                    "scope": "all",
                    "overdue_digest_done": c < scale.cycles - 1,
                }
            )
        _insert(connection, Cycle, cycles)
        pairs = [
            (
                a["measure_id"],
                a["department_id"],
                a["role"],
                a["role"] == "lead" or a["reports_as_lead"],
            )
            for a in assignments
        ]
        latest, first = _insert_updates(connection, scale, rng, cycles, pairs)
        # Each task records its first report in the cycle, as the bot does when recording.
        _insert(
            connection,
            CycleTask,
            [
                {
                    "cycle_id": c["id"],
                    "measure_id": m,
                    "department_id": d,
                    "role": role,
                    "responsible": responsible,
                    "reported_at": first.get((c["id"], m, d), (None, None))[0],
                    "reported_on_time": first.get((c["id"], m, d), (None, None))[1],
                }
                for c in cycles
                for m, d, role, responsible in pairs
            ],
        )
        _insert(
            connection,
            LatestProgress,
            [{"measure_id": m, "department_id": d, **row} for (m, d), row in latest.items()],
        )
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    engine.dispose()


def _insert_updates(
    connection: Any,
    scale: Scale,
    rng: random.Random,
    cycles: list[dict[str, Any]],
    pairs: list[tuple[int, int, str, bool]],
) -> tuple[dict[tuple[int, int], dict[str, Any]], dict[tuple[int, int, int], tuple[Any, Any]]]:
    """History over past cycles, then the current cycle's replies.

    Returns the newest update per (measure, department), and the first report per (cycle,
    measure, department) as (created_at, on_time).
    """
    from models.progress import ProgressUpdate

    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    current = cycles[-1]
    # The current cycle: about 60 % report on time, 15 % late, the rest are overdue.
    current_rows: list[tuple[int, int, datetime, bool]] = []
    for m, d, _role, _responsible in pairs:
        roll = rng.random()
        if roll < 0.60:
            current_rows.append(
                (m, d, current["fire_at"] + timedelta(hours=rng.randint(1, 20)), True)
            )
        elif roll < 0.75:
            current_rows.append(
                (m, d, current["due_at"] + timedelta(hours=rng.randint(1, 20)), False)
            )
    history_count = max(0, scale.updates - len(current_rows))
    latest: dict[tuple[int, int], dict[str, Any]] = {}
    first: dict[tuple[int, int, int], tuple[Any, Any]] = {}
    batch: list[dict[str, Any]] = []
    table = ProgressUpdate.__table__  # type: ignore[attr-defined]
    update_id = 0

    def add(m: int, d: int, cycle: dict[str, Any], created_at: datetime, on_time: bool) -> None:
        nonlocal update_id
        update_id += 1
        status = statuses[update_id % len(statuses)]
        percent = (update_id * 7) % 101 if status != "done" else 100
        body = TEXTS[update_id % len(TEXTS)].format(p=percent)
        row = {
            "id": update_id,
            "measure_id": m,
            "department_id": d,
            "cycle_id": cycle["id"],
            "chat_id": -1_002_000_000_000 - d,
            "user_id": 500_000 + d,
            "user_name": f"联络员{d}",
            "text": body,
            "status": status,
            "percent": percent,
            "source_message_id": update_id,
            "created_at": created_at,
            "on_time": on_time,
        }
        batch.append(row)
        task = (cycle["id"], m, d)
        if task not in first or created_at < first[task][0]:
            first[task] = (created_at, on_time)
        known = latest.get((m, d))
        if known is None or (created_at, update_id) >= (known["updated_at"], known["update_id"]):
            latest[(m, d)] = {
                "update_id": update_id,
                "status": status,
                "percent": percent,
                "text": body,
                "user_name": row["user_name"],
                "updated_at": created_at,
                "cycle_id": cycle["id"],
                "on_time": on_time,
            }
        if len(batch) >= BATCH:
            connection.execute(insert(table), batch)
            batch.clear()

    past = cycles[:-1] or cycles
    for index in range(history_count):
        cycle = past[index * len(past) // history_count]
        m, d, _role, _responsible = pairs[rng.randrange(len(pairs))]
        hours = rng.randint(1, 24 * 6)
        created_at = cycle["fire_at"] + timedelta(hours=hours)
        add(m, d, cycle, created_at, created_at <= cycle["due_at"])
    for m, d, created_at, on_time in current_rows:
        add(m, d, current, created_at, on_time)
    if batch:
        connection.execute(insert(table), batch)
    return latest, first
