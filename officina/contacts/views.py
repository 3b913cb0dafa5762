"""Address book pages of a company: the list, a contact's form, import and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.kinds import RelationKind
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form

from .access import access_contact_by_id, access_contacts_by_company_slug, may_manage_contacts
from .actions import ImportReport, check_import_contacts, check_save_contact, do_delete_contact
from .contact_files import read_csv, read_vcard, write_csv, write_vcard
from .forms import ContactForm, ImportForm
from .selectors import company_contacts

EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "vcard": ("text/vcard; charset=utf-8", "vcf"),
}


@login_required
def contact_list(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_contacts_by_company_slug(member, slug)
    query = request.GET.get("q", "")[:200]
    relation = request.GET.get("relation", "")
    if relation not in RelationKind.values:
        relation = ""
    contacts = company_contacts(company, query, relation)
    return render(
        request,
        "contacts/list.html",
        {
            "company": company,
            "contacts": contacts,
            "query": query,
            "relation": relation,
            "relations": RelationKind.choices,
            "may_manage": may_manage_contacts(member, company),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, slug: str, contact_id: int | None = None) -> HttpResponse:
    member = signed_in_member(request)
    company = access_contacts_by_company_slug(member, slug, to_manage=True)
    contact = (
        access_contact_by_id(member, slug, contact_id, to_manage=True)
        if contact_id is not None
        else None
    )
    if request.method == "POST":
        form = ContactForm(request.POST, owner_id=company.pk)
        if form.is_valid():
            try:
                saved = check_save_contact(company, form.contact_input(), contact)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return redirect("contacts:list", slug=company.slug)
    else:
        initial = ContactForm.initial_of(contact) if contact is not None else {}
        form = ContactForm(initial=initial, owner_id=company.pk)
    return render(
        request, "contacts/form.html", {"company": company, "contact": contact, "form": form}
    )


@login_required
@require_POST
def contact_delete(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    member = signed_in_member(request)
    contact = access_contact_by_id(member, slug, contact_id, to_manage=True)
    do_delete_contact(contact)
    messages.success(request, _("%(name)s is removed.") % {"name": contact.name})
    return redirect("contacts:list", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def contact_import(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_contacts_by_company_slug(member, slug, to_manage=True)
    report: ImportReport | None = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            reader = read_vcard if _looks_like_vcard(upload.name, data) else read_csv
            try:
                rows, rejected = reader(data, form.cleaned_data["relation"])
                report = check_import_contacts(company, rows, rejected)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                if report.imported:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s contact imported.",
                            "%(count)s contacts imported.",
                            report.imported,
                        )
                        % {"count": report.imported},
                    )
                    return redirect("contacts:list", slug=company.slug)
    else:
        form = ImportForm()
    return render(
        request, "contacts/import.html", {"company": company, "form": form, "report": report}
    )


def _looks_like_vcard(name: str, data: bytes) -> bool:
    return name.lower().endswith((".vcf", ".vcard")) or data.lstrip(
        b"\xef\xbb\xbf \r\n"
    ).upper().startswith(b"BEGIN:VCARD")


@login_required
def contact_export(request: HttpRequest, slug: str, file_format: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_contacts_by_company_slug(member, slug)
    if file_format not in EXPORT_TYPES:
        raise OfficinaError.invalid_input(_("Export as csv or vcard."))
    content_type, extension = EXPORT_TYPES[file_format]
    contacts = company_contacts(company)
    body = write_csv(contacts) if file_format == "csv" else write_vcard(contacts)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{company.slug}-contacts.{extension}"'
    return response
