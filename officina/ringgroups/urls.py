"""The ring groups' and business hours' pages, for a company (``companies/<slug>/...``)
and for a space (``spaces/<slug>/...``, the instance namespace ``space-ringgroups``: a
page's links keep to the owner it shows, as Django reverses an application namespace
for the current one)."""

from django.urls import URLPattern, path

from . import views

app_name = "ringgroups"


def owner_pages(owner: str) -> list[URLPattern]:
    """The ring groups and business hours of a company (``owner="company"``) or a space
    (``"space"``)."""
    prefix = "companies" if owner == "company" else "spaces"
    kwargs = {"owner": owner}
    return [
        path(f"{prefix}/<slug:slug>/ring-groups/", views.group_list, kwargs, name="list"),
        path(f"{prefix}/<slug:slug>/ring-groups/new/", views.group_edit, kwargs, name="create"),
        path(f"{prefix}/<slug:slug>/business-hours/", views.business_hours, kwargs, name="hours"),
        path(
            f"{prefix}/<slug:slug>/business-hours/exceptions/<int:exception_id>/remove/",
            views.remove_hours_exception,
            kwargs,
            name="remove_exception",
        ),
        path(
            f"{prefix}/<slug:slug>/ring-groups/<int:group_id>/",
            views.group_edit,
            kwargs,
            name="edit",
        ),
        path(
            f"{prefix}/<slug:slug>/ring-groups/<int:group_id>/delete/",
            views.group_delete,
            kwargs,
            name="delete",
        ),
        path(
            f"{prefix}/<slug:slug>/ring-groups/<int:group_id>/availability/",
            views.set_availability,
            kwargs,
            name="availability",
        ),
    ]


urlpatterns = owner_pages("company")
