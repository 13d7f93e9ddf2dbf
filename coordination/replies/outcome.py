"""What comes in (a liaison's message, as the handler read it) and what comes out (the
records made, the question to ask, or why nothing was recorded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from reports.progress_signal import NO_PROGRESS, Progress

# Spaces and the characters that show nothing: zero-width ones, joiners, direction marks,
# the Hangul fillers clients accept as "text".
_BLANK = re.compile(
    "[\\s\u00ad\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u206a-\u206f\u3164\ufeff\uffa0]*"
)


def is_blank(text: str) -> bool:
    """Nothing a reader could see: empty, spaces, or invisible characters only."""
    return _BLANK.fullmatch(text) is not None


@dataclass(frozen=True)
class IncomingReply:
    """A liaison's message: who sent it where and when, its text and its file."""

    chat_id: int
    user_id: int | None
    user_name: str
    text: str
    message_id: int
    sent_at: datetime  # naive UTC, as Telegram dated it
    reply_to_message_id: int | None = None
    file_id: str | None = None
    file_kind: str | None = None  # photo, document, video, voice or audio
    edited_at: datetime | None = None  # an edit: when it was edited

    @property
    def empty(self) -> bool:
        """No visible text and no file: nothing to record."""
        return self.file_id is None and is_blank(self.text)


@dataclass(frozen=True)
class MeasureRef:
    measure_id: int
    number: int
    label: str
    title: str
    deadline: date | None = None  # what its progress is judged against
    start: date | None = None  # the plan's date, where 序时进度 counts from


@dataclass(frozen=True)
class RecordView:
    """What an acknowledgement repeats about one record."""

    update_id: int
    measure: MeasureRef
    department_name: str
    status: str
    percent: int | None
    on_time: bool | None
    in_cycle: bool
    progress: Progress = NO_PROGRESS  # as /status judges it: behind schedule shows here too


class Outcome(StrEnum):
    IGNORED = "ignored"  # not a chat bound to a department
    RECORDED = "recorded"
    UPDATED = "updated"  # an edit (or a status button) changed existing records
    UNCHANGED = "unchanged"  # an edit or a correction that changes nothing
    DUPLICATE = "duplicate"  # the same message again (a re-delivered update)
    ASK = "ask"  # no marker and several candidates: ask with buttons
    UNKNOWN = "unknown"  # only measures this chat does not have
    NO_MEASURES = "no_measures"  # the chat's departments have nothing to report on
    EMPTY = "empty"  # only spaces or invisible characters, no file: nothing to record
    REFUSED = "refused"  # a button that does not belong here (other chat, stale, forged)
    RESOLVED = "resolved"  # a button of a question that was answered already

    @property
    def silent(self) -> bool:
        """A message with this outcome gets no answer: nothing new to say."""
        return self in (Outcome.IGNORED, Outcome.DUPLICATE, Outcome.UNCHANGED)


@dataclass(frozen=True)
class ReplyOutcome:
    kind: Outcome
    records: list[RecordView] = field(default_factory=list)
    # Labels of measures the reply named that this chat does not have.
    unknown_labels: list[str] = field(default_factory=list)
    chat_measures: list[MeasureRef] = field(default_factory=list)
    choices: list[MeasureRef] = field(default_factory=list)
    pending_id: int | None = None
