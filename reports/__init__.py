"""Reports for coordinators as plain data: the current cycle's status, a measure's history,
how past cycles ended, the ledger (台账) and the chart's figures; `messages/` renders them.
"""
