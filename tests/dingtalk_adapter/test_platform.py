"""The adapter's sending side against the simulator's OpenAPI: what the core's message records
become in a DingTalk group, and what happens when DingTalk limits, fails or refuses."""

from __future__ import annotations

import io
import json
from datetime import datetime

import openpyxl
import pytest

from dingtalk_adapter.platform import DingTalkPlatform
from dingtalk_adapter.render import MSG_PARAM_LIMIT
from dingtalk_sim.limits import RateLimits
from messages.outgoing import (
    BUTTON_APP,
    BUTTON_LINK,
    FILE_PHOTO,
    Button,
    File,
    Outgoing,
    button_rows,
)
from runtime.platform import (
    ButtonPress,
    ChatPlatform,
    ChatUnavailable,
    DeliveryUnknown,
    MessageKind,
    MessageRejected,
    RetryLater,
    UserRef,
)
from runtime.platform.refs import DINGTALK
from tests.botapi_sim.test_server import png
from tests.support.dingtalk_world import dingtalk_world, settings_for

REMINDER = (
    "<b>督办提醒</b>\n\n请于本周五前报送以下事项进展：\n"
    "<b>（五）</b>加快水利工程建设\n<b>（六）</b>推进河湖长制\n\n<i>直接 @我 回复进展即可</i>"
)


