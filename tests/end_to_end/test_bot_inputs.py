"""Inputs that used to be taken silently are refused in one sentence with exit code 2.

An unsupported language in any command or in BOT_LOCALE, a folder or a device given as a
plan, a damaged PDF (without the PDF library's own warnings first).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_process import operator_env, run_cli
from tests.support.paths import ROOT

PLAN = ROOT / "data" / "shanxi-taihang-2021-36.txt"


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "show", "--lang", "fr", str(PLAN)],
        ["plan", "show", "--json", "--lang", "jp", str(PLAN)],
        ["plan", "import", "--lang", "de", str(PLAN)],
    ],
)
async def test_an_unsupported_language_is_refused_in_every_command(
    tmp_path: Path, args: list[str]
) -> None:
    outcome = await run_cli(args, tmp_path, operator_env())
    line = outcome.assert_clean_failure()
    assert line.startswith("--lang: unsupported language ")
    assert line.endswith("; use zh_CN or en.")
    assert outcome.stdout == "", "nothing is printed in another language instead"
    assert not (tmp_path / "duban.sqlite3").exists()


async def test_demo_refuses_an_unsupported_language_too(tmp_path: Path) -> None:
    outcome = await run_cli(["demo", "--lang", "fr"], tmp_path, operator_env())
    assert outcome.assert_clean_failure().startswith("error: unsupported language 'fr'")


@pytest.mark.parametrize("args", [["check"], ["db", "upgrade"], ["plan", "import", str(PLAN)]])
async def test_an_unsupported_bot_locale_is_refused_by_every_command_that_reads_it(
    tmp_path: Path, args: list[str]
) -> None:
    env = operator_env(BOT_LOCALE="fr", LANG="en_US.UTF-8")
    outcome = await run_cli(args, tmp_path, env)
    # The doctor reports it as its one ✗ (exit 1); the other commands stop with exit 2.
    assert outcome.code == (1 if args == ["check"] else 2)
    text = outcome.output
    assert "BOT_LOCALE: unsupported language fr; use zh_CN or en." in text
    assert "Traceback" not in text
    assert not (tmp_path / "duban.sqlite3").exists()


async def test_a_folder_given_as_the_plan_is_called_a_folder(tmp_path: Path) -> None:
    outcome = await run_cli(["plan", "show", str(tmp_path)], tmp_path, operator_env())
    assert outcome.assert_clean_failure() == (
        f"{tmp_path} is a folder; give the plan document inside it."
    )


@pytest.mark.parametrize("command", ["show", "import"])
async def test_a_device_given_as_the_plan_is_not_called_missing(
    tmp_path: Path, command: str
) -> None:
    outcome = await run_cli(["plan", command, "/dev/null"], tmp_path, operator_env())
    line = outcome.assert_clean_failure()
    assert line.startswith("/dev/null is not a file (a device or a pipe)")
    assert "does not exist" not in outcome.output


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("scan.pdf", b"R\xd3&nm" + bytes(range(256)) * 8),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF"),
        ("renamed.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<"),
    ],
)
async def test_a_damaged_pdf_is_one_line_without_the_pdf_librarys_warnings(
    tmp_path: Path, name: str, content: bytes
) -> None:
    (tmp_path / name).write_bytes(content)
    outcome = await run_cli(["plan", "show", name], tmp_path, operator_env())
    line = outcome.assert_clean_failure()
    assert line.startswith(f"{name} is a damaged PDF (")
    assert outcome.stderr.strip() == line, "one line, nothing from the PDF library before it"
