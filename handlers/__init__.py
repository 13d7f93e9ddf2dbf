"""Telegram handlers: thin callbacks that read an update, run a command, send the answer.

Each module registers its own handlers with `register(application)`; the assembly
(`assembly/application.py`) calls them in a fixed order. `gate.py` is the access gate.
"""
