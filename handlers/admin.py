"""Placeholder: filled in by the work on this area."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register this area's handlers."""
