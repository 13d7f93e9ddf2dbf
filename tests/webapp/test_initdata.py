"""The Mini App's signed `initData`: Telegram's signature is checked, and its age.

Telegram's documentation ("Validating data received via the Mini App") publishes the method
and the shape of the data-check-string, but no worked example with a bot token and its hash.
The known answer below was computed independently of this code, twice: with Node's crypto
module and with `openssl dgst -mac HMAC`, following the documentation step by step:

    secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from webapp.initdata import (
    REASON_FORGED,
    REASON_MALFORMED,
    REASON_MISSING,
    REASON_STALE,
    InitDataError,
    data_check_string,
    sign,
    validate,
)

# The sample token of Telegram's bot documentation (not a live bot).
TOKEN = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
USER = (
    '{"id":279058397,"first_name":"张","last_name":"水利","username":"zhang_sl",'
    '"language_code":"zh-hans","allows_write_to_pm":true}'
)
KNOWN_FIELDS = {
    "auth_date": "1733050000",
    "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
    "user": USER,
    "chat_instance": "-3788475317572404878",
    "chat_type": "private",
}
KNOWN_HASH = "0b1bdec82d6c0f3a0c750e06f7e9ae70cd92cdcc4f8b0e590d703b6a8b44eae9"
# As Node's URLSearchParams encoded it (the order the client happens to send).
KNOWN_INIT_DATA = (
    "auth_date=1733050000&query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22"
    "first_name%22%3A%22%E5%BC%A0%22%2C%22last_name%22%3A%22%E6%B0%B4%E5%88%A9%22%2C%22username"
    "%22%3A%22zhang_sl%22%2C%22language_code%22%3A%22zh-hans%22%2C%22allows_write_to_pm%22%3A"
    "true%7D&chat_instance=-3788475317572404878&chat_type=private&hash=" + KNOWN_HASH
)
SIGNED_AT = datetime(2024, 12, 1, 10, 46, 40)  # auth_date 1733050000, naive UTC


def test_the_known_answer_computed_outside_this_code_is_accepted() -> None:
    data = validate(KNOWN_INIT_DATA, TOKEN, now=SIGNED_AT + timedelta(minutes=5),
                    max_age_seconds=3600)
    assert data.user_id == 279058397
    assert data.first_name == "张"
    assert data.language_code == "zh-hans"
    assert data.auth_date == SIGNED_AT


def test_the_data_check_string_has_the_documented_shape() -> None:
    # 'auth_date=<auth_date>\nquery_id=<query_id>\nuser=<user>', sorted, without the hash.
    assert data_check_string({"user": "u", "hash": "h", "auth_date": "1", "query_id": "q"}) == (
        "auth_date=1\nquery_id=q\nuser=u"
    )
    assert sign(KNOWN_FIELDS, TOKEN) == KNOWN_HASH


def test_the_order_of_the_fields_does_not_matter_but_their_values_do() -> None:
    shuffled = urlencode({**dict(reversed(list(KNOWN_FIELDS.items()))), "hash": KNOWN_HASH},
                         quote_via=quote)
    validate(shuffled, TOKEN, now=SIGNED_AT, max_age_seconds=3600)
    for key, value in [("user", USER.replace("279058397", "279058398")),
                       ("auth_date", "1733050001"), ("chat_type", "group")]:
        forged = urlencode({**KNOWN_FIELDS, key: value, "hash": KNOWN_HASH}, quote_via=quote)
        with pytest.raises(InitDataError) as caught:
            validate(forged, TOKEN, now=SIGNED_AT, max_age_seconds=3600)
        assert caught.value.reason == REASON_FORGED


def test_another_bots_token_does_not_verify() -> None:
    with pytest.raises(InitDataError) as caught:
        validate(KNOWN_INIT_DATA, "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsax",
                 now=SIGNED_AT, max_age_seconds=3600)
    assert caught.value.reason == REASON_FORGED


def test_an_added_field_breaks_the_signature() -> None:
    with pytest.raises(InitDataError) as caught:
        validate(KNOWN_INIT_DATA + "&start_param=admin", TOKEN, now=SIGNED_AT,
                 max_age_seconds=3600)
    assert caught.value.reason == REASON_FORGED


@pytest.mark.parametrize(
    ("age", "accepted"),
    [(timedelta(0), True), (timedelta(minutes=59), True), (timedelta(minutes=61), False),
     (timedelta(days=30), False), (timedelta(minutes=-2), True), (timedelta(hours=-1), False)],
)
def test_data_older_than_the_limit_or_from_the_future_is_stale(age, accepted) -> None:
    now = SIGNED_AT + age
    if accepted:
        validate(KNOWN_INIT_DATA, TOKEN, now=now, max_age_seconds=3600)
        return
    with pytest.raises(InitDataError) as caught:
        validate(KNOWN_INIT_DATA, TOKEN, now=now, max_age_seconds=3600)
    assert caught.value.reason == REASON_STALE


def test_an_aware_now_is_the_same_moment() -> None:
    aware = (SIGNED_AT + timedelta(minutes=30)).replace(tzinfo=UTC)
    validate(KNOWN_INIT_DATA, TOKEN, now=aware, max_age_seconds=3600)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", REASON_MISSING),
        ("auth_date=1733050000&user=%7B%7D", REASON_MISSING),  # no hash at all
        ("auth_date=1&hash=abc", REASON_FORGED),  # not a SHA-256 hex digest
        ("auth_date=1&auth_date=2&hash=" + "0" * 64, REASON_MALFORMED),  # a repeated key
        ("=x&hash=" + "0" * 64, REASON_MALFORMED),
        ("a" * 9000, REASON_MALFORMED),
    ],
)
def test_malformed_data_is_refused_with_a_reason(raw, reason) -> None:
    with pytest.raises(InitDataError) as caught:
        validate(raw, TOKEN, now=SIGNED_AT, max_age_seconds=3600)
    assert caught.value.reason == reason


def test_signed_data_without_a_usable_user_is_malformed_not_accepted() -> None:
    for user in ("not json", json.dumps({"first_name": "no id"}), json.dumps({"id": "x"})):
        fields = {"auth_date": "1733050000", "user": user}
        raw = urlencode({**fields, "hash": sign(fields, TOKEN)}, quote_via=quote)
        with pytest.raises(InitDataError) as caught:
            validate(raw, TOKEN, now=SIGNED_AT, max_age_seconds=3600)
        assert caught.value.reason == REASON_MALFORMED
