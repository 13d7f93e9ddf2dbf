"""The 通报 a digest schedule posts: to the coordinators the overview, the overdue list and
what needs attention, to the leaders' chat what needs attention; both get the .docx.
"""

from __future__ import annotations

from coordination.outbox_content import Digest
from messages.bulletin import bulletin_file, issue_line
from messages.escalation import render_escalations
from messages.html import split_html
from messages.i18n import Translator
from messages.outgoing import Outgoing
from messages.status import overview_header, render_overdue, render_overview


def render_digest(t: Translator, digest: Digest) -> list[Outgoing]:
    """The digest's messages, then the 通报 as a document."""
    bulletin, overview = digest.bulletin, digest.overview
    title = "<b>" + t._("📣 Progress digest") + "</b> · " + t.date(digest.now, "long")
    if overview.cycle is not None:
        title += " · " + issue_line(t, bulletin)
    attention = render_escalations(t, bulletin.escalations)
    if digest.for_leaders:
        body = [title]
        if overview.cycle is not None:
            body += ["", *overview_header(t, overview)]
        body += ["", attention or t._("Nothing needs the leaders' attention this time.")]
        texts = split_html("\n".join(body))
    else:
        texts = split_html(title + "\n\n" + render_overview(t, overview))
        if overview.cycle is not None:
            texts += split_html(render_overdue(t, overview))
        if attention:
            texts += split_html(attention)
    messages = [Outgoing(text) for text in texts if text.strip()]
    if overview.cycle is not None:
        caption = t._("Progress bulletin {issue}, as of {moment}").format(
            issue=issue_line(t, bulletin), moment=t.datetime(digest.now, "short")
        )
        messages.append(Outgoing(caption, file=bulletin_file(t, bulletin)))
    return messages
