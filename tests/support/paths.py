"""Where the repository and the test fixtures are, for tests in any folder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "tests" / "fixtures" / "plans"
