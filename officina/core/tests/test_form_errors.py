from django import forms

from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form


class TitleAndBodyForm(forms.Form):
    title = forms.CharField()
    body = forms.CharField()


def _form() -> TitleAndBodyForm:
    form = TitleAndBodyForm({"title": "t", "body": "b"})
    assert form.is_valid()
    return form


def test_the_error_goes_next_to_the_field_it_names():
    form = _form()
    show_error_on_form(form, OfficinaError.invalid_input("Too long.", field="title"))
    assert form.errors == {"title": ["Too long."]}


def test_an_error_naming_no_field_of_the_form_goes_on_top_or_to_the_default_field():
    form = _form()
    show_error_on_form(form, OfficinaError.invalid_input("No.", field="not_on_this_form"))
    assert form.non_field_errors() == ["No."]
    form = _form()
    show_error_on_form(
        form, OfficinaError("Slow down.", ErrorCode.RATE_LIMITED), default_field="body"
    )
    assert form.errors == {"body": ["Slow down."]}
