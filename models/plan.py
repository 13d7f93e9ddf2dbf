"""Tables for what a plan document says: measures, departments and who leads what."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.clock import utcnow

ROLE_LEAD = "lead"
ROLE_SUPPORT = "support"

KIND_DEPARTMENT = "department"  # one real unit, e.g. 省水利厅
KIND_GROUP = "group"  # a named set of units, e.g. 相关市人民政府 (members may be empty)


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    doc_number: str = Field(index=True, unique=True, max_length=100)
    title: str = Field(max_length=500)
    issuer: str = Field(default="", max_length=200)
    issued_on: date | None = None
    source_name: str = Field(default="", max_length=300)
    # sha256 of the normalised text: re-importing an identical document changes nothing.
    content_hash: str = Field(default="", max_length=64)
    imported_at: datetime = Field(default_factory=utcnow)
    is_active: bool = True


class Section(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    position: int
    numeral: str = Field(max_length=20)  # "二"
    title: str = Field(max_length=500)  # "统筹“新”“老”基础设施建设，扎实推进老区振兴发展"


class Measure(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    section_id: int | None = Field(default=None, foreign_key="section.id")
    number: int  # 3 for （三）; sequential within the plan
    numeral: str = Field(max_length=20)  # "三", or "3" for measures numbered 1. 2. …
    label: str = Field(max_length=30)  # how users see it: "（三）"
    title: str = Field(max_length=500)
    body: str
    clause: str = Field(default="")  # the responsibility clause as written, may be empty
    position: int = 0
    # False when a revised import removed it; progress stays attached for the record.
    is_active: bool = True
    deadline: date | None = None  # the due date the plan sets (2022年底前 → 2022-12-31)
    deadline_text: str | None = Field(default=None, max_length=200)  # as written: 长期坚持
    # Why the reading may be wrong, as JSON: [{"code": code, "params": {…}}]; "[]" if sure.
    doubts: str = Field(default="[]")


class MeasureCorrection(SQLModel, table=True):
    """An admin's correction of who leads and supports a measure, or of its deadline.

    It outlives a re-import: a revision of the plan keeps it for the measure it continues,
    and `reading_*` hold what the reader made of the document, to go back to on a reset.
    """

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", unique=True)
    sets_departments: bool = True
    lead_ids: str = Field(default="[]")  # JSON lists of department ids, in order
    support_ids: str = Field(default="[]")
    sets_deadline: bool = False
    deadline: date | None = None
    deadline_text: str | None = Field(default=None, max_length=200)
    reading_lead_ids: str = Field(default="[]")
    reading_support_ids: str = Field(default="[]")
    reading_deadline: date | None = None
    reading_deadline_text: str | None = Field(default=None, max_length=200)
    # The document's clause when corrected: a revision that changes it is pointed out.
    clause_seen: str = Field(default="")
    source: str = Field(default="telegram", max_length=20)  # "telegram" or "sheet"
    corrected_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    corrected_at: datetime = Field(default_factory=utcnow)


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    kind: str = Field(default=KIND_DEPARTMENT, max_length=20)


class DepartmentAlias(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    alias: str = Field(index=True, unique=True, max_length=200)


class DepartmentMember(SQLModel, table=True):
    """Membership of a department group (相关市人民政府 → 长治市人民政府, …)."""

    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="department.id", index=True)
    member_id: int = Field(foreign_key="department.id")


class Assignment(SQLModel, table=True):
    """Department D leads or supports measure M."""

    __table_args__ = (UniqueConstraint("measure_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    role: str = Field(max_length=10)  # ROLE_LEAD or ROLE_SUPPORT
    # A clause with no 牵头: every named department reports like a lead.
    reports_as_lead: bool = False
    position: int = 0


class Region(SQLModel, table=True):
    """A county of the plan's attachment, with its city."""

    __table_args__ = (UniqueConstraint("plan_id", "city", "county"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    city: str = Field(max_length=100)
    county: str = Field(max_length=100)
    position: int = 0
