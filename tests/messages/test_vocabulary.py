"""One vocabulary: each icon means one thing everywhere, the reported status and the judged
progress share their words, and the role words are the same in reminders, views, the ledger
and `plan show`."""

from __future__ import annotations

from messages.i18n import get_translator
from messages.vocabulary import (
    REPORTING_ICONS,
    RETURNED_ICON,
    SIGNAL_ICONS,
    SIGNAL_NAMES,
    STATUS_ICONS,
    STATUS_NAMES,
    role_name,
)
from models.plan import ROLE_LEAD, ROLE_SUPPORT
from models.progress import PROGRESS_AT_RISK, PROGRESS_BLOCKED, PROGRESS_DONE
from reports.progress_signal import SIGNAL_BLOCKED, SIGNAL_DIFFICULT, SIGNAL_DONE

ZH = get_translator("zh_CN")
EN = get_translator("en")


def test_reporting_and_progress_never_share_an_icon():
    reporting = [*REPORTING_ICONS.values(), RETURNED_ICON]
    progress = list(SIGNAL_ICONS.values())
    assert len(set(reporting)) == len(reporting) and len(set(progress)) == len(progress)
    assert set(reporting).isdisjoint(progress)
    assert "✅" not in reporting  # ✅ is done, and only that


def test_a_reported_status_reads_like_the_progress_it_becomes():
    for status, signal in (
        (PROGRESS_DONE, SIGNAL_DONE),
        (PROGRESS_AT_RISK, SIGNAL_DIFFICULT),
        (PROGRESS_BLOCKED, SIGNAL_BLOCKED),
    ):
        assert STATUS_ICONS[status] == SIGNAL_ICONS[signal]
        assert ZH._(STATUS_NAMES[status]) == ZH._(SIGNAL_NAMES[signal])
    assert ZH._(STATUS_NAMES[PROGRESS_BLOCKED]) == "受阻"


def test_three_role_words_in_each_language():
    assert [
        role_name(ZH, ROLE_LEAD),
        role_name(ZH, ROLE_SUPPORT),
        role_name(ZH, ROLE_SUPPORT, True),
    ] == [
        "牵头",
        "配合",
        "负责",
    ]
    assert [
        role_name(EN, ROLE_LEAD),
        role_name(EN, ROLE_SUPPORT),
        role_name(EN, ROLE_SUPPORT, True),
    ] == [
        "lead",
        "support",
        "responsible",
    ]
