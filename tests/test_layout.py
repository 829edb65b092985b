"""Shared test helpers live in tests/helpers/, and the benchmarks run without the test suite."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    found += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    return found


def _borrowed(path: Path, module: str) -> bool:
    """A test module, or a conftest of a package other than the importer's own."""
    parts = module.split(".")
    if parts[0] != "tests":
        return False
    if parts[-1].startswith("test_"):
        return True
    own = ".".join(path.relative_to(ROOT).parent.parts)
    return parts[-1] == "conftest" and len(parts) > 2 and ".".join(parts[:-1]) != own


def test_no_test_imports_another_test_module_or_another_packages_conftest() -> None:
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for module in _imports(path)
        if _borrowed(path, module)
    ]
    assert found == []


def test_the_benchmarks_import_nothing_from_the_tests() -> None:
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "bench").rglob("*.py"))
        for module in _imports(path)
        if module.split(".")[0] == "tests"
    ]
    assert found == []
