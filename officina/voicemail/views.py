"""The voicemail page: messages (played in the browser, marked heard, deleted), the
greeting and the box's settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form
from officina.pbx.access import access_own_extension_by_member
from officina.pbx.actions import do_provision_extension

from . import actions, selectors
from .access import access_message_by_id
from .forms import BoxForm, PinForm, SpokenGreetingForm, UploadedGreetingForm
from .models import VoicemailBox


def _own_box(request: HttpRequest) -> VoicemailBox:
    member = signed_in_member(request)
    do_provision_extension(member)
    return actions.do_open_box(access_own_extension_by_member(member))


def _page(
    request: HttpRequest,
    box: VoicemailBox,
    *,
    box_form: BoxForm | None = None,
    spoken_form: SpokenGreetingForm | None = None,
    upload_form: UploadedGreetingForm | None = None,
    pin_form: PinForm | None = None,
    status: int = 200,
) -> HttpResponse:
    member = signed_in_member(request)
    context = {
        "box": box,
        "voicemail_messages": list(selectors.member_messages(member)),
        "box_form": box_form
        or BoxForm(
            initial={
                "enabled": box.enabled,
                "ring_seconds": box.ring_seconds,
                "email_messages": box.email_messages,
            }
        ),
        "spoken_form": spoken_form
        or SpokenGreetingForm(initial={"text": box.greeting_text, "language": box.language}),
        "upload_form": upload_form or UploadedGreetingForm(),
        "pin_form": pin_form or PinForm(),
    }
    return render(request, "voicemail/voicemail.html", context, status=status)


@never_cache
@login_required
@require_GET
def voicemail(request: HttpRequest) -> HttpResponse:
    return _page(request, _own_box(request))


@login_required
@require_POST
def update_box(request: HttpRequest) -> HttpResponse:
    box = _own_box(request)
    form = BoxForm(request.POST)
    if form.is_valid():
        try:
            actions.check_update_box(box, **form.cleaned_data)
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Voicemail settings saved."))
            return redirect("voicemail:voicemail")
    return _page(request, box, box_form=form, status=400)


@login_required
@require_POST
def set_pin(request: HttpRequest) -> HttpResponse:
    box = _own_box(request)
    form = PinForm(request.POST)
    if form.is_valid():
        try:
            actions.check_set_pin(box, form.cleaned_data["pin"])
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("PIN saved."))
            return redirect("voicemail:voicemail")
    return _page(request, box, pin_form=form, status=400)


@login_required
@require_POST
def speak_greeting(request: HttpRequest) -> HttpResponse:
    box = _own_box(request)
    form = SpokenGreetingForm(request.POST)
    if form.is_valid():
        try:
            actions.check_speak_greeting(
                box, form.cleaned_data["text"], form.cleaned_data["language"]
            )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Your greeting is being spoken; it is ready in a moment."))
            return redirect("voicemail:voicemail")
    return _page(request, box, spoken_form=form, status=400)


@login_required
@require_POST
def upload_greeting(request: HttpRequest) -> HttpResponse:
    box = _own_box(request)
    form = UploadedGreetingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.check_upload_greeting(box, form.cleaned_data["audio"])
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Your recording is now your greeting."))
            return redirect("voicemail:voicemail")
    return _page(request, box, upload_form=form, status=400)


@login_required
@require_POST
def standard_greeting(request: HttpRequest) -> HttpResponse:
    actions.do_use_standard_greeting(_own_box(request))
    messages.success(request, _("Callers hear the standard greeting again."))
    return redirect("voicemail:voicemail")


@login_required
@require_GET
def greeting_audio(request: HttpRequest) -> FileResponse:
    box = _own_box(request)
    if not box.greeting:
        raise OfficinaError(_("No greeting of your own yet."), ErrorCode.NOT_FOUND)
    response = FileResponse(box.greeting.open("rb"), content_type="audio/wav")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def message_audio(request: HttpRequest, message_id: int) -> FileResponse:
    message = access_message_by_id(signed_in_member(request), message_id)
    response = FileResponse(message.audio.open("rb"), content_type="audio/wav")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def mark_heard(request: HttpRequest, message_id: int) -> HttpResponse:
    actions.do_mark_heard(access_message_by_id(signed_in_member(request), message_id))
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return redirect("voicemail:voicemail")


@login_required
@require_POST
def delete_message(request: HttpRequest, message_id: int) -> HttpResponse:
    actions.do_delete_message(access_message_by_id(signed_in_member(request), message_id))
    messages.success(request, _("Message deleted."))
    return redirect("voicemail:voicemail")
