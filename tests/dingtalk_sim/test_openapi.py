"""The simulator's OpenAPI stub checks what DingTalk checks, records what the robot did, and
limits and fails as asked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from dingtalk_sim.limits import RateLimits
from dingtalk_sim.server import DingTalkSimulator
from dingtalk_sim.world import SimGroup

CLOCK = [5000.0]


@pytest.fixture
async def sim() -> AsyncIterator[DingTalkSimulator]:
    CLOCK[0] = 5000.0
    async with DingTalkSimulator(
        clock=lambda: CLOCK[0], rate_limits=RateLimits(per_second=1000)
    ) as simulator:
        yield simulator


@pytest.fixture
async def http(sim: DingTalkSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.base_url) as client:
        yield client


async def token(sim: DingTalkSimulator, http: httpx.AsyncClient) -> str:
    answer = await http.post(
        "/v1.0/oauth2/accessToken",
        json={"appKey": sim.client_id, "appSecret": sim.client_secret},
    )
    assert answer.status_code == 200 and answer.json()["expireIn"] == 7200
    return str(answer.json()["accessToken"])


def markdown(text: str = "督办提醒", title: str = "督办") -> str:
    return json.dumps({"title": title, "text": text}, ensure_ascii=False)


async def send(
    sim: DingTalkSimulator,
    http: httpx.AsyncClient,
    group: SimGroup,
    *,
    access: str | None = None,
    **body: Any,
) -> httpx.Response:
    payload = {
        "robotCode": sim.robot_code,
        "openConversationId": group.cid,
        "msgKey": "sampleMarkdown",
        "msgParam": markdown(),
    } | body
    headers = {"x-acs-dingtalk-access-token": access or await token(sim, http)}
    return await http.post("/v1.0/robot/groupMessages/send", json=payload, headers=headers)


async def test_the_token_needs_the_apps_key_and_secret(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    wrong = await http.post(
        "/v1.0/oauth2/accessToken", json={"appKey": sim.client_id, "appSecret": "x"}
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalidClientIdOrSecret"


async def test_a_markdown_message_is_recorded_and_a_bad_token_refused(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    water = sim.add_group("水利")
    refused = await send(sim, http, water, access="not-a-token")
    assert refused.status_code == 401 and refused.json()["code"] == "InvalidAuthentication"
    taken = await send(sim, http, water)
    assert taken.status_code == 200
    (message,) = sim.world.messages_in(water.cid)
    assert message.key == taken.json()["processQueryKey"]
    assert message.param == {"title": "督办", "text": "督办提醒"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"msgKey": ""}, "invalidParameter.msgKey.empty"),
        ({"msgKey": "sampleHtml"}, "invalidParameter.msgKey.invalid"),
        ({"msgParam": "{not json"}, "invalidParameter.msgParam.invalid"),
        ({"msgParam": json.dumps({"text": "no title"})}, "invalidParameter.msgParam.invalid"),
        ({"msgParam": markdown("长" * 5001)}, "invalidParameter.msgParam.invalid"),
        ({"robotCode": "dingsomeoneelse"}, "invalidParameter.robotCode.auth"),
        ({"openConversationId": "cidUnknown=="}, "invalid.openConversationId"),
        (
            {
                "msgKey": "sampleFile",
                "msgParam": json.dumps(
                    {"mediaId": "@lAnever", "fileName": "a.xlsx", "fileType": "xlsx"}
                ),
            },
            "invalidParameter.msgParam.invalid",
        ),
    ],
)
async def test_a_malformed_message_is_refused_with_dingtalks_code(
    sim: DingTalkSimulator, http: httpx.AsyncClient, body: dict[str, Any], code: str
) -> None:
    water = sim.add_group("水利")
    answer = await send(sim, http, water, **body)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert sim.world.messages_in(water.cid) == []


async def test_a_message_of_exactly_the_documented_size_is_taken(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    water = sim.add_group("水利")
    base = len(markdown("").encode())
    text = "a" * (15_000 - base)
    assert len(markdown(text).encode()) == 15_000
    assert (await send(sim, http, water, msgParam=markdown(text))).status_code == 200
    assert (await send(sim, http, water, msgParam=markdown(text + "a"))).status_code == 400


async def test_a_group_without_the_robot_refuses_messages(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    water = sim.add_group("水利")
    await sim.remove_robot(water)
    answer = await send(sim, http, water)
    assert answer.json()["code"] == "invalidParameter.robotCode.empty"


async def test_twenty_messages_a_minute_into_one_group(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    water, other = sim.add_group("水利"), sim.add_group("发改")
    access = await token(sim, http)
    for _ in range(20):
        assert (await send(sim, http, water, access=access)).status_code == 200
        CLOCK[0] += 1.0
    limited = await send(sim, http, water, access=access)
    assert limited.status_code == 429
    assert 39 <= float(limited.headers["Retry-After"]) <= 41
    assert (await send(sim, http, other, access=access)).status_code == 200  # per group
    CLOCK[0] += 41.0
    assert (await send(sim, http, water, access=access)).status_code == 200
    assert len(sim.world.messages_in(water.cid)) == 21


async def test_calls_over_the_apps_rate_are_refused_with_a_qps_code() -> None:
    clock = [0.0]
    async with DingTalkSimulator(clock=lambda: clock[0], rate_limits=RateLimits(per_second=3)) as s:
        water = s.add_group("水利")
        async with httpx.AsyncClient(base_url=s.base_url) as http:
            access = await token(s, http)
            answers = [await send(s, http, water, access=access) for _ in range(4)]
            assert [a.status_code for a in answers] == [200, 200, 200, 403]
            assert answers[-1].json()["code"] == "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
            clock[0] += 1.0
            assert (await send(s, http, water, access=access)).status_code == 200


async def test_recalls_take_only_the_robots_messages_in_that_group(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    water, other = sim.add_group("水利"), sim.add_group("发改")
    access = await token(sim, http)
    mine = (await send(sim, http, water, access=access)).json()["processQueryKey"]
    theirs = (await send(sim, http, other, access=access)).json()["processQueryKey"]
    answer = await http.post(
        "/v1.0/robot/groupMessages/recall",
        json={
            "robotCode": sim.robot_code,
            "openConversationId": water.cid,
            "processQueryKeys": [mine, theirs],
        },
        headers={"x-acs-dingtalk-access-token": access},
    )
    assert answer.json()["successResult"] == [mine]
    assert list(answer.json()["failedResult"]) == [theirs]
    assert sim.world.messages_in(water.cid) == [] and len(sim.world.messages_in(other.cid)) == 1


async def test_cards_are_created_once_per_out_track_id_and_updated_by_key(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    water = sim.add_group("水利")
    headers = {"x-acs-dingtalk-access-token": await token(sim, http)}
    body = {
        "cardTemplateId": "tpl.schema",
        "outTrackId": "t-1",
        "callbackType": "STREAM",
        "cardData": {"cardParamMap": {"markdown": "选择", "buttons": "[]"}},
        "openSpaceId": f"dtv1.card//IM_GROUP.{water.cid}",
        "imGroupOpenDeliverModel": {"robotCode": sim.robot_code},
    }
    path = "/v1.0/card/instances/createAndDeliver"
    first = await http.post(path, json=body, headers=headers)
    again = await http.post(path, json=body, headers=headers)
    assert first.json() == again.json()
    assert first.json()["result"]["deliverResults"][0]["success"] is True
    assert len(sim.world.cards_in(water.cid)) == 1
    not_strings = body | {"outTrackId": "t-2", "cardData": {"cardParamMap": {"n": 1}}}
    assert (await http.post(path, json=not_strings, headers=headers)).status_code == 400
    update = {
        "outTrackId": "t-1",
        "cardData": {"cardParamMap": {"markdown": "已记录"}},
        "cardUpdateOptions": {"updateCardDataByKey": True},
    }
    assert (await http.put("/v1.0/card/instances", json=update, headers=headers)).status_code == 200
    card = sim.world.cards["t-1"]
    assert card.params == {"markdown": "已记录", "buttons": "[]"}
    assert card.history == [{"markdown": "选择", "buttons": "[]"}]


@pytest.mark.parametrize(
    ("media_type", "name", "content", "errcode"),
    [
        ("file", "台账.xlsx", b"PK..", 0),
        ("image", "chart.png", b"\x89PNG..", 0),
        ("file", "run.exe", b"MZ", 40004),
        ("image", "chart.xlsx", b"PK", 40004),
        ("file", "empty.pdf", b"", 40005),
        ("sticker", "a.png", b"x", 40004),
    ],
)
async def test_uploads_follow_the_media_rules(
    sim: DingTalkSimulator,
    http: httpx.AsyncClient,
    media_type: str,
    name: str,
    content: bytes,
    errcode: int,
) -> None:
    access = await token(sim, http)
    answer = await http.post(
        "/media/upload",
        params={"access_token": access, "type": media_type},
        files={"media": (name, content)},
    )
    assert answer.status_code == 200 and answer.json()["errcode"] == errcode
    if errcode == 0:
        media_id = answer.json()["media_id"]
        assert sim.world.uploads[media_id].content == content


async def test_an_upload_with_a_stale_token_gets_the_older_apis_error(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    access = await token(sim, http)
    sim.api.expire_tokens()
    answer = await http.post(
        "/media/upload",
        params={"access_token": access, "type": "file"},
        files={"media": ("a.pdf", b"%PDF")},
    )
    assert answer.json()["errcode"] == 40014


async def test_injected_failures_strike_the_next_calls_then_stop(
    sim: DingTalkSimulator, http: httpx.AsyncClient
) -> None:
    water = sim.add_group("水利")
    access = await token(sim, http)
    sim.faults.fail_next("/v1.0/robot/groupMessages/send", status=503, times=2)
    statuses = [(await send(sim, http, water, access=access)).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert len(sim.world.messages_in(water.cid)) == 1
