"""One Telegram-free function per command area: `(session, *, roles, args, now) -> answer`.

An answer is a plain record (no words: `messages/` renders it); `gate.run_gated` runs a
command under the access policy of `coordination.roles` in the same database session.
"""
