"""Telegram handlers: thin callbacks that parse an update, call a plain function, answer.

Each module registers its own handlers with `register(application)`; `bot.py` calls them in
a fixed order.
"""
