"""Benchmarks: `python -m bench` prints one line per figure.

Imports of the bot sit inside the benchmark functions on purpose: each benchmark (often a
fresh process) loads only what it measures, so bare python-telegram-bot's memory and start-up
are never inflated by the bot's modules, and `--smoke` does not load what it skips.
"""
