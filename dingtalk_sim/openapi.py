"""The OpenAPI stub: an access token, robot messages, recalls, cards, media uploads.

Each call is checked as DingTalk checks it (the token header, the robot code, the group,
`msgKey` and `msgParam`, sizes), counted against the rate limits, then recorded in the
world. Errors use DingTalk's shapes: the newer API answers HTTP 4xx/5xx with
{code, message, requestid}; the older one (media upload) HTTP 200 with {errcode, errmsg}.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from dingtalk_sim.limits import Faults, RateWindows, Refusal
from dingtalk_sim.world import Card, SentMessage, SimWorld, Upload

MSG_PARAM_LIMIT = 15_000  # bytes; "must not exceed 15,000 bytes" (groupMessages/send reference)
CARD_PARAMS_LIMIT = 15_000  # bytes of cardParamMap as JSON: the simulator's own figure
MEDIA_LIMIT = 20 * 1024 * 1024  # 20 MB for images and files (上传媒体文件)
TOKEN_SECONDS = 7200
PRIVATE_USERS_LIMIT = 20  # userIds of oToMessages/batchSend

MSG_KEYS: dict[str, tuple[str, ...]] = {
    # The template parameters each msgKey needs (robot message types reference).
    "sampleText": ("content",),
    "sampleMarkdown": ("title", "text"),
    "sampleImageMsg": ("photoURL",),
    "sampleLink": ("text", "title", "picUrl", "messageUrl"),
    "sampleActionCard": ("title", "text", "singleTitle", "singleURL"),
    "sampleFile": ("mediaId", "fileName", "fileType"),
    "sampleAudio": ("mediaId", "duration"),
}
MEDIA_TYPES = ("image", "voice", "video", "file")
IMAGE_TYPES = ("jpg", "jpeg", "gif", "png", "bmp")
FILE_TYPES = ("doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "pdf", "rar")


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    retry_after: float | None = None
    delay: float = 0.0  # seconds to wait before answering (a slow DingTalk)


def error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"code": code, "message": message, "requestid": secrets.token_hex(8)})


def from_refusal(refusal: Refusal) -> Answer:
    body = dict(refusal.body) | {"requestid": secrets.token_hex(8)}
    return Answer(refusal.status, body, refusal.retry_after)


@dataclass
class OpenApiStub:
    world: SimWorld
    windows: RateWindows
    faults: Faults
    clock: Callable[[], float]
    tokens: dict[str, float] = field(default_factory=dict)  # token → expires at (clock)
    strict_templates: frozenset[str] = frozenset()  # when set, only these card templates exist
    calls: list[tuple[str, int]] = field(default_factory=list)  # (path, status) of every call
    slow_seconds: float = 0.0  # answers delayed this long when a fault asks for it

    # --- the token --------------------------------------------------------------------------

    def access_token(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("appKey") or not body.get("appSecret"):
            return error(400, "MissingappKey", "appKey and appSecret are required")
        if body["appKey"] != self.world.client_id or body["appSecret"] != self.world.client_secret:
            return error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        token = secrets.token_hex(16)
        self.tokens[token] = self.clock() + TOKEN_SECONDS
        return Answer(200, {"accessToken": token, "expireIn": TOKEN_SECONDS})

    def expire_tokens(self) -> None:
        """Every token handed out so far stops working (as after 7,200 s)."""
        self.tokens.clear()

    def token_ok(self, token: str | None) -> bool:
        expires = self.tokens.get(token or "")
        return expires is not None and expires > self.clock()

    # --- the newer API ------------------------------------------------------------------------

    def call(self, path: str, method: str, token: str | None, body: Any) -> Answer:
        """One call of the newer API (api.dingtalk.com), after the token and the limits."""
        if not self.token_ok(token):
            return error(401, "InvalidAuthentication", "不合法的access_token (simulated)")
        refused = self.windows.check_api(path)
        if refused is not None:
            return from_refusal(refused)
        fault = self.faults.take(path)
        if fault is not None and not fault[1]:
            return from_refusal(fault[0])
        if not isinstance(body, dict):
            return error(400, "invalidParameter.param.invalid", "body must be a JSON object")
        answer = self._route(path, method, body)
        if fault is not None and answer.status < 400:  # the effect happened, the answer is lost
            lost = from_refusal(fault[0])
            lost.delay = self.slow_seconds
            return lost
        return answer

    def _route(self, path: str, method: str, body: dict[str, Any]) -> Answer:
        if path == "/v1.0/robot/groupMessages/send" and method == "POST":
            return self.group_send(body)
        if path == "/v1.0/robot/oToMessages/batchSend" and method == "POST":
            return self.private_send(body)
        if path == "/v1.0/robot/groupMessages/recall" and method == "POST":
            return self.group_recall(body)
        if path == "/v1.0/robot/otoMessages/batchRecall" and method == "POST":
            return self.private_recall(body)
        if path == "/v1.0/card/instances/createAndDeliver" and method == "POST":
            return self.card_create(body)
        if path == "/v1.0/card/instances" and method == "PUT":
            return self.card_update(body)
        if path.startswith("/v1.0/im/chat/") and path.endswith("/convertToOpenConversationId"):
            return self.convert_chat(path.split("/")[4])
        return error(404, "NotFound", f"{method} {path} is not simulated")

    def _robot_ok(self, body: dict[str, Any]) -> Answer | None:
        if not body.get("robotCode"):
            return error(400, "invalidParameter.robotCode.missing", "缺少robotCode")
        if body["robotCode"] != self.world.robot_code:
            return error(
                400,
                "invalidParameter.robotCode.auth",
                "此应用appkey和机器人robotCode不匹配,请使用机器人应用的appkey",
            )
        return None

    def _message_ok(self, body: dict[str, Any]) -> tuple[Answer | None, dict[str, Any]]:
        msg_key, raw = body.get("msgKey"), body.get("msgParam")
        if not msg_key:
            return error(400, "invalidParameter.msgKey.empty", "缺少msgKey"), {}
        if msg_key not in MSG_KEYS:
            return error(400, "invalidParameter.msgKey.invalid", f"无效的msgKey {msg_key}"), {}
        if not isinstance(raw, str):
            return error(400, "invalidParameter.msgParam.invalid", "msgParam必须是JSON字符串"), {}
        if len(raw.encode("utf-8")) > MSG_PARAM_LIMIT:
            size = len(raw.encode("utf-8"))
            return error(
                400, "invalidParameter.msgParam.invalid", f"msgParam is {size} bytes (max 15000)"
            ), {}
        try:
            param = json.loads(raw)
        except json.JSONDecodeError:
            return error(400, "invalidParameter.msgParam.invalid", "msgParam必须是JSON格式"), {}
        if not isinstance(param, dict):
            return error(400, "invalidParameter.msgParam.invalid", "msgParam必须是JSON对象"), {}
        for name in MSG_KEYS[msg_key]:
            value = param.get(name)
            if not isinstance(value, str) or not value.strip():
                return error(
                    400, "invalidParameter.msgParam.invalid", f"{msg_key} needs a non-empty {name}"
                ), {}
        if msg_key == "sampleFile" and param["mediaId"] not in self.world.uploads:
            return error(400, "invalidParameter.msgParam.invalid", "unknown mediaId"), {}
        if msg_key == "sampleImageMsg":
            photo = param["photoURL"]
            upload = self.world.uploads.get(photo)
            if upload is None and not photo.startswith(("http://", "https://")):
                return error(
                    400,
                    "invalidParameter.msgParam.invalid",
                    "photoURL is neither a URL nor a mediaId",
                ), {}
            if upload is not None and upload.media_type != "image":
                return error(
                    400, "invalidParameter.msgParam.invalid", "photoURL's media is no image"
                ), {}
        return None, param

    def group_send(self, body: dict[str, Any]) -> Answer:
        refused = self._robot_ok(body)
        if refused:
            return refused
        cid = body.get("openConversationId")
        group = self.world.groups.get(str(cid))
        if group is None:
            return error(400, "invalid.openConversationId", "无效的openConversationId")
        if not group.reachable:
            return error(
                400,
                "invalidParameter.robotCode.empty",
                "机器人robotCode无效,请检查机器人是否在群内",
            )
        refused, param = self._message_ok(body)
        if refused:
            return refused
        limited = self.windows.check_group(group.cid)
        if limited is not None:
            return from_refusal(limited)
        key = self.world.next_id("pqk")
        self.world.messages.append(
            SentMessage(key, body["msgKey"], param, self.clock(), cid=group.cid)
        )
        return Answer(200, {"processQueryKey": key})

    def private_send(self, body: dict[str, Any]) -> Answer:
        refused = self._robot_ok(body)
        if refused:
            return refused
        user_ids = body.get("userIds")
        if not isinstance(user_ids, list) or not user_ids:
            return error(400, "invalidParameter.userIds.empty", "用户userId列表为空")
        if len(user_ids) > PRIVATE_USERS_LIMIT:
            return error(400, "invalidParameter.userIds.overMax", "用户userId列表长度超过上限")
        refused, param = self._message_ok(body)
        if refused:
            return refused
        known = [u for u in user_ids if u in self.world.users]
        invalid = [u for u in user_ids if u not in self.world.users]
        key = self.world.next_id("pqk")
        if known:
            self.world.messages.append(
                SentMessage(key, body["msgKey"], param, self.clock(), user_ids=tuple(known))
            )
        return Answer(
            200,
            {
                "processQueryKey": key,
                "invalidStaffIdList": invalid,
                "flowControlledStaffIdList": [],
            },
        )

    def _recall(self, keys: Any, *, cid: str | None) -> Answer:
        if not isinstance(keys, list) or not keys:
            return error(400, "invalidParameter.processQueryKey.missing", "缺少processQueryKey")
        done, failed = [], {}
        for key in keys:
            message = next((m for m in self.world.messages if m.key == key), None)
            if message is None or (cid is not None and message.cid != cid):
                failed[key] = "message not found"
            else:
                message.recalled = True
                done.append(key)
        return Answer(200, {"successResult": done, "failedResult": failed})

    def group_recall(self, body: dict[str, Any]) -> Answer:
        refused = self._robot_ok(body)
        if refused:
            return refused
        if str(body.get("openConversationId")) not in self.world.groups:
            return error(400, "invalid.openConversationId", "无效的openConversationId")
        return self._recall(body.get("processQueryKeys"), cid=str(body["openConversationId"]))

    def private_recall(self, body: dict[str, Any]) -> Answer:
        refused = self._robot_ok(body)
        return refused or self._recall(body.get("processQueryKeys"), cid=None)

    def card_create(self, body: dict[str, Any]) -> Answer:
        out_track_id = body.get("outTrackId")
        template = body.get("cardTemplateId")
        if not out_track_id or not template:
            return error(400, "param.invalid", "outTrackId and cardTemplateId are required")
        if self.strict_templates and template not in self.strict_templates:
            return error(400, "template.not.existed", f"卡片模板不存在 {template}")
        if body.get("callbackType", "STREAM") not in ("STREAM", "HTTP"):
            return error(400, "param.invalid", "callbackType must be STREAM or HTTP")
        params = (body.get("cardData") or {}).get("cardParamMap")
        refused = _card_params_ok(params)
        if refused:
            return refused
        space = str(body.get("openSpaceId", ""))
        known = self.world.cards.get(str(out_track_id))
        if known is not None:  # the same outTrackId again: delivered once, answered the same
            return Answer(200, _delivered(known, space))
        if space.startswith("dtv1.card//IM_GROUP."):
            model = body.get("imGroupOpenDeliverModel") or {}
            if model.get("robotCode") != self.world.robot_code:
                return error(400, "param.invalid", "imGroupOpenDeliverModel.robotCode is wrong")
            group = self.world.groups.get(space.removeprefix("dtv1.card//IM_GROUP."))
            if group is None or not group.reachable:
                return Answer(
                    200,
                    {
                        "success": True,
                        "result": {
                            "outTrackId": out_track_id,
                            "deliverResults": [
                                {
                                    "spaceType": "IM_GROUP",
                                    "spaceId": space,
                                    "success": False,
                                    "errorMsg": "robot is not in the group",
                                }
                            ],
                        },
                    },
                )
            limited = self.windows.check_group(group.cid)
            if limited is not None:
                return from_refusal(limited)
            card = Card(
                str(out_track_id),
                str(template),
                str(body.get("callbackType", "STREAM")),
                self.clock(),
                dict(params),
                cid=group.cid,
            )
        elif space.startswith("dtv1.card//IM_ROBOT."):
            user_id = space.removeprefix("dtv1.card//IM_ROBOT.")
            if user_id not in self.world.users:
                return error(400, "param.invalid", f"unknown user {user_id}")
            card = Card(
                str(out_track_id),
                str(template),
                str(body.get("callbackType", "STREAM")),
                self.clock(),
                dict(params),
                user_id=user_id,
            )
        else:
            return error(
                400, "param.invalid", f"openSpaceId {space!r} is not a group or robot chat"
            )
        self.world.cards[card.out_track_id] = card
        return Answer(200, _delivered(card, space))

    def card_update(self, body: dict[str, Any]) -> Answer:
        card = self.world.cards.get(str(body.get("outTrackId")))
        if card is None:
            return error(400, "param.invalid", "卡片不存在 (unknown outTrackId)")
        params = (body.get("cardData") or {}).get("cardParamMap")
        refused = _card_params_ok(params)
        if refused:
            return refused
        card.history.append(dict(card.params))
        by_key = (body.get("cardUpdateOptions") or {}).get("updateCardDataByKey", False)
        card.params = {**card.params, **params} if by_key else dict(params)
        return Answer(200, {"success": True, "result": True})

    def convert_chat(self, chat_id: str) -> Answer:
        group = self.world.group_by_chat_id(chat_id)
        if group is None:
            return error(400, "invalidParameter.chatId", f"无效的chatId {chat_id}")
        return Answer(200, {"openConversationId": group.cid})

    # --- the older API: media upload ----------------------------------------------------------

    def upload(self, token: str | None, media_type: str, name: str, content: bytes) -> Answer:
        if not self.token_ok(token):
            return Answer(200, {"errcode": 40014, "errmsg": "不合法的access_token"})
        refused = self.windows.check_api("/media/upload")
        if refused is not None:
            return Answer(200, {"errcode": 90018, "errmsg": "请求频率过高 (simulated)"})
        fault = self.faults.take("/media/upload")
        if fault is not None:
            return from_refusal(fault[0])
        if media_type not in MEDIA_TYPES:
            return Answer(200, {"errcode": 40004, "errmsg": f"不合法的媒体文件类型 {media_type}"})
        suffix = PurePosixPath(name).suffix.lstrip(".").lower()
        allowed = (
            IMAGE_TYPES if media_type == "image" else FILE_TYPES if media_type == "file" else ()
        )
        if allowed and suffix not in allowed:
            return Answer(200, {"errcode": 40004, "errmsg": f"不支持的文件格式 .{suffix}"})
        if not content:
            return Answer(200, {"errcode": 40005, "errmsg": "文件为空"})
        if len(content) > MEDIA_LIMIT:
            return Answer(200, {"errcode": 40006, "errmsg": "文件大小超过限制"})
        media_id = "@lA" + secrets.token_urlsafe(18)
        self.world.uploads[media_id] = Upload(media_id, media_type, name, content)
        return Answer(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "media_id": media_id,
                "type": media_type,
                "created_at": int(self.clock() * 1000),
            },
        )


def _card_params_ok(params: Any) -> Answer | None:
    if not isinstance(params, dict) or not params:
        return error(400, "param.invalid", "cardData.cardParamMap is required")
    wrong = [k for k, v in params.items() if not isinstance(v, str)]
    if wrong:
        return error(400, "param.invalid", f"cardParamMap values must be strings: {wrong}")
    size = len(json.dumps(params, ensure_ascii=False).encode("utf-8"))
    if size > CARD_PARAMS_LIMIT:
        return error(
            400, "param.invalid", f"cardParamMap is {size} bytes (max {CARD_PARAMS_LIMIT})"
        )
    return None


def _delivered(card: Card, space: str) -> dict[str, Any]:
    space_type = "IM_GROUP" if card.cid else "IM_ROBOT"
    return {
        "success": True,
        "result": {
            "outTrackId": card.out_track_id,
            "deliverResults": [
                {
                    "spaceType": space_type,
                    "spaceId": space,
                    "success": True,
                    "carrierId": f"carrier{card.out_track_id[:8]}",
                }
            ],
        },
    }
