"""Who is in the role-giving chats: asked of the platform once per chat and user, kept five
minutes, asked again soon after a failure; and the dashboard viewer made of the answers."""

from __future__ import annotations

from models.chats import ROLE_COORDINATOR, Chat, ChatDepartment, UserRole
from models.plan import Department
from runtime.chat_members import FAILED_TTL_SECONDS, MembershipCache, resolve_viewer


class Platform:
    """Answers like Telegram's getChatMember; counts the questions; can be down."""

    def __init__(self, members: dict[int, set[int]]) -> None:
        self.members = members
        self.questions: list[tuple[int, int]] = []
        self.down = False

    async def __call__(self, chat_id: int, user_id: int) -> bool | None:
        self.questions.append((chat_id, user_id))
        if self.down:
            return None
        return user_id in self.members.get(chat_id, set())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_each_chat_is_asked_once_until_the_answer_is_old() -> None:
    platform, clock = Platform({-1: {5}, -2: set()}), Clock()
    cache = MembershipCache(platform, clock=clock)
    assert await cache.member_of(5, [-1, -2, -1]) == {-1}
    assert await cache.member_of(5, [-2, -1]) == {-1}
    assert sorted(platform.questions) == [(-2, 5), (-1, 5)]
    platform.members[-2].add(5)  # joined: seen once the answer is five minutes old
    clock.now += 299
    assert await cache.member_of(5, [-1, -2]) == {-1}
    clock.now += 2
    assert await cache.member_of(5, [-1, -2]) == {-1, -2}
    assert len(platform.questions) == 4


async def test_a_platform_that_cannot_answer_is_asked_again_soon() -> None:
    platform, clock = Platform({-1: {5}}), Clock()
    cache = MembershipCache(platform, clock=clock)
    platform.down = True
    assert await cache.member_of(5, [-1]) == set()  # no role while nobody can tell
    platform.down = False
    clock.now += FAILED_TTL_SECONDS + 1
    assert await cache.member_of(5, [-1]) == {-1}
    cache.forget(5)
    assert await cache.member_of(5, [-1]) == {-1}
    assert len(platform.questions) == 3


async def test_named_roles_need_no_question_and_liaisons_are_found_by_their_groups(db) -> None:
    def setup(session) -> int:
        water = Department(name="省水利厅")
        session.add_all([water, UserRole(user_id=77, role=ROLE_COORDINATOR)])
        session.add_all([Chat(id=-1, title="协调组", is_coordinators=True), Chat(id=-2)])
        session.flush()
        session.add(ChatDepartment(chat_id=-2, department_id=water.id))
        return water.id

    water = db.call(setup)
    platform = Platform({-2: {5}, -1: {6}})
    cache = MembershipCache(platform)

    async def viewer(user_id: int, membership: MembershipCache | None = cache):
        return await resolve_viewer(db, user_id=user_id, admin_ids=[1], membership=membership)

    assert (await viewer(77)).everything and (await viewer(1)).everything
    assert platform.questions == []  # the database named them
    liaison = await viewer(5)
    assert not liaison.everything and liaison.department_ids == frozenset({water})
    assert (await viewer(6)).everything  # in the coordinators' chat
    assert not (await viewer(9)).allowed
    assert not (await viewer(5, membership=None)).allowed  # nobody to ask: named roles only
