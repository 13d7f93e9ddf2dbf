"""Running the bot for real: start-up checks, receiving updates, the doctor, backups, logs.

Each module is called from `bot.py`; none of them decides what the bot says in a chat.
"""
