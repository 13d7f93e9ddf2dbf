"""SQLModel tables and the engine/session helpers.

Tables are grouped by what they hold: the plan (`plan.py`), chats and roles (`chats.py`),
schedules, cycles and the delivery outbox (`schedules.py`), progress (`progress.py`), the
office's review (`review.py`), the web dashboard's links and sessions (`web.py`), the inbox of
updates received (`inbox.py`), the version numbers of cached data (`versions.py`), and the
numbers of chats and people whose platform ids are text (`addresses.py`).
"""

# First: naming and timestamp conventions apply only to tables defined after them.
import models.conventions  # noqa: F401
from models.addresses import PlatformAddress
from models.chats import Chat, ChatDepartment, StrangerAnswer, UserRole
from models.clock import utcnow
from models.db import Database, create_db_engine
from models.inbox import InboxUpdate
from models.pace import SendPace
from models.plan import (
    Assignment,
    Department,
    DepartmentAlias,
    DepartmentMember,
    Measure,
    MeasureCorrection,
    Plan,
    Region,
    Section,
)
from models.progress import LatestProgress, PendingReply, ProgressRevision, ProgressUpdate
from models.review import MeasureClosure, ReviewAction
from models.schedules import Cycle, CycleTask, Delivery, ReminderSchedule
from models.versions import DataVersion
from models.web import KioskLink, WebLoginLink, WebSession

__all__ = [
    "Assignment",
    "Chat",
    "ChatDepartment",
    "Cycle",
    "CycleTask",
    "DataVersion",
    "Database",
    "Delivery",
    "Department",
    "DepartmentAlias",
    "DepartmentMember",
    "InboxUpdate",
    "KioskLink",
    "LatestProgress",
    "Measure",
    "MeasureClosure",
    "MeasureCorrection",
    "PendingReply",
    "Plan",
    "PlatformAddress",
    "ProgressRevision",
    "ProgressUpdate",
    "Region",
    "ReminderSchedule",
    "ReviewAction",
    "Section",
    "SendPace",
    "StrangerAnswer",
    "UserRole",
    "WebLoginLink",
    "WebSession",
    "create_db_engine",
    "utcnow",
]
