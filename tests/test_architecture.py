"""The layers of ARCHITECTURE.md hold: import-linter's contracts in pyproject.toml pass, and
they do catch an import that runs back up, a chat platform imported below delivery/, or one
platform's adapter reaching into the other's.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.paths import ROOT

LINT = (
    "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
)


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_pass() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "broken" not in done.stdout.lower().replace("0 broken", "")


def test_the_core_is_contracted_to_import_neither_chat_platforms_sdk() -> None:
    """Issue 17's contract: the core's records (coordination, reports, planreader, messages)
    and the runtime import neither python-telegram-bot nor DingTalk's SDK."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    forbidding = [
        contract
        for contract in config["tool"]["importlinter"]["contracts"]
        if contract["type"] == "forbidden"
        and {"telegram", "dingtalk_stream"} <= set(contract["forbidden_modules"])
    ]
    covered = {module for contract in forbidding for module in contract["source_modules"]}
    core = {"coordination", "reports", "planreader", "messages", "models", "runtime", "commands"}
    assert core | {"dispatch"} <= covered


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages the contracts name and pyproject.toml, copied to a scratch folder."""
    target = tmp_path_factory.mktemp("layers")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for package in config["tool"]["importlinter"]["root_packages"]:
        shutil.copytree(
            ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for module in ("pyproject.toml", "bot.py", "settings.py"):
        shutil.copy(ROOT / module, target / module)
    return target


@pytest.mark.parametrize(
    ("module", "line", "complaint"),
    [
        ("models/probe.py", "import handlers.common", "models is not allowed to import handlers"),
        ("planreader/probe.py", "from messages import i18n", "planreader is not allowed to import"),
        ("messages/probe.py", "import delivery.worker", "messages is not allowed to import"),
        ("coordination/probe.py", "import telegram", "coordination is not allowed to import"),
        ("reports/probe.py", "import telegram.ext", "reports is not allowed to import"),
        ("handlers/probe.py", "import bot", "handlers is not allowed to import bot"),
        ("messages/probe.py", "import webapp.pages", "messages is not allowed to import webapp"),
        ("handlers/probe.py", "import webapp.auth", "handlers is not allowed to import webapp"),
        ("webapp/probe.py", "import handlers.common", "webapp is not allowed to import handlers"),
        ("webapp/probe.py", "from telegram import Bot", "webapp is not allowed to import telegram"),
        ("coordination/probe.py", "import dingtalk_stream", "coordination is not allowed to"),
        ("runtime/probe.py", "import dingtalk_adapter.render", "runtime is not allowed to import"),
        ("handlers/probe.py", "import dingtalk_adapter", "handlers is not allowed to import"),
        ("dingtalk_adapter/probe.py", "import telegram", "dingtalk_adapter is not allowed to"),
        ("dingtalk_adapter/probe.py", "import delivery.bot_api", "dingtalk_adapter is not allowed"),
        ("dingtalk_sim/probe.py", "import dingtalk_stream", "dingtalk_sim is not allowed to"),
        ("messages/probe.py", "import dingtalk_stream", "messages is not allowed to import"),
        ("reports/probe.py", "import dingtalk_stream", "reports is not allowed to import"),
        ("planreader/probe.py", "import telegram", "planreader is not allowed to import"),
        ("messages/probe.py", "from telegram import Bot", "messages is not allowed to import"),
        ("dispatch/probe.py", "import telegram", "dispatch is not allowed to import telegram"),
        ("dispatch/probe.py", "import dingtalk_adapter.render", "dispatch is not allowed"),
        ("dispatch/probe.py", "import delivery.worker", "dispatch is not allowed to import"),
        ("delivery/probe.py", "import dingtalk_stream", "delivery is not allowed to import"),
    ],
)
def test_an_import_that_breaks_the_layers_fails_the_contracts(
    copy_of_the_code: Path, module: str, line: str, complaint: str
) -> None:
    probe = copy_of_the_code / module
    probe.write_text(f'"""A probe."""\n\n{line}  # noqa: F401\n', encoding="utf-8")
    try:
        done = lint_imports(copy_of_the_code)
    finally:
        probe.unlink()
    assert done.returncode != 0
    assert complaint in done.stdout, done.stdout[-3000:]


# Folders whose modules are not the product's code: tests, the stand-ins for chat platforms,
# generated migrations and the benchmarks.
NOT_PRODUCT = {"tests", "botapi_sim", "dingtalk_sim", "migrations", "bench"}


def product_modules() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        first = path.relative_to(ROOT).parts[0]
        if first in NOT_PRODUCT or first.startswith("."):
            continue
        found.append(path)
    return found


def test_no_module_of_the_product_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in product_modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}


def test_words_users_read_are_translated_only_in_messages() -> None:
    outside = []
    for path in product_modules():
        if path.relative_to(ROOT).parts[0] == "messages":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "gettext", "ngettext", "pgettext"}
            ):
                outside.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert outside == []


def test_imports_inside_functions_say_why() -> None:
    """Only optional heavy dependencies are imported late, each with a comment just above."""
    silent = []
    for path in product_modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    above = lines[max(0, node.lineno - 5) : node.lineno]
                    if not any("#" in line for line in above):
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []
