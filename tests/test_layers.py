"""The import contracts in pyproject.toml (`[tool.importlinter]`) hold for the tree, and each
one fails the check when a single wrong-way import is added to a copy of it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Run where `root` is the working directory and first on the path, so the copy's
    packages are the ones analysed, not the installed tree."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *options],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_tree_keeps_every_import_contract() -> None:
    checked = lint_imports(ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 broken" in checked.stdout


@pytest.mark.parametrize(
    ("importer", "wrong_way", "contract"),
    [
        ("app/models/reminders.py", "from app.reminders import service", "models"),
        ("app/auth.py", "from app.tenants import service", "layers"),
        ("app/db.py", "from app.models import Base", "layers"),
        ("app/reminders/service.py", "from app.reminders import endpoints", "routes"),
        ("app/ops/endpoints.py", "from app.reminders import repository", "queries"),
        ("app/tenants/service.py", "from app.templates import service", "tenants"),
        ("channels/base.py", "from app import db", "channels"),
    ],
)
def test_a_wrong_way_import_breaks_its_contract(
    tmp_path: Path, importer: str, wrong_way: str, contract: str
) -> None:
    for package in ("app", "channels"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / importer).open("a") as module:
        module.write(f"\n{wrong_way}  # the wrong way\n")
    checked = lint_imports(tmp_path, "--contract", contract)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "Contracts: 0 kept, 1 broken." in checked.stdout
