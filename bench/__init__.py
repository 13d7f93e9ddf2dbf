"""Benchmarks: `python -m bench` prints one line per figure."""
