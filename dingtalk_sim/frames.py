"""Stream frames as DingTalk's gateway writes them, and the data each kind of push carries.

A frame is JSON: {specVersion, type (SYSTEM, EVENT, CALLBACK), headers {topic, messageId,
contentType, time, …}, data (a JSON *string*)}; the client answers {code, headers
{messageId, contentType}, message, data}. Shapes follow DingTalk's Stream protocol
description (open-dingtalk.github.io/developerpedia, docs/learn/stream/protocol) and the
fields the official SDK reads (dingtalk_stream.frames, chatbot.ChatbotMessage,
card_callback.CardCallbackMessage).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from dingtalk_sim.world import SimGroup, SimUser, SimWorld

SYSTEM = "SYSTEM"
EVENT = "EVENT"
CALLBACK = "CALLBACK"

TOPIC_PING = "ping"
TOPIC_DISCONNECT = "disconnect"
TOPIC_ROBOT = "/v1.0/im/bot/messages/get"
TOPIC_CARD = "/v1.0/card/instances/callback"
# Events reach clients that subscribed EVENT "*"; their headers name the event type.
TOPIC_EVENTS = "*"

GROUP_EVENTS = (
    "chat_add_member",
    "chat_remove_member",
    "chat_quit",
    "chat_update_title",
    "chat_disband",
)


def now_ms() -> int:
    return int(time.time() * 1000)


def message_id() -> str:
    # DingTalk's look: "213d841d_972_1898bb26334_70a7".
    parts = (secrets.token_hex(4), str(secrets.randbelow(999)), secrets.token_hex(5))
    return "_".join((*parts, secrets.token_hex(2)))


def frame(kind: str, topic: str, data: dict[str, Any], **headers: str) -> dict[str, Any]:
    return {
        "specVersion": "1.0",
        "type": kind,
        "headers": {
            "topic": topic,
            "messageId": message_id(),
            "contentType": "application/json",
            "time": str(now_ms()),
            **headers,
        },
        "data": json.dumps(data, ensure_ascii=False),
    }


def ping() -> dict[str, Any]:
    return frame(SYSTEM, TOPIC_PING, {"opaque": secrets.token_hex(8)})


def disconnect(reason: str = "connection is expired") -> dict[str, Any]:
    return frame(SYSTEM, TOPIC_DISCONNECT, {"reason": reason})


def robot_message(
    world: SimWorld,
    sender: SimUser,
    text: str,
    *,
    group: SimGroup | None,
    at_robot: bool = True,
    at_users: tuple[SimUser, ...] = (),
    msgtype: str = "text",
    content: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the robot receives when a person writes to it: in a group only when @-ed; in the
    private chat always. The text arrives without the @robot mention (and its space kept)."""
    bot_id = f"$:LWCP_v1:$robot{world.robot_code}"
    data: dict[str, Any] = {
        "msgId": f"msg{secrets.token_urlsafe(12)}",
        "msgtype": msgtype,
        "createAt": now_ms(),
        "conversationType": "2" if group else "1",
        "conversationId": group.cid if group else f"cidPrivate{sender.staff_id}==",
        "senderId": sender.dingtalk_id,
        "senderStaffId": sender.staff_id,
        "senderNick": sender.name,
        "senderCorpId": world.corp_id,
        "chatbotUserId": bot_id,
        "chatbotCorpId": world.corp_id,
        "robotCode": world.robot_code,
        "isAdmin": bool(group and sender.staff_id in group.admins),
        "sessionWebhook": "http://127.0.0.1/robot/sendBySession?session=sim",
        "sessionWebhookExpiredTime": now_ms() + 90 * 60 * 1000,
    }
    if group is not None:
        data["conversationTitle"] = group.title
        data["isInAtList"] = at_robot
        mentioned = [{"dingtalkId": bot_id}] if at_robot else []
        mentioned += [{"dingtalkId": u.dingtalk_id, "staffId": u.staff_id} for u in at_users]
        data["atUsers"] = mentioned
    if msgtype == "text":
        data["text"] = {"content": text}
    else:
        data["content"] = content or {}
    return data


def card_click(
    world: SimWorld,
    user: SimUser,
    *,
    out_track_id: str,
    params: dict[str, Any],
    action_ids: tuple[str, ...] = (),
    group: SimGroup | None = None,
) -> dict[str, Any]:
    """A press on a card's callback button (互动卡片高级版, callbackType STREAM)."""
    private = {"cardPrivateData": {"actionIds": list(action_ids), "params": params}}
    data: dict[str, Any] = {
        "outTrackId": out_track_id,
        "corpId": world.corp_id,
        "userId": user.staff_id,
        "userIdType": 1,
        "type": "actionCallback",
        "content": json.dumps(private, ensure_ascii=False),
        "extension": "{}",
    }
    if group is not None:
        data["spaceType"] = "IM_GROUP"
        data["spaceId"] = group.cid
    else:
        data["spaceType"] = "IM_ROBOT"
        data["spaceId"] = user.staff_id
    return data


def group_event(
    world: SimWorld,
    event_type: str,
    group: SimGroup,
    *,
    users: tuple[SimUser, ...] = (),
    operator: SimUser | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A group event's data and its extra headers. The data keeps the field names of
    DingTalk's group event callbacks (ChatId, UserId, Operator…), plus OpenConversationId."""
    data: dict[str, Any] = {
        "EventType": event_type,
        "TimeStamp": now_ms(),
        "CorpId": world.corp_id,
        "ChatId": group.chat_id,
        "OpenConversationId": group.cid,
        "UserId": [u.staff_id for u in users],
    }
    if operator is not None:
        data["Operator"] = operator.staff_id
    if event_type == "chat_update_title":
        data["Title"] = group.title
    headers = {
        "eventType": event_type,
        "eventId": secrets.token_hex(16),
        "eventCorpId": world.corp_id,
        "eventBornTime": str(now_ms()),
        "eventUnifiedAppId": f"sim-{world.client_id}",
    }
    return data, headers
