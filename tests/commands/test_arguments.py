"""Property tests on what people type after a command: no text raises, every answer is valid.

The plain functions behind /bind, /remind and /measures (department names), /status,
/history, /export and /schedule get arbitrary text against the bundled plan; then the
real bot gets arbitrary arguments to every command and must answer politely each time.
Measures that do not exist are refused with a message that says so.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from botapi_sim.telegram_html import parse_html
from botapi_sim.updates import private_chat
from commands.gate import CommandArgs
from commands.schedules import schedule_number
from commands.views import ViewMiss, export, history, status
from coordination.bindings import bind_departments, split_names
from coordination.reply_reader import split_report_arguments
from coordination.roles import Roles
from coordination.schedule_spec import SpecError, parse_schedule_args
from coordination.schedules import UnknownDepartment, resolve_department
from messages.i18n import get_translator
from messages.ledger import render_export
from messages.schedules import SPEC_ERRORS
from messages.views import view_pages
from models.chats import ChatDepartment
from models.clock import utcnow
from models.db import Database
from models.plan import Department
from models.progress import ProgressUpdate
from runtime import services
from tests.conftest import ADMIN, LIAISON_WATER, STRANGER, WATER_GROUP
from tests.support.harness import BotHarness, fresh_database, test_database_url
from tests.support.liaison_data import bind, make_cycle

TELEGRAM_LIMIT = 4096
APOLOGY = ("出了点问题", "something went wrong")

# What people type: CJK, brackets and numerals of measure labels, markup, odd spaces.
PIECES = st.sampled_from(
    [
        "省水利厅",
        "水利",
        "省发展改革委",
        "发改委",
        "省能源局",
        "相关市人民政府",
        "省直有关部门",
        "（五）",
        "(5)",
        "五",
        "5",
        "第五项",
        "九十九",
        "（九十九）",
        "99",
        "0",
        "-1",
        "10**12",
        "；",
        "、",
        ",",
        "，",
        " ",
        "\u3000",
        "\n",
        "\t",
        "<b>",
        "</a>",
        "&amp;",
        "&",
        "#1",
        "monthly",
        "weekly",
        "daily",
        "25",
        "09:00",
        "tz=Asia/Shanghai",
        "due=3",
        "nudge=24",
        "lead",
        "all",
        "add",
        "list",
        "pause",
        "remove",
        "en",
        "zh",
        "中文",
        "\x00",
        "\u200b",
        "¹",
        "²³",
        "١٢",
        "１２",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=60),
    st.lists(PIECES | st.text(max_size=4), max_size=12).map("".join),
)
inputs_tried: dict[str, int] = {}


def count(name: str) -> None:
    inputs_tried[name] = inputs_tried.get(name, 0) + 1


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    from assembly import ensure_bundled_plan

    database = fresh_database(test_database_url(tmp_path_factory.mktemp("parsers")))
    ensure_bundled_plan(database)
    yield database
    database.dispose()
    print(f"\nargument parsers: inputs tried {inputs_tried}, total {sum(inputs_tried.values())}")


def valid_pages(pages: list[str]) -> bool:
    """Non-empty, within Telegram's length, and HTML that Telegram accepts."""
    for page in pages:
        assert page.strip() and len(page) <= TELEGRAM_LIMIT
        parse_html(page)  # raises on malformed markup
    return bool(pages)


PARSER_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PARSER_SETTINGS
@given(text=TEXTS)
def test_department_names_resolve_or_are_refused_with_suggestions(db, text):
    count("department name")
    with db.session() as session:
        for name in split_names(session, text):
            assert name.strip()
        try:
            department = resolve_department(session, text)
        except UnknownDepartment as refused:
            assert refused.name is not None
        else:
            assert department.id is not None


@PARSER_SETTINGS
@given(text=TEXTS)
def test_bind_binds_real_departments_or_nothing(db, text):
    count("/bind")
    with Session(db.engine) as session:
        result = bind_departments(session, chat_id=-100_424_242, text=text, user_id=ADMIN.id)
        bound = session.exec(
            select(Department.name)
            .join(ChatDepartment, ChatDepartment.department_id == Department.id)
            .where(ChatDepartment.chat_id == -100_424_242)
        ).all()
        if result.refused:
            assert bound == [], "a refused /bind binds nothing"
        else:
            assert {name for name, *_ in result.bound} == set(bound)
        session.rollback()


COORDINATOR_ROLES = Roles(user_id=1002, chat_id=None, is_coordinator=True)


def ask(command, session, text, now):
    """A coordinator's command with `text` after it, answered as a record."""
    return command(session, roles=COORDINATOR_ROLES, args=CommandArgs(text=text), now=now)


