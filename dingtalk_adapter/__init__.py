"""DingTalk's adapter: the Stream in (on the official dingtalk-stream SDK), the OpenAPI out,
and the core's message records rendered as DingTalk Markdown, cards and files.

`DingTalkPlatform` (platform.py) is the `runtime.platform.ChatPlatform` the core talks to.
"""
