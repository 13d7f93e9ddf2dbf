"""What the bot sends on its own: the outbox worker, the jobs that fire schedules and the
tick, and `bot_api`, the one place that turns message records into Bot API calls.
"""
