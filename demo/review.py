"""The demo's move of the office's review: a coordinator returns a vague report with a reason
by the 退回 buttons under the measure's view, and the department's chat is told.
"""

from __future__ import annotations

from botapi_sim.updates import SimChat, SimUser
from commands.review import RETURN_PREFIX
from coordination.review import REASON_PERCENT
from demo import script
from demo.stage import DemoError, Stage
from messages import demo as says


async def return_report(
    stage: Stage, coordinators: SimChat, coordinator: SimUser, to: SimChat
) -> None:
    """A coordinator opens the measure, presses 退回 under its report and picks a reason; the
    department's chat is told."""
    t = stage.t
    asked = await stage.send(coordinators, coordinator, f"/status {script.RETURNED}")
    view = next((m for m in stage.answers_after(coordinators, asked) if m.buttons), None)
    if view is None:
        raise DemoError(t._(says.NO_RETURN_BUTTON).format(label=script.RETURNED))
    before = len(stage.bot_messages(coordinators))
    await stage.press_where(
        coordinators,
        coordinator,
        view,
        lambda b: str(b.get("callback_data", "")).startswith(RETURN_PREFIX + ":"),
        script.RETURNED,
    )
    prompt = next(iter(stage.bot_messages(coordinators)[before:]), None)
    if prompt is None:
        raise DemoError(t._(says.NO_RETURN_BUTTON).format(label=script.RETURNED))
    told = len(stage.bot_messages(to))
    await stage.press_where(
        coordinators,
        coordinator,
        prompt,
        lambda b: str(b.get("callback_data", "")).endswith(":" + REASON_PERCENT),
        REASON_PERCENT,
    )
    if len(stage.bot_messages(to)) == told:
        raise DemoError(t._(says.NO_NOTICE).format(chat=to.title))
