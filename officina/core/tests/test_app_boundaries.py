"""The check that each app owns its tables (import-linter contracts in pyproject.toml)
fails on a cross-app model import, and covers every app that has models."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PYPROJECT = REPO / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contracts() -> list[dict[str, object]]:
    with PYPROJECT.open("rb") as file:
        contracts: list[dict[str, object]] = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_app_with_models_has_its_contract() -> None:
    apps_with_models = {path.parent.name for path in (REPO / "officina").glob("*/models.py")}
    guarded = {
        module.split(".")[1]
        for contract in _contracts()
        for module in contract.get("forbidden_modules", [])  # type: ignore[attr-defined]
        if module.endswith(".models")
    }
    assert apps_with_models <= guarded


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """The package's Python files, where a test may plant an import without touching the tree."""

    def not_python(directory: str, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if (not name.endswith(".py") and not (Path(directory) / name).is_dir())
            or name == "__pycache__"
        ]

    shutil.copytree(REPO / "officina", tmp_path / "officina", ignore=not_python)
    return tmp_path


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), str(PYPROJECT), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_check_fails_on_a_planted_cross_app_model_import(source_copy: Path) -> None:
    kept = _lint_imports(source_copy)
    assert kept.returncode == 0, kept.stdout
    planted = source_copy / "officina" / "events" / "planted.py"
    planted.write_text("from officina.accounts.models import Member\n\nMEMBER = Member\n")
    broken = _lint_imports(source_copy)
    assert broken.returncode != 0
    assert "officina.events.planted -> officina.accounts.models" in broken.stdout


@pytest.mark.slow
def test_a_type_only_import_passes_the_check(source_copy: Path) -> None:
    planted = source_copy / "officina" / "events" / "planted.py"
    planted.write_text(
        "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n    from officina.accounts.models import Member\n\n\n"
        "def name(member: Member) -> str:\n    return member.email\n"
    )
    result = _lint_imports(source_copy)
    assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_demo_loaders_are_held_to_the_check_too(source_copy: Path) -> None:
    demo = source_copy / "officina" / "events" / "demo.py"
    demo.write_text(
        demo.read_text() + "\nfrom officina.accounts.models import Member  # noqa: E402\n"
    )
    broken = _lint_imports(source_copy)
    assert broken.returncode != 0
    assert "officina.events.demo -> officina.accounts.models" in broken.stdout
