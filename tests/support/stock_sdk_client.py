"""The official DingTalk SDK, unmodified, as a bot author would run it (for the simulator's
tests): `python tests/support/stock_sdk_client.py CLIENT_ID CLIENT_SECRET`.

The endpoint comes from DINGTALK_OPENAPI_ENDPOINT, the variable the SDK itself reads. Every
push it receives is printed as one JSON line on standard output.
"""

from __future__ import annotations

import json
import sys

import dingtalk_stream
from dingtalk_stream import AckMessage


def say(kind: str, **values: object) -> None:
    print(json.dumps({"kind": kind, **values}, ensure_ascii=False), flush=True)


class RobotMessages(dingtalk_stream.ChatbotHandler):
    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, str]:
        message = dingtalk_stream.ChatbotMessage.from_dict(callback.data)
        say(
            "robot",
            text=message.text.content if message.text else None,
            staff_id=message.sender_staff_id,
            conversation_id=message.conversation_id,
            at_list=message.is_in_at_list,
        )
        return AckMessage.STATUS_OK, "OK"


class CardPresses(dingtalk_stream.CallbackHandler):
    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, str]:
        press = dingtalk_stream.CardCallbackMessage.from_dict(callback.data)
        say(
            "card",
            out_track_id=press.card_instance_id,
            user_id=press.user_id,
            params=press.content.get("cardPrivateData", {}).get("params"),
        )
        return AckMessage.STATUS_OK, "OK"


class Events(dingtalk_stream.EventHandler):
    async def process(self, event: dingtalk_stream.EventMessage) -> tuple[int, str]:
        say("event", event_type=event.headers.event_type, data=event.data)
        return AckMessage.STATUS_OK, "OK"


def main() -> None:
    credential = dingtalk_stream.Credential(sys.argv[1], sys.argv[2])
    client = dingtalk_stream.DingTalkStreamClient(credential)
    client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, RobotMessages())
    client.register_callback_handler(
        dingtalk_stream.CallbackHandler.TOPIC_CARD_CALLBACK, CardPresses()
    )
    client.register_all_event_handler(Events())
    token = client.get_access_token()
    say("token", ok=bool(token))
    client.start_forever()


if __name__ == "__main__":
    main()
