"""How a cycle's reminders went out, in one line for the status views: reached, being sent,
waiting out a rate limit, retrying, failed.
"""

from __future__ import annotations

from messages.i18n import Translator
from reports.deliveries import DeliveryTally


def delivery_line(t: Translator, tally: DeliveryTally | None) -> str | None:
    """'Reminders: 118 of 120 chats reached, 1 waits out a rate limit, 1 failed'; None if none."""
    if tally is None or tally.total == 0:
        return None
    parts = [
        t.ngettext(
            "Reminders: {sent} of {total} chat reached",
            "Reminders: {sent} of {total} chats reached",
            tally.total,
        ).format(sent=tally.sent, total=tally.total)
    ]
    if tally.sending:
        parts.append(t._("{n} being sent").format(n=tally.sending))
    if tally.rate_limited:
        parts.append(t._("{n} waiting out a rate limit").format(n=tally.rate_limited))
    if tally.retrying:
        parts.append(t._("{n} retrying after an error").format(n=tally.retrying))
    if tally.failed:
        parts.append(t._("{n} failed (bot removed or chat gone)").format(n=tally.failed))
    if tally.skipped:
        parts.append(t._("{n} no longer needed").format(n=tally.skipped))
    return "📨 " + ("，" if t.is_chinese else ", ").join(parts)
