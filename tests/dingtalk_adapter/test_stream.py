"""The adapter's Stream receiver against the DingTalk simulator: what people do in DingTalk
arrives in the core as boundary records, acknowledged only once the core took them."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dingtalk_adapter.stream import StreamReceiver
from dingtalk_sim import frames
from dingtalk_sim.gateway import Push
from dingtalk_sim.world import Card
from runtime.platform import (
    ButtonPress,
    ChatKind,
    CredentialsRejected,
    IncomingMessage,
    MembershipChange,
    MembershipKind,
    MessageKind,
)
from runtime.platform.refs import DINGTALK
from tests.support.dingtalk_world import dingtalk_world, settings_for


async def test_a_liaison_who_at_s_the_robot_arrives_as_an_incoming_message() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        push = await world.user_says(world.water, world.zhang, " （五）已完成，（六）推进中")
        event = await world.next_event()
        assert isinstance(event, IncomingMessage)
        assert event.chat == world.chat(world.water)
        assert event.chat.kind == ChatKind.GROUP
        assert event.sender.key == world.zhang.staff_id
        assert event.sender.name == "张水利"
        assert event.text == "（五）已完成，（六）推进中"  # the mention's leading space is gone
        assert event.mentions_bot and event.addressed_to_bot
        assert event.chat_title == "省水利厅 督办群"
        assert event.reply_to is None  # DingTalk's quotes are not relied on
        assert event.message.key == push.data["msgId"]
        await world.sim.wait_acked(push)
        assert push.ack is not None and push.ack.code == 200


async def test_a_command_after_the_mention_is_read_as_a_command() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        await world.user_says(world.water, world.wang, " /bind 省水利厅")
        event = await world.next_event()
        assert isinstance(event, IncomingMessage)
        assert event.command is not None
        assert (event.command.name, event.command.args) == ("bind", "省水利厅")
        assert event.sender_is_chat_admin is True


async def test_other_people_mentioned_are_named_but_not_the_robot() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        await world.user_says(
            world.water, world.zhang, " 请 @王管理 看一下", at_users=(world.wang,)
        )
        event = await world.next_event()
        assert isinstance(event, IncomingMessage)
        assert [u.key for u in event.mentions] == [world.wang.staff_id]


async def test_a_private_message_is_addressed_by_the_senders_staff_id() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        await world.user_says(None, world.li, "/status")
        event = await world.next_event()
        assert isinstance(event, IncomingMessage)
        assert event.chat == world.private(world.li)
        assert event.addressed_to_bot and event.command is not None


async def test_a_picture_arrives_as_an_attachment() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        await world.sim.user_sends_picture(world.water, world.zhang)
        event = await world.next_event()
        assert isinstance(event, IncomingMessage)
        assert [a.kind for a in event.attachments] == ["photo"]
        assert event.attachments[0].key


async def test_a_card_button_press_arrives_as_a_button_press() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        buttons = '[[{"text":"（五）","kind":"callback","payload":"rc:17:5"}]]'
        card = Card(
            "track-1",
            "tpl",
            "STREAM",
            0.0,
            {"markdown": "哪一项?", "buttons": buttons},
            cid=world.water.cid,
        )
        world.sim.world.cards[card.out_track_id] = card
        push = await world.sim.press_button(card, world.zhang, "（五）")
        event = await world.next_event()
        assert isinstance(event, ButtonPress)
        assert event.payload == "rc:17:5"
        assert event.sender.key == world.zhang.staff_id
        assert event.chat == world.chat(world.water)
        assert event.message is not None and event.message.key == "track-1"
        assert event.message.kind == MessageKind.CARD
        assert event.press_id == push.message_id


async def test_group_events_arrive_as_membership_changes() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        newcomer = world.sim.add_user("0999", "赵新")
        push = await world.sim.group_event(
            "chat_add_member", world.water, users=(newcomer,), operator=world.wang
        )
        event = await world.next_event()
        assert isinstance(event, MembershipChange)
        assert event.kind == MembershipKind.MEMBERS_ADDED
        assert event.chat == world.chat(world.water)
        assert [u.key for u in event.users] == ["0999"]
        assert event.by is not None and event.by.key == world.wang.staff_id
        assert event.event_id == push.frame["headers"]["eventId"]
        await world.sim.wait_acked(push)
        assert push.done

        await world.sim.disband(world.water, by=world.wang)
        gone = await world.next_event()
        assert isinstance(gone, MembershipChange)
        assert gone.kind == MembershipKind.CHAT_DISBANDED


async def test_an_event_naming_only_the_older_chat_id_is_found_through_the_openapi() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        data = {"EventType": "chat_quit", "ChatId": world.water.chat_id, "UserId": ["0101"]}
        headers = {"eventType": "chat_quit", "eventId": "e-1"}
        await world.sim.gateway.push(frames.frame(frames.EVENT, "*", data, **headers))
        event = await world.next_event()
        assert isinstance(event, MembershipChange)
        assert event.kind == MembershipKind.MEMBERS_LEFT
        assert event.chat.key == world.water.cid


async def test_an_event_the_core_could_not_take_is_pushed_again_and_then_taken() -> None:
    async with dingtalk_world(event_retry_seconds=0.2) as world:
        await world.receive()
        world.failing_sink = 1
        push = await world.sim.group_event("chat_quit", world.water, users=(world.zhang,))
        await world.sim.wait_acked(push)
        event = await world.next_event()  # the second push, after the LATER ack
        assert isinstance(event, MembershipChange)
        assert push.attempts == 2 and push.done
        assert world.events.empty()


async def test_a_system_disconnect_is_followed_by_a_new_connection_and_nothing_is_lost() -> None:
    async with dingtalk_world(disconnect_grace=5.0) as world:
        await world.receive()
        await world.sim.disconnect_all("server is going to restart")
        await world.sim.wait_for(lambda: len(world.sim.gateway.connections) >= 2, timeout=5)
        await world.sim.wait_connected(1)
        await world.user_says(world.water, world.zhang, " 第二条")
        event = await world.next_event()
        assert isinstance(event, IncomingMessage) and event.text == "第二条"


async def test_a_dropped_connection_is_reopened_and_waiting_pushes_then_arrive() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        await world.sim.drop_connections()
        # Pushed while the adapter reconnects: the gateway keeps it for the next connection.
        await world.user_says(world.water, world.zhang, " 断线期间")
        event = await world.next_event(timeout=10)
        assert isinstance(event, IncomingMessage) and event.text == "断线期间"
        assert len(world.sim.gateway.connections) >= 2


async def test_pings_are_answered_with_their_opaque_value() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        (ping,) = await world.sim.ping_all()
        await world.sim.wait_acked(ping)
        assert ping.ack is not None and ping.ack.code == 200
        assert ping.ack.data == {"opaque": ping.data["opaque"]}


async def test_pushes_reach_the_core_in_the_order_people_sent_them() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        pushes: list[Push] = []
        for n in range(12):
            pushes.append(await world.user_says(world.water, world.zhang, f" 第{n}条"))
        texts = [(await world.next_event()).text for _ in pushes]  # type: ignore[union-attr]
        assert texts == [f"第{n}条" for n in range(12)]


async def test_cancelling_the_receiver_ends_it_promptly() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        assert world.runner is not None
        world.runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(world.runner, 3)
        world.runner = None
        await world.sim.wait_for(lambda: not world.sim.gateway.live, timeout=3)


async def test_credentials_dingtalk_refuses_stop_the_receiver_with_a_masked_reason() -> None:
    async with dingtalk_world() as world:
        settings = settings_for(world.sim, dingtalk_client_secret="WrongSecret_0123456789xyzABCD")
        async with httpx.AsyncClient() as http:
            receiver = StreamReceiver(
                settings.credentials(), settings.endpoints(), world.sink, http=http
            )
            with pytest.raises(CredentialsRejected) as refused:
                await asyncio.wait_for(receiver.run(), 5)
        assert world.sim.client_id in str(refused.value)
        assert "WrongSecret_0123456789xyzABCD" not in str(refused.value)
        assert "Wro…ABCD" in str(refused.value)


async def test_the_adapter_subscribes_to_robot_messages_cards_and_events() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        (connection,) = world.sim.gateway.live
        assert connection.subscriptions == {
            ("EVENT", "*"),
            ("CALLBACK", "/v1.0/im/bot/messages/get"),
            ("CALLBACK", "/v1.0/card/instances/callback"),
        }
        assert connection.ua.startswith("dingtalk-sdk-python/")


async def test_unknown_frames_and_events_do_not_stop_the_receiver() -> None:
    async with dingtalk_world() as world:
        await world.receive()
        other = frames.frame(frames.EVENT, "*", {"x": 1}, eventType="user_add_org", eventId="e9")
        push = await world.sim.gateway.push(other)
        await world.sim.wait_acked(push)
        assert push.done
        await world.user_says(world.water, world.zhang, " 之后")
        event = await world.next_event()
        assert isinstance(event, IncomingMessage) and event.chat.platform == DINGTALK
        assert world.events.empty()  # the other event reached nobody
