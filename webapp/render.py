"""Jinja2 with autoescaping, templates and static files from the package, and page responses.

Templates hold structure only; every word comes from `messages.webpages.Words`. Values are
escaped by Jinja (autoescape on for every template), never marked safe.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined

from messages.webpages import Words

STATIC_DIR = Path(__file__).resolve().parent / "static"


def static_version() -> str:
    """A short hash of the static files: their URLs change when they do (long caching)."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def template_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("webapp", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["static_version"] = static_version()
    return environment


@dataclass(frozen=True)
class Nav:
    """The header's links: what this viewer may open."""

    coordinator: bool
    departments: list[tuple[int, str]]
    current: str
    path: str


def page(
    environment: Environment,
    name: str,
    words: Words,
    *,
    status: int = 200,
    **context: Any,
) -> web.Response:
    html = environment.get_template(name).render(w=words, **context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
