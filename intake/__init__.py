"""The way in: updates from Telegram stored in the inbox, handled per chat in order, settled.

`Inbox.accept_update` is the sink both receivers (long polling, the webhook server) hand each
update to before Telegram is told it arrived; `ChatOrderedProcessor` handles updates of
different chats in parallel and those of one chat in order; `AnswerLanes` sends a chat's
acknowledgements in order without holding up the chat's next update.
"""

from intake.answers import AnswerLanes, answers_of
from intake.inbox import Inbox, MalformedUpdate, check_update, inbox_of
from intake.processor import ChatOrderedProcessor, chat_key

__all__ = [
    "AnswerLanes",
    "ChatOrderedProcessor",
    "Inbox",
    "MalformedUpdate",
    "answers_of",
    "chat_key",
    "check_update",
    "inbox_of",
]
