"""The trunks' pages, for a company (``companies/<slug>/...``) and for a space
(``spaces/<slug>/...``, the instance namespace ``space-trunks``: a page's links keep to
the owner it shows, as Django reverses an application namespace for the current one)."""

from django.urls import URLPattern, path

from . import views

app_name = "trunks"


def owner_pages(owner: str) -> list[URLPattern]:
    """The pages of a company's (``owner="company"``) or a space's trunks and numbers."""
    prefix = "companies" if owner == "company" else "spaces"
    kwargs = {"owner": owner}
    return [
        path(f"{prefix}/<slug:slug>/trunks/", views.overview, kwargs, name="list"),
        path(f"{prefix}/<slug:slug>/trunks/new/", views.trunk_edit, kwargs, name="create"),
        path(f"{prefix}/<slug:slug>/trunks/<int:trunk_id>/", views.trunk_edit, kwargs, name="edit"),
        path(
            f"{prefix}/<slug:slug>/trunks/<int:trunk_id>/delete/",
            views.trunk_delete,
            kwargs,
            name="delete",
        ),
        path(f"{prefix}/<slug:slug>/numbers/new/", views.number_edit, kwargs, name="number_create"),
        path(
            f"{prefix}/<slug:slug>/numbers/<int:number_id>/",
            views.number_edit,
            kwargs,
            name="number_edit",
        ),
        path(
            f"{prefix}/<slug:slug>/numbers/<int:number_id>/delete/",
            views.number_delete,
            kwargs,
            name="number_delete",
        ),
    ]


urlpatterns = [
    *owner_pages("company"),
    path(
        "companies/<slug:slug>/calls-out/<int:member_id>/",
        views.permission_edit,
        name="permission",
    ),
]
