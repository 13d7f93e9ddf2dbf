"""The reminder text: one message under 4,096 characters, plan text escaped."""

from datetime import datetime

from coordination.duties import DepartmentTasks, TaskLine
from messages.i18n import get_translator
from messages.reminders import (
    render_nudge,
    render_overdue,
    render_reminder,
)

DUE = datetime(2026, 12, 28, 1, 0)


def test_plan_text_is_escaped():
    t = get_translator("zh_CN")
    departments = [
        DepartmentTasks(
            "<b>省水利厅</b> & Co",
            [TaskLine("（五）", "建设 <a href='x'>水利</a> & 工程", "lead", True)],
        )
    ]
    text = render_reminder(t, departments=departments, due_at=DUE, plan_title="A < B")
    assert "&lt;b&gt;省水利厅&lt;/b&gt; &amp; Co" in text
    assert "&lt;a href=&#x27;x&#x27;&gt;水利&lt;/a&gt; &amp; 工程" in text
    assert "A &lt; B" in text and "<a " not in text


def test_a_huge_reminder_is_shortened_to_one_message_keeping_every_label():
    t = get_translator("en")
    tasks = [TaskLine(f"（{i}）", "很长的措施标题" * 20, "support", False) for i in range(60)]
    departments = [DepartmentTasks(f"部门{i}", tasks) for i in range(2)]
    text = render_reminder(t, departments=departments, due_at=DUE)
    assert len(text) <= 4096
    assert text.count("（59）") == 2  # every measure is still named
    assert "How to answer" in text


def test_deadline_is_shown_in_the_locale_and_time_zone():
    zh = render_nudge(
        get_translator("zh_CN", "Asia/Shanghai"),
        departments=[DepartmentTasks("省水利厅", [TaskLine("（五）", "水利", "lead", True)])],
        due_at=DUE,
    )
    assert "2026年12月28日周一 09:00" in zh
    en = render_nudge(
        get_translator("en", "Europe/London"),
        departments=[DepartmentTasks("Water", [TaskLine("（五）", "水利", "lead", True)])],
        due_at=DUE,
    )
    assert "Mon, Dec 28, 2026 01:00" in en and "this measure has no report yet" in en


def test_overdue_digest_says_when_everyone_reported():
    text = render_overdue(get_translator("zh_CN"), departments=[], due_at=DUE, total_tasks=7)
    assert "7 项均已按时报送" in text


def test_where_only_mentions_reach_the_bot_the_reminder_asks_for_an_at_mention():
    departments = [DepartmentTasks("省水利厅", [TaskLine("（五）", "水利", "lead", True)])]
    zh = get_translator("zh_CN")
    by_reply = render_reminder(zh, departments=departments, due_at=DUE)
    by_mention = render_reminder(zh, departments=departments, due_at=DUE, answer_by_mention=True)
    assert "直接回复本条消息" in by_reply and "@我" not in by_reply
    assert "在本群 @我" in by_mention and "回复本条消息" not in by_mention
    en = render_nudge(
        get_translator("en"), departments=departments, due_at=DUE, answer_by_mention=True
    )
    assert "@ me in this group" in en and "Reply to the reminder" not in en