@PARSER_SETTINGS
@given(text=TEXTS, locale=st.sampled_from(["zh_CN", "en"]))
def test_status_and_history_answer_every_argument_with_valid_pages(db, text, locale):
    count("/status, /history")
    t = get_translator(locale, "Asia/Shanghai")
    now = utcnow()
    with db.session() as session:
        assert valid_pages(view_pages(t, ask(status, session, text, now)))
        assert valid_pages(view_pages(t, ask(history, session, text, now)))


@pytest.mark.parametrize("token", ["99", "（九十九）", "第九十九项", "0"])
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_measure_that_does_not_exist_is_refused_politely(db, token, locale):
    count("missing measure")
    t = get_translator(locale, "Asia/Shanghai")
    with db.session() as session:
        for answer in (
            ask(status, session, token, utcnow()),
            ask(history, session, token, utcnow()),
        ):
            (page,) = view_pages(t, answer)
            assert isinstance(answer, ViewMiss), "nothing to page through"
            assert html.escape(token) in page or "99" in page or "九十九" in page, page
            assert len(page) < 400


@settings(max_examples=40, deadline=None)
@given(text=TEXTS)
def test_export_answers_a_file_or_its_usage(db, text):
    count("/export")
    t = get_translator("zh_CN", "Asia/Shanghai")
    with db.session() as session:
        messages = render_export(t, ask(export, session, text, utcnow()))
    assert messages[0].file is not None or valid_pages([m.text for m in messages])


@PARSER_SETTINGS
@given(text=TEXTS)
def test_schedule_text_parses_or_says_why(text):
    count("/schedule")
    try:
        spec = parse_schedule_args(text, default_timezone="Asia/Shanghai")
    except SpecError as refused:
        # The reason is a catalog message with its parameters: it must format.
        get_translator("en", "Asia/Shanghai")._(SPEC_ERRORS[refused.code]).format(**refused.params)
    else:
        assert spec.cron.count(" ") == 4
    number = schedule_number(text)
    assert number is None or 0 <= number < 10**9
    numbers, body = split_report_arguments(text)
    assert all(n > 0 for n in numbers)
    assert body == body.strip()


# --- the real bot, every command, arbitrary arguments -----------------------------------

COMMANDS = [
    "start",
    "help",
    "lang",
    "bind",
    "unbind",
    "chats",
    "admin",
    "coordinator",
    "coordinators_chat",
    "measures",
    "schedule",
    "remind",
    "report",
    "status",
    "overdue",
    "history",
    "export",
]


@pytest.fixture
async def bot(tmp_path):
    async with BotHarness.open(tmp_path, admin_ids=[ADMIN.id]) as harness:

        def deployment(session) -> None:
            bind(session, WATER_GROUP.id, "省水利厅", title=WATER_GROUP.title)
            make_cycle(session, deliveries={WATER_GROUP.id: 501}, due_in=timedelta(days=3))

        harness.db.call(deployment)
        yield harness


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(COMMANDS),
    text=TEXTS,
    where=st.sampled_from(["admin private", "admin group", "liaison", "stranger"]),
)
async def test_every_command_answers_any_argument_politely(bot, command, text, where):
    count("bot command")
    user, chat = {
        "admin private": (ADMIN, private_chat(ADMIN)),
        "admin group": (ADMIN, WATER_GROUP),
        "liaison": (LIAISON_WATER, WATER_GROUP),
        "stranger": (STRANGER, private_chat(STRANGER)),
    }[where]
    # Strangers get one answer a minute, and an earlier example may have made anyone one here
    # (an admin's /unbind with a generated argument): a minute passes between these examples.
    services(bot.application).clock_offset += timedelta(minutes=1)
    mark = len(bot.request.calls)
    await bot.send(bot.updates.command(chat, user, command, text.replace("\n", " ")))
    answers = [
        c
        for c in bot.request.calls[mark:]
        if c.method in {"sendMessage", "sendDocument", "sendPhoto"} and c.chat_id == chat.id
    ]
    assert answers, f"/{command} {text!r}: no answer"
    for call in answers:
        body = call.text or ""
        assert not any(apology in body for apology in APOLOGY), (command, text, body)
        if call.method == "sendMessage":
            assert len(body) <= TELEGRAM_LIMIT
            parse_html(body)


async def test_report_on_a_measure_that_does_not_exist_says_so(bot):
    answer = await bot.command(WATER_GROUP, LIAISON_WATER, "report", "（九十九） 已完成")
    assert "99" in answer and "（五）" in answer, "names the measure and lists the chat's own"
    with bot.db.session() as session:
        assert session.exec(select(ProgressUpdate)).all() == []
    status = await bot.command(private_chat(ADMIN), ADMIN, "status", "99")
    assert "99" in status or "九十九" in status
