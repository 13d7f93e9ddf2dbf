"""Replies turned into progress: a liaison's message → one `ProgressUpdate` per (measure,
department), by concern: `scope` (what a chat may report on), `attribution` (the cycle of a
report that answers no message), `write` (the records),
`record` (replies, edits, /report) and `buttons` (which measure, a corrected status).
"""

from coordination.replies.attribution import Attribution, attribute_report
from coordination.replies.buttons import (
    Choice,
    StatusChoice,
    ack_records_of_update,
    choice_payload,
    correct_status,
    read_choice,
    read_status_choice,
    resolve_pending,
    set_prompt_message,
    status_payload,
)
from coordination.replies.outcome import (
    IncomingReply,
    MeasureRef,
    Outcome,
    RecordView,
    ReplyOutcome,
)
from coordination.replies.record import chat_measures, record_edit, record_reply, record_report
from coordination.replies.write import mark_task_reported

__all__ = [
    "Attribution",
    "Choice",
    "IncomingReply",
    "MeasureRef",
    "Outcome",
    "RecordView",
    "ReplyOutcome",
    "StatusChoice",
    "ack_records_of_update",
    "attribute_report",
    "chat_measures",
    "choice_payload",
    "correct_status",
    "mark_task_reported",
    "read_choice",
    "read_status_choice",
    "record_edit",
    "record_reply",
    "record_report",
    "resolve_pending",
    "set_prompt_message",
    "status_payload",
]
