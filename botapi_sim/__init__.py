"""Bot API stand-ins: an in-process request recorder, update builders and a local HTTP server.

Tests, the demo and the benchmarks use these instead of Telegram; nothing here opens a
connection beyond 127.0.0.1.
"""
