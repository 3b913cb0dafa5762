"""The ``officina`` command picks its settings from the environment."""

from officina.cli import default_settings_module


def test_development_is_the_default(monkeypatch):
    monkeypatch.delenv("OFFICINA_ENV", raising=False)
    assert default_settings_module() == "officina.settings.dev"


def test_production_is_chosen_by_environment(monkeypatch):
    monkeypatch.setenv("OFFICINA_ENV", "production")
    assert default_settings_module() == "officina.settings.prod"
