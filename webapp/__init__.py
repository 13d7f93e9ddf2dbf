"""The leaders' web dashboard: a Telegram Mini App, browser login links and big-screen kiosks.

Served by `bot.py run` when WEBAPP_URL is set; pages read the same plain data as /status.
"""
