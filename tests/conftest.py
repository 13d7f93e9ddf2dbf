"""Shared fixtures: people and chats of a typical deployment."""

from __future__ import annotations

import pytest

from botapi_sim.updates import SimChat, SimUser, private_chat

ADMIN = SimUser(id=1001, first_name="Admin", username="admin_wang")
COORDINATOR = SimUser(id=1002, first_name="协调员", username="coord_li")
LIAISON_WATER = SimUser(id=2001, first_name="张", last_name="水利")
LIAISON_DEV = SimUser(id=2002, first_name="李", last_name="发改")
LIAISON_ENERGY = SimUser(id=2003, first_name="王", last_name="能源")
STRANGER = SimUser(id=9009, first_name="Stranger", language_code="en")

WATER_GROUP = SimChat(id=-100_001, title="省水利厅 督办群")
DEV_GROUP = SimChat(id=-100_002, title="发改委 督办群")
ENERGY_GROUP = SimChat(id=-100_003, title="能源局/自然资源厅 督办群")
COORD_GROUP = SimChat(id=-100_900, title="督办协调组")
UNBOUND_GROUP = SimChat(id=-100_777, title="闲聊群")


@pytest.fixture
def admin_private() -> SimChat:
    return private_chat(ADMIN)
