"""A DingTalk simulator for tests and the demo: the Stream gateway and the OpenAPI on 127.0.0.1.

It imports nothing of the bot and no DingTalk SDK: it speaks the wire protocol the official
SDK expects, so the SDK (and the bot's adapter built on it) talk to it unchanged.
"""
