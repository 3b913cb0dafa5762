"""Settings: production refuses a weak secret; the run command makes its own key, DEBUG off."""

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


def _dev_settings(env: dict[str, str], expression: str) -> str:
    """The value of `expression` under the settings of the run command, in a fresh process."""
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'officina.settings.dev'; "
        "import django; django.setup(); from django.conf import settings; "
        f"print({expression})"
    )
    environment = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    environment.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_run_command_has_debug_off_unless_asked_by_name(tmp_path):
    var = {"OFFICINA_VAR_DIR": str(tmp_path)}
    assert _dev_settings(var, "settings.DEBUG") == "False"
    assert _dev_settings(var | {"DEBUG": "true"}, "settings.DEBUG") == "True"


def test_without_a_secret_key_one_is_made_once_in_the_data_directory(tmp_path):
    first = _dev_settings({"OFFICINA_VAR_DIR": str(tmp_path / "a")}, "settings.SECRET_KEY")
    again = _dev_settings({"OFFICINA_VAR_DIR": str(tmp_path / "a")}, "settings.SECRET_KEY")
    other = _dev_settings({"OFFICINA_VAR_DIR": str(tmp_path / "b")}, "settings.SECRET_KEY")
    kept = tmp_path / "a" / "secret_key"
    assert first == again == kept.read_text().strip()
    assert len(first) >= 50 and other != first
    assert kept.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert sorted(path.name for path in (tmp_path / "a").iterdir()) == ["secret_key"]


def test_the_pbx_secret_follows_the_site_key(tmp_path):
    # Before, every installation without SECRET_KEY signed its SIP nonces with the same key.
    expression = "__import__('officina.pbx.runtime', fromlist=['x']).node_secret().hex()"
    here = _dev_settings({"OFFICINA_VAR_DIR": str(tmp_path / "a")}, expression)
    elsewhere = _dev_settings({"OFFICINA_VAR_DIR": str(tmp_path / "b")}, expression)
    assert here != elsewhere
    assert here == _dev_settings({"OFFICINA_VAR_DIR": str(tmp_path / "a")}, expression)
