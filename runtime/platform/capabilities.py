"""What a chat platform can do, so the core words and paces its messages to fit.

Each adapter states its own; the core reads them instead of asking which platform it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    """How fast the platform lets a bot send: overall, and into one group."""

    per_second: float
    per_group_per_minute: int


@dataclass(frozen=True)
class Capabilities:
    platform: str
    # Group messages reach the bot without naming it (a reply to it, or anything at all).
    replies_reach_bot: bool
    # Every group message reaches the bot, not only commands, mentions and replies.
    sees_all_group_messages: bool
    # An incoming message says which message it answers (Telegram's reply_to_message).
    has_reply_threads: bool
    # A sent text can be edited in place; where not, an edit is a recall and a new message.
    can_edit_text: bool
    # A message with buttons can be redrawn in place after a press (Telegram's edit, DingTalk's
    # card update).
    can_redraw_buttons: bool
    # A sent message can be taken back (Telegram's delete, DingTalk's recall).
    can_recall: bool
    # Buttons that call the bot back can be sent at all (DingTalk needs a card template).
    callback_buttons: bool
    # A pressed button can answer the presser alone with a pop-up (else a private message).
    button_alerts: bool
    # A file carries its caption (else the caption is a message of its own, sent first).
    file_captions: bool
    # Buttons can open the platform's in-chat app (Telegram's Mini App).
    in_chat_apps: bool
    pacing: Pacing
