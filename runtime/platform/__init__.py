"""The platform boundary: the records that cross between the core and a chat platform's
adapter (references, events, capabilities) and the `ChatPlatform` protocol itself.
"""

from runtime.platform.capabilities import Capabilities, Pacing
from runtime.platform.events import (
    ATTACHMENT_KINDS,
    Attachment,
    ButtonPress,
    ChatEvent,
    Command,
    IncomingMessage,
    MembershipChange,
    MembershipKind,
    read_command,
)
from runtime.platform.protocol import (
    ChatMoved,
    ChatPlatform,
    ChatUnavailable,
    CredentialsRejected,
    DeliveryUnknown,
    EventSink,
    MessageRejected,
    PlatformError,
    RetryLater,
    Sent,
    TemporaryFailure,
)
from runtime.platform.refs import (
    DINGTALK,
    PLATFORMS,
    TELEGRAM,
    ChatKind,
    ChatRef,
    MessageKind,
    MessageRef,
    UserRef,
    telegram_chat,
)

__all__ = [
    "ATTACHMENT_KINDS",
    "DINGTALK",
    "PLATFORMS",
    "TELEGRAM",
    "Attachment",
    "ButtonPress",
    "Capabilities",
    "ChatEvent",
    "ChatKind",
    "ChatMoved",
    "ChatPlatform",
    "ChatRef",
    "ChatUnavailable",
    "Command",
    "CredentialsRejected",
    "DeliveryUnknown",
    "EventSink",
    "IncomingMessage",
    "MembershipChange",
    "MembershipKind",
    "MessageKind",
    "MessageRef",
    "MessageRejected",
    "Pacing",
    "PlatformError",
    "RetryLater",
    "Sent",
    "TemporaryFailure",
    "UserRef",
    "read_command",
    "telegram_chat",
]