def ledger_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["序号", "事项", "状态"])
    book.active.append(["（五）", "加快水利工程建设", "推进中"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def choice_buttons() -> tuple[tuple[Button, ...], ...]:
    return button_rows(
        [
            [Button("（五）", "rc:9:5"), Button("（六）", "rc:9:6")],
            [Button("全部", "rc:9:all")],
        ]
    )


async def test_the_platform_is_a_chat_platform_that_cannot_edit_text() -> None:
    async with dingtalk_world() as world:
        assert isinstance(world.platform, ChatPlatform)
        caps = world.platform.capabilities
        assert not caps.can_edit_text and caps.can_redraw_buttons and caps.can_recall
        assert not caps.replies_reach_bot and not caps.has_reply_threads
        assert caps.pacing.per_group_per_minute == 20


async def test_a_reminder_reaches_the_group_as_markdown_with_a_title() -> None:
    async with dingtalk_world() as world:
        sent = await world.platform.send(world.chat(world.water), Outgoing(REMINDER))
        (message,) = world.sim.world.messages_in(world.water.cid)
        assert message.msg_key == "sampleMarkdown"
        assert message.param["title"] == "督办提醒"
        text = message.param["text"]
        assert text.startswith("**督办提醒**\n\n请于本周五前报送以下事项进展：  \n")
        assert "**（五）** 加快水利工程建设" in text
        assert "*直接 @我 回复进展即可*" in text
        assert sent.main.key == message.key and sent.main.kind == MessageKind.MESSAGE


async def test_a_long_status_view_is_split_into_messages_that_each_fit_and_lose_nothing() -> None:
    async with dingtalk_world() as world:
        lines = [
            f"<b>（{n}）</b>省直有关部门按职责分工负责推进，已完成阶段性目标。" for n in range(600)
        ]
        sent = await world.platform.send(world.chat(world.water), Outgoing("\n".join(lines)))
        messages = world.sim.world.messages_in(world.water.cid)
        assert len(messages) == len(sent.messages) > 1
        for message in messages:
            raw = json.dumps(message.param, ensure_ascii=False, separators=(",", ":"))
            assert len(raw.encode()) <= MSG_PARAM_LIMIT
        joined = "  \n".join(m.param["text"] for m in messages)
        for n in (0, 299, 599):
            assert f"**（{n}）** 省直有关部门" in joined
        assert joined.count("已完成阶段性目标") == 600


async def test_buttons_that_call_back_make_a_card_with_the_buttons_in_rows() -> None:
    async with dingtalk_world() as world:
        message = Outgoing("您的回复涉及哪一项？", buttons=choice_buttons())
        sent = await world.platform.send(world.chat(world.water), message)
        (card,) = world.sim.world.cards_in(world.water.cid)
        assert sent.main.kind == MessageKind.CARD and sent.main.key == card.out_track_id
        assert card.template_id == "duban-test-card.schema"
        assert card.callback_type == "STREAM"
        assert card.params["markdown"] == "您的回复涉及哪一项？"
        assert [[b["text"] for b in row] for row in card.buttons] == [
            ["（五）", "（六）"],
            ["全部"],
        ]
        assert card.buttons[1][0] == {"text": "全部", "kind": "callback", "payload": "rc:9:all"}
        assert world.sim.world.messages_in(world.water.cid) == []


async def test_a_press_on_the_card_comes_back_with_the_payload_the_core_gave() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        message = Outgoing("您的回复涉及哪一项？", buttons=choice_buttons())
        sent = await world.platform.send(world.chat(world.water), message)
        (card,) = world.sim.world.cards_in(world.water.cid)
        await world.sim.press_button(card, world.zhang, "（六）")
        press = await world.next_event()
        assert isinstance(press, ButtonPress)
        assert press.payload == "rc:9:6"
        assert press.message == sent.main


async def test_after_a_press_the_card_is_redrawn_in_place() -> None:
    async with dingtalk_world() as world:
        sent = await world.platform.send(
            world.chat(world.water), Outgoing("您的回复涉及哪一项？", buttons=choice_buttons())
        )
        ack = Outgoing(
            "✅ 已记录：<b>（六）</b>推进河湖长制",
            buttons=button_rows([[Button("改为已完成", "st:3:done")]]),
        )
        redrawn = await world.platform.edit(sent.main, ack)
        (card,) = world.sim.world.cards_in(world.water.cid)
        assert redrawn.main == sent.main
        assert card.params["markdown"] == "✅ 已记录：**（六）** 推进河湖长制"
        assert [b["text"] for row in card.buttons for b in row] == ["改为已完成"]
        assert len(card.history) == 1 and card.history[0]["markdown"] == "您的回复涉及哪一项？"
        assert world.sim.world.messages_in(world.water.cid) == []


async def test_editing_a_text_sends_the_new_one_then_recalls_the_old() -> None:
    async with dingtalk_world() as world:
        first = await world.platform.send(world.chat(world.water), Outgoing("第一版"))
        second = await world.platform.edit(first.main, Outgoing("第二版"))
        visible = world.sim.world.messages_in(world.water.cid)
        assert [m.param["text"] for m in visible] == ["第二版"]
        everything = world.sim.world.messages_in(world.water.cid, recalled=True)
        assert [m.recalled for m in everything] == [True, False]
        assert second.main.key == visible[0].key


async def test_link_buttons_alone_stay_markdown_as_links() -> None:
    async with dingtalk_world() as world:
        buttons = button_rows(
            [
                [Button("打开看板", "https://duban.example.org/d?x=(1)", BUTTON_LINK)],
                [Button("小程序", "https://duban.example.org/app", BUTTON_APP)],
            ]
        )
        await world.platform.send(world.chat(world.water), Outgoing("督办看板", buttons=buttons))
        (message,) = world.sim.world.messages_in(world.water.cid)
        assert message.msg_key == "sampleMarkdown"
        text = message.param["text"]
        assert "[打开看板](https://duban.example.org/d?x=%281%29)" in text
        assert "[小程序](https://duban.example.org/app)" in text
        assert world.sim.world.cards_in(world.water.cid) == []


async def test_without_a_card_template_callback_buttons_are_left_out() -> None:
    async with dingtalk_world() as world:
        settings = settings_for(world.sim, dingtalk_card_template_id="")
        platform = DingTalkPlatform(settings.credentials(), settings.endpoints())
        try:
            assert not platform.capabilities.callback_buttons
            message = Outgoing("您的回复涉及哪一项？", buttons=choice_buttons())
            await platform.send(world.chat(world.water), message)
        finally:
            await platform.close()
        (sent,) = world.sim.world.messages_in(world.water.cid)
        assert sent.param["text"] == "您的回复涉及哪一项？"
        assert world.sim.world.cards_in(world.water.cid) == []


async def test_the_ledger_goes_as_its_caption_then_the_file() -> None:
    async with dingtalk_world() as world:
        ledger = File("督办台账-2024-06.xlsx", ledger_xlsx())
        await world.platform.send(
            world.chat(world.coordinators), Outgoing("<b>台账</b> 6月", file=ledger)
        )
        caption, document = world.sim.world.messages_in(world.coordinators.cid)
        assert caption.param["text"] == "**台账** 6月"
        assert document.msg_key == "sampleFile"
        assert document.param["fileName"] == "督办台账-2024-06.xlsx"
        assert document.param["fileType"] == "xlsx"
        upload = world.sim.world.uploads[document.param["mediaId"]]
        assert upload.media_type == "file" and upload.content == ledger.content
        openpyxl.load_workbook(io.BytesIO(upload.content))  # what arrives is the workbook


async def test_a_chart_goes_as_an_image_and_one_upload_serves_every_group() -> None:
    async with dingtalk_world() as world:
        chart = File("进度.png", png(), FILE_PHOTO)
        for group in (world.water, world.coordinators):
            await world.platform.send(world.chat(group), Outgoing("", file=chart))
        images = [world.sim.world.messages_in(g.cid)[0] for g in (world.water, world.coordinators)]
        assert {m.msg_key for m in images} == {"sampleImageMsg"}
        assert len(world.sim.world.uploads) == 1
        (upload,) = world.sim.world.uploads.values()
        assert upload.media_type == "image"
        assert all(m.param["photoURL"] == upload.media_id for m in images)


async def test_a_private_message_goes_to_the_person_by_staff_id() -> None:
    async with dingtalk_world() as world:
        await world.platform.send(world.private(world.li), Outgoing("<b>本周汇总</b>"))
        (message,) = world.sim.world.messages_to(world.li.staff_id)
        assert message.param["text"] == "**本周汇总**"


async def test_an_alert_for_a_button_reaches_the_presser_alone() -> None:
    async with dingtalk_world() as world:
        zhang = UserRef(DINGTALK, world.zhang.staff_id)
        press = ButtonPress("p1", zhang, "rc:9:5", pressed_at=datetime(2024, 6, 3, 2, 0))
        await world.platform.answer_button(press, text="这个问题已经回答过了", alert=True)
        await world.platform.answer_button(press, text="已更正", alert=False)
        assert [m.param["text"] for m in world.sim.world.messages_to(world.zhang.staff_id)] == [
            "这个问题已经回答过了"
        ]
        assert world.sim.world.messages_in(world.water.cid) == []


async def test_a_short_rate_limit_is_waited_out_and_the_message_goes_once() -> None:
    async with dingtalk_world(rate_limits=RateLimits(per_second=2)) as world:
        chat = world.chat(world.water)
        for n in range(5):
            await world.platform.send(chat, Outgoing(f"第{n}条"))
        texts = [m.param["text"] for m in world.sim.world.messages_in(world.water.cid)]
        assert texts == [f"第{n}条" for n in range(5)]
        refused = [s for path, s in world.sim.api.calls if path.endswith("groupMessages/send")]
        assert 403 in refused  # DingTalk did say "too fast" on the way


async def test_the_twenty_first_message_in_a_minute_is_reported_to_retry_later() -> None:
    clock = [1000.0]
    async with dingtalk_world(clock=lambda: clock[0]) as world:
        chat = world.chat(world.water)
        for n in range(20):
            await world.platform.send(chat, Outgoing(f"第{n}条"))
            clock[0] += 0.5  # two a second: within the per-second limit
        with pytest.raises(RetryLater) as later:
            await world.platform.send(chat, Outgoing("第21条"))
        assert 40 < later.value.seconds <= 60
        assert len(world.sim.world.messages_in(world.water.cid)) == 20
        clock[0] += later.value.seconds
        await world.platform.send(chat, Outgoing("第21条"))
        assert world.sim.world.messages_in(world.water.cid)[-1].param["text"] == "第21条"


async def test_a_group_the_robot_was_taken_out_of_is_reported_unavailable() -> None:
    async with dingtalk_world() as world:
        await world.sim.remove_robot(world.water)
        with pytest.raises(ChatUnavailable) as gone:
            await world.platform.send(world.chat(world.water), Outgoing("督办提醒"))
        assert gone.value.chat == world.chat(world.water)
        with pytest.raises(ChatUnavailable):
            await world.platform.send(
                world.chat(world.water), Outgoing("选择", buttons=choice_buttons())
            )


async def test_an_answer_lost_after_a_send_is_reported_as_delivery_unknown() -> None:
    async with dingtalk_world() as world:
        world.sim.faults.fail_next(
            "/v1.0/robot/groupMessages/send", status=500, code="InternalError", after_effect=True
        )
        with pytest.raises(DeliveryUnknown):
            await world.platform.send(world.chat(world.water), Outgoing("督办提醒"))
        # DingTalk did deliver it: the outbox must not send it again blindly.
        assert len(world.sim.world.messages_in(world.water.cid)) == 1


async def test_a_card_sent_again_under_the_same_key_is_delivered_once() -> None:
    async with dingtalk_world() as world:
        world.sim.faults.fail_next(
            "/v1.0/card/instances/createAndDeliver",
            status=502,
            code="BadGateway",
            after_effect=True,
        )
        message = Outgoing("您的回复涉及哪一项？", buttons=choice_buttons())
        first = await world.platform.send(world.chat(world.water), message, dedupe_key="delivery-7")
        again = await world.platform.send(world.chat(world.water), message, dedupe_key="delivery-7")
        assert first.main == again.main
        assert len(world.sim.world.cards_in(world.water.cid)) == 1


async def test_an_expired_token_is_renewed_without_losing_the_message() -> None:
    async with dingtalk_world() as world:
        await world.platform.send(world.chat(world.water), Outgoing("一"))
        world.sim.api.expire_tokens()
        await world.platform.send(world.chat(world.water), Outgoing("二"))
        world.sim.api.expire_tokens()
        await world.platform.send(
            world.chat(world.water), Outgoing("三", file=File("a.xlsx", ledger_xlsx()))
        )
        texts = [m.text for m in world.sim.world.messages_in(world.water.cid)]
        assert texts == ["一", "二", "三", "a.xlsx"]
        tokens = [p for p, _ in world.sim.api.calls if p == "/v1.0/oauth2/accessToken"]
        assert len(tokens) == 3


async def test_a_server_error_on_an_upload_is_retried() -> None:
    async with dingtalk_world() as world:
        world.sim.faults.fail_next("/media/upload", status=503, code="ServiceUnavailable")
        await world.platform.send(
            world.chat(world.water), Outgoing("", file=File("a.xlsx", ledger_xlsx()))
        )
        (message,) = world.sim.world.messages_in(world.water.cid)
        assert message.msg_key == "sampleFile"


async def test_a_file_dingtalk_refuses_is_reported_before_its_caption_goes() -> None:
    async with dingtalk_world() as world:
        with pytest.raises(MessageRejected, match=r"run\.exe"):
            await world.platform.send(
                world.chat(world.water), Outgoing("安装包", file=File("run.exe", b"MZ"))
            )
        assert world.sim.world.messages_in(world.water.cid) == []


async def test_a_message_of_links_alone_is_titled_by_its_first_link() -> None:
    async with dingtalk_world() as world:
        buttons = button_rows([[Button("打开看板", "https://duban.example.org/d", BUTTON_LINK)]])
        await world.platform.send(world.chat(world.water), Outgoing("", buttons=buttons))
        (message,) = world.sim.world.messages_in(world.water.cid)
        assert message.param == {
            "title": "打开看板",
            "text": "[打开看板](https://duban.example.org/d)",
        }
