"""Production settings refuse to start with the development secret."""

import os
import subprocess
import sys

import pytest


def _import_prod_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import officina.settings.prod"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("secret", ["", "short-secret"])
def test_production_refuses_insecure_secret(secret):
    env = {"SECRET_KEY": secret} if secret else {}
    if not secret:
        os.environ.pop("SECRET_KEY", None)
    result = _import_prod_settings(env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret():
    result = _import_prod_settings({"SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
