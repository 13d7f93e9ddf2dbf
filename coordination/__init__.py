"""The follow-up itself, free of any chat platform: roles and the access policy, bindings,
schedules, cycles, nudges and digests, the outbox, and replies turned into progress records.
"""
