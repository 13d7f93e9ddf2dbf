"""The coordination logic, free of Telegram: roles, bindings, schedules, cycles, replies."""
