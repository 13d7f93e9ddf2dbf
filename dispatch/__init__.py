"""The platform-free door into the core: a chat platform's events (messages, button presses,
membership changes) in, the core's answers out through `ChatPlatform`; no SDK in here.
"""

from dispatch.dispatcher import Dispatcher, Hooks

__all__ = ["Dispatcher", "Hooks"]
