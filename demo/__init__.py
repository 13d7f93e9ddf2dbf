"""The demo: a whole cycle against a local Bot API simulator."""
