"""An action's error shown on the form that asked for the action."""

from __future__ import annotations

from django import forms

from .errors import OfficinaError


def show_error_on_form(
    form: forms.Form, error: OfficinaError, *, default_field: str | None = None
) -> None:
    """Put ``error`` next to the field it names; if it names none of the form's fields,
    next to ``default_field``, else on top of the form."""
    field = error.details.get("field")
    form.add_error(
        field if isinstance(field, str) and field in form.fields else default_field,
        str(error.message),
    )
