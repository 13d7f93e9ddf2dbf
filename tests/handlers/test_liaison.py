"""Liaisons reply to the bot in their department's group and their replies become records.

The real Application processes update JSON; Bot API calls are caught below the Bot.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from models.chats import Chat
from models.plan import Department
from models.progress import ProgressUpdate
from tests.conftest import (
    ADMIN,
    DEV_GROUP,
    ENERGY_GROUP,
    LIAISON_DEV,
    LIAISON_ENERGY,
    LIAISON_WATER,
    STRANGER,
    UNBOUND_GROUP,
    WATER_GROUP,
)
from tests.support.harness import BotHarness
from tests.support.liaison_data import bind, counts, make_cycle, summary

REMINDER = {WATER_GROUP.id: 501, DEV_GROUP.id: 502, ENERGY_GROUP.id: 503}


def setup_chats(session: Session, *, scope: str = "all") -> None:
    bind(session, WATER_GROUP.id, "省水利厅")
    bind(session, DEV_GROUP.id, "省发展改革委")
    bind(session, ENERGY_GROUP.id, "省能源局", "省自然资源厅")
    make_cycle(session, deliveries=REMINDER, scope=scope)


@pytest.fixture
async def bot(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as harness:
        harness.db.call(setup_chats)
        harness.request.clear()
        yield harness


def records(bot: BotHarness, chat_id: int | None = None) -> list[tuple[int, str, str, str]]:
    with bot.db.session() as session:
        return summary(session, chat_id)


def db_counts(bot: BotHarness) -> tuple[int, int, int, int]:
    with bot.db.session() as session:
        return counts(session)


def calls_since(bot: BotHarness, mark: int, method: str | None = None) -> list[Any]:
    return [c for c in bot.request.calls[mark:] if method is None or c.method == method]


def callback_data(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def reply(
    bot: BotHarness, chat, user, text: str | None, *, to: int | None = None, **kwargs
) -> dict[str, Any]:
    update = bot.updates.message(
        chat, user, text, reply_to=REMINDER.get(chat.id, 1) if to is None else to, **kwargs
    )
    await bot.send(update)
    return update


async def test_a_reply_naming_two_measures_is_recorded_and_acknowledged(bot):
    update = await reply(
        bot, WATER_GROUP, LIAISON_WATER, "（五）主体工程已完成。（十七）推进中，完成60%"
    )
    assert records(bot) == [
        (5, "省水利厅", "done", "主体工程已完成"),
        (17, "省水利厅", "in_progress", "推进中，完成60%"),
    ]
    (ack,) = bot.request.sent("sendMessage", WATER_GROUP.id)
    # The acknowledgement answers the liaison's message and repeats what was understood.
    assert ack.params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert "（五）建设安全高效水利工程" in ack.text
    assert "（十七）" in ack.text and "省水利厅" in ack.text
    assert "已完成" in ack.text and "推进中" in ack.text and "60%" in ack.text
    data = callback_data(ack)
    assert len(data) == 8 and all(d.startswith("ls:") for d in data)
    assert all(len(d.encode()) <= 64 for d in data)


async def test_the_chat_of_two_departments_records_for_each_that_holds_the_measure(bot):
    await reply(bot, ENERGY_GROUP, LIAISON_ENERGY, "（六）推进中；（十四）受阻于征地")
    assert [r[:3] for r in records(bot)] == [
        (6, "省能源局", "in_progress"),
        (6, "省自然资源厅", "in_progress"),
        (14, "省自然资源厅", "at_risk"),
    ]
    (ack,) = bot.request.sent("sendMessage", ENERGY_GROUP.id)
    assert "省能源局" in ack.text and "省自然资源厅" in ack.text


async def test_no_marker_and_several_measures_asks_then_records_on_the_press(bot):
    update = await reply(bot, WATER_GROUP, LIAISON_WATER, "本月完成投资80%")
    assert records(bot) == []
    (prompt,) = bot.request.sent("sendMessage", WATER_GROUP.id)
    assert "（五）" in prompt.text and "（十七）" in prompt.text
    assert prompt.params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    data = callback_data(prompt)
    assert data[-1].endswith(":a") and len(data) == 3
    prompt_id = prompt.params["_result"]["message_id"]

    mark = len(bot.request.calls)
    await bot.send(
        bot.updates.callback_query(WATER_GROUP, LIAISON_WATER, data[0], message_id=prompt_id)
    )
    assert records(bot) == [(5, "省水利厅", "in_progress", "本月完成投资80%")]
    (edited,) = calls_since(bot, mark, "editMessageText")
    assert edited.params["message_id"] == prompt_id
    assert "已记录" in edited.text and "80%" in edited.text
    assert all(d.startswith("ls:") for d in callback_data(edited))

    # A second press (or another button of the same question) records nothing more.
    mark = len(bot.request.calls)
    await bot.send(
        bot.updates.callback_query(WATER_GROUP, LIAISON_WATER, data[-1], message_id=prompt_id)
    )
    (alert,) = calls_since(bot, mark, "answerCallbackQuery")
    assert alert.params["show_alert"] is True and "已经回答" in alert.params["text"]
    assert len(records(bot)) == 1


async def test_all_records_the_waiting_reply_for_every_measure(bot):
    await reply(bot, WATER_GROUP, LIAISON_WATER, "均在有序推进")
    prompt = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    await bot.send(
        bot.updates.callback_query(
            WATER_GROUP,
            LIAISON_WATER,
            callback_data(prompt)[-1],
            message_id=prompt.params["_result"]["message_id"],
        )
    )
    assert [r[:3] for r in records(bot)] == [
        (5, "省水利厅", "in_progress"),
        (17, "省水利厅", "in_progress"),
    ]


@pytest.mark.parametrize("where", ["other chat", "other message", "made up", "malformed"])
async def test_a_forged_or_misplaced_choice_button_records_nothing(bot, where):
    await reply(bot, WATER_GROUP, LIAISON_WATER, "推进中")
    prompt = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    data = callback_data(prompt)[0]
    prompt_id = prompt.params["_result"]["message_id"]
    chat, user, message_id = WATER_GROUP, LIAISON_WATER, prompt_id
    if where == "other chat":
        chat, user = DEV_GROUP, LIAISON_DEV
    elif where == "other message":
        message_id = prompt_id + 50
    elif where == "made up":
        data = data.rsplit(":", 1)[0] + ":999"
    else:
        data = "lr:1:<b>"
    mark = len(bot.request.calls)
    await bot.send(bot.updates.callback_query(chat, user, data, message_id=message_id))
    (alert,) = calls_since(bot, mark, "answerCallbackQuery")
    assert alert.params["show_alert"] is True
    assert calls_since(bot, mark, "editMessageText") == []
    assert records(bot) == []
    assert db_counts(bot)[3] == 1  # the reply still waits for its rightful button


async def test_the_status_buttons_correct_the_record(bot):
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）推进中")
    ack = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    done = next(d for d in callback_data(ack) if d.endswith(":d"))
    mark = len(bot.request.calls)
    await bot.send(
        bot.updates.callback_query(
            WATER_GROUP, LIAISON_WATER, done, message_id=ack.params["_result"]["message_id"]
        )
    )
    assert records(bot) == [(5, "省水利厅", "done", "推进中")]
    (redrawn,) = calls_since(bot, mark, "editMessageText")
    assert "已完成" in redrawn.text
    assert db_counts(bot) == (1, 1, 1, 0)  # the earlier status is kept as a revision

    # The same payload pressed in another department's chat changes nothing.
    mark = len(bot.request.calls)
    blocked = done[:-1] + "b"
    await bot.send(bot.updates.callback_query(DEV_GROUP, LIAISON_DEV, blocked, message_id=1))
    (alert,) = calls_since(bot, mark, "answerCallbackQuery")
    assert alert.params["show_alert"] is True
    assert records(bot) == [(5, "省水利厅", "done", "推进中")]


async def test_a_measure_the_chat_does_not_have_gets_a_polite_answer_and_no_record(bot):
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（九）已完成")
    assert records(bot) == []
    (answer,) = bot.request.sent("sendMessage", WATER_GROUP.id)
    assert "（九）" in answer.text and "不是本群的措施" in answer.text
    assert "（五）建设安全高效水利工程" in answer.text and "（十七）" in answer.text


async def test_an_edited_reply_updates_its_record_and_says_so(bot):
    update = await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）推进中，完成60%")
    message_id = update["message"]["message_id"]
    mark = len(bot.request.calls)
    await bot.send(
        bot.updates.edited_message(
            WATER_GROUP, LIAISON_WATER, message_id, "（五）已全部完成", reply_to=501
        )
    )
    assert records(bot) == [(5, "省水利厅", "done", "已全部完成")]
    assert db_counts(bot)[2] == 1
    (note,) = calls_since(bot, mark, "sendMessage")
    assert "已按您的修改更新" in note.text
    assert note.params["reply_parameters"]["message_id"] == message_id


async def test_photos_and_documents_are_recorded_with_their_file_ids(bot):
    await reply(
        bot,
        WATER_GROUP,
        LIAISON_WATER,
        None,
        photo_file_id="PHOTO1",
        caption="（五）现场照片，已完工",
    )
    await reply(
        bot, ENERGY_GROUP, LIAISON_ENERGY, None, document_file_id="DOC1", caption="（六）进展报告"
    )
    with bot.db.session() as session:
        rows = session.exec(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
        assert [(r.file_kind, r.file_id, r.status) for r in rows] == [
            ("photo", "PHOTO1", "done"),
            ("document", "DOC1", "in_progress"),
            ("document", "DOC1", "in_progress"),
        ]


async def test_a_photo_without_caption_is_asked_about_when_several_measures_fit(bot):
    await reply(bot, WATER_GROUP, LIAISON_WATER, None, photo_file_id="PHOTO2")
    assert records(bot) == []
    prompt = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    await bot.send(
        bot.updates.callback_query(
            WATER_GROUP,
            LIAISON_WATER,
            callback_data(prompt)[1],
            message_id=prompt.params["_result"]["message_id"],
        )
    )
    with bot.db.session() as session:
        row = session.exec(select(ProgressUpdate)).one()
        assert (row.text, row.file_id, row.file_kind) == ("", "PHOTO2", "photo")


async def test_messages_that_are_not_replies_to_the_bot_are_ignored_silently(bot):
    await bot.send(bot.updates.message(WATER_GROUP, LIAISON_WATER, "（五）已完成"))
    person = {
        "message_id": 7,
        "date": 0,
        "chat": WATER_GROUP.to_json(),
        "from": LIAISON_DEV.to_json(),
        "text": "问一下",
    }
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成", to=person)  # type: ignore[arg-type]
    await reply(bot, UNBOUND_GROUP, STRANGER, "（五）已完成", to=42)
    assert bot.request.calls == []
    assert db_counts(bot) == (0, 0, 0, 0)


def as_anonymous_admin(update: dict[str, Any], chat) -> dict[str, Any]:
    """The update as Telegram sends it when a group's anonymous admin writes: the group is
    the sender, a stand-in bot is `from`."""
    message = update["message"]
    message["from"] = {
        "id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"
    }
    message["sender_chat"] = chat.to_json()
    return update


async def test_an_anonymous_admins_reply_is_recorded_under_the_chats_name(bot):
    update = bot.updates.message(WATER_GROUP, LIAISON_WATER, "（五）已完成", reply_to=501)
    await bot.send(as_anonymous_admin(update, WATER_GROUP))
    report = bot.updates.command(WATER_GROUP, LIAISON_WATER, "report", "（十七） 推进中")
    await bot.send(as_anonymous_admin(report, WATER_GROUP))
    with bot.db.session() as session:
        rows = session.exec(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
        assert [(r.text, r.user_name, r.user_id) for r in rows] == [
            ("已完成", WATER_GROUP.title, None),
            ("推进中", WATER_GROUP.title, None),
        ]
    assert [("已记录" in t) for t in bot.request.texts(WATER_GROUP.id)] == [True, True]
    # A channel's post shown in a discussion group is nobody's report.
    channel = bot.updates.message(WATER_GROUP, LIAISON_WATER, "（五）受阻", reply_to=501)
    channel["message"]["sender_chat"] = {"id": -100_555, "type": "channel", "title": "频道"}
    await bot.send(channel)
    assert len(records(bot)) == 2


@pytest.mark.parametrize("text", ["   ", "\u200b\u200b", "\u3164", " \u2060\ufeff\n"])
async def test_an_empty_reply_records_nothing_and_says_what_to_send(bot, text):
    await reply(bot, WATER_GROUP, LIAISON_WATER, text)
    (answer,) = bot.request.sent("sendMessage", WATER_GROUP.id)
    assert "未记录" in answer.text and "（五）已完成80%" in answer.text
    assert "reply_markup" not in answer.params  # no measure buttons for nothing
    assert db_counts(bot) == (0, 0, 0, 0)


async def test_a_command_sent_as_a_reply_is_not_taken_as_a_report(bot):
    await bot.send(bot.updates.command(WATER_GROUP, LIAISON_WATER, "lang", "en", reply_to=501))
    assert records(bot) == []


async def test_the_same_update_delivered_twice_records_and_answers_once(bot):
    update = bot.updates.message(WATER_GROUP, LIAISON_WATER, "（五）已完成", reply_to=501)
    await bot.send(update)
    await bot.send(update)
    assert len(records(bot)) == 1
    assert len(bot.request.sent("sendMessage", WATER_GROUP.id)) == 1


class _FailingCommit(Session):
    def commit(self) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))


async def test_a_failed_commit_is_not_acknowledged_and_leaves_nothing_behind(bot, monkeypatch):
    real_session = bot.db.session
    monkeypatch.setattr(
        bot.db, "session", lambda: _FailingCommit(bot.db.engine, expire_on_commit=False)
    )
    update = await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成（十七）推进中")
    assert db_counts(bot) == (0, 0, 0, 0)
    (answer,) = bot.request.sent("sendMessage", WATER_GROUP.id)
    assert "重新发送" in answer.text and "已记录" not in answer.text
    # Sent again once the database is back: recorded and acknowledged.
    monkeypatch.setattr(bot.db, "session", real_session)
    await bot.send(update)
    assert len(records(bot)) == 2
    assert "已记录" in bot.request.sent("sendMessage", WATER_GROUP.id)[-1].text


async def test_a_failure_between_the_record_and_its_latest_row_rolls_back_both(bot, monkeypatch):
    from coordination.replies import write

    def broken(session, update_id, row):
        raise OperationalError("UPDATE latestprogress", {}, Exception("database is locked"))

    monkeypatch.setattr(write, "upsert_latest", broken)
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）已完成")
    assert db_counts(bot) == (0, 0, 0, 0)
    assert "重新发送" in bot.request.sent("sendMessage", WATER_GROUP.id)[-1].text


async def test_plan_and_department_text_is_escaped(bot):
    def rename(session: Session) -> None:
        department = session.exec(select(Department).where(Department.name == "省水利厅")).one()
        department.name = "省<b>水利</b>&厅"
        session.add(department)

    bot.db.call(rename)
    await reply(bot, WATER_GROUP, LIAISON_WATER, "（五）<b>已完成</b> & </a>")
    ack = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    assert "省&lt;b&gt;水利&lt;/b&gt;&amp;厅" in ack.text
    assert records(bot)[0][3] == "<b>已完成</b> & </a>"  # stored as typed


async def test_an_english_chat_gets_an_english_acknowledgement(bot):
    def english(session: Session) -> None:
        chat = session.get(Chat, WATER_GROUP.id)
        assert chat is not None
        chat.language = "en"
        session.add(chat)

    bot.db.call(english)
    await reply(bot, WATER_GROUP, LIAISON_WATER, "(5) done (17) delayed by rain")
    ack = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    assert "Recorded" in ack.text and "done" in ack.text and "at risk" in ack.text


# --- /report --------------------------------------------------------------------------------


@pytest.mark.parametrize("measure", ["5", "五", "（五）"])
async def test_report_records_without_a_reminder(bot, measure):
    text = await bot.command(WATER_GROUP, LIAISON_WATER, "report", f"{measure} 已完成90%")
    assert records(bot) == [(5, "省水利厅", "in_progress", "已完成90%")]
    assert "已记录" in text and "90%" in text


async def test_report_of_a_measure_the_chat_does_not_have_is_refused(bot):
    text = await bot.command(WATER_GROUP, LIAISON_WATER, "report", "9 已完成")
    assert records(bot) == []
    assert "（九）" in text and "（五）" in text


async def test_report_without_text_explains_the_usage(bot):
    text = await bot.command(WATER_GROUP, LIAISON_WATER, "report", "5")
    assert "/report" in text and records(bot) == []


@pytest.mark.parametrize("chat", ["private", "unbound"])
async def test_report_outside_a_department_chat_is_refused_once(bot, chat):
    from botapi_sim.updates import private_chat

    where = private_chat(STRANGER) if chat == "private" else UNBOUND_GROUP
    mark = len(bot.request.calls)
    await bot.send(bot.updates.command(where, STRANGER, "report", "5 已完成"))
    sent = calls_since(bot, mark, "sendMessage")
    assert len(sent) == 1 and "/report" in sent[0].text
    assert records(bot) == []


async def test_the_same_update_arriving_twice_at_once_records_and_answers_once(bot):
    update = bot.updates.message(
        WATER_GROUP, LIAISON_WATER, "（五）已完成（十七）推进中", reply_to=501
    )
    await asyncio.gather(bot.send(update), bot.send(update))
    assert len(records(bot)) == 2
    assert db_counts(bot)[:2] == (2, 2)
    acks = [c for c in bot.request.sent("sendMessage", WATER_GROUP.id) if "已记录" in c.text]
    assert len(acks) == 1


async def test_two_presses_at_once_record_the_waiting_reply_once(bot):
    await reply(bot, WATER_GROUP, LIAISON_WATER, "推进中")
    prompt = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    prompt_id = prompt.params["_result"]["message_id"]
    first, _, every = callback_data(prompt)
    await asyncio.gather(
        bot.send(
            bot.updates.callback_query(WATER_GROUP, LIAISON_WATER, first, message_id=prompt_id)
        ),
        bot.send(bot.updates.callback_query(WATER_GROUP, LIAISON_DEV, every, message_id=prompt_id)),
    )
    # Whichever press won, the reply is recorded once, for what that press chose.
    assert [r[0] for r in records(bot)] in ([5], [5, 17])
    assert len(bot.request.sent("editMessageText", WATER_GROUP.id)) == 1


async def test_a_question_survives_a_restart(bot, tmp_path):
    await reply(bot, WATER_GROUP, LIAISON_WATER, "推进中，完成一半")
    prompt = bot.request.sent("sendMessage", WATER_GROUP.id)[-1]
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id], db=bot.db) as restarted:
        await restarted.send(
            restarted.updates.callback_query(
                WATER_GROUP,
                LIAISON_WATER,
                callback_data(prompt)[1],
                message_id=prompt.params["_result"]["message_id"],
            )
        )
        assert "已记录" in restarted.request.sent("editMessageText", WATER_GROUP.id)[0].text
    assert records(bot) == [(17, "省水利厅", "in_progress", "推进中，完成一半")]
