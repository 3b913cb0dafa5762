"""Root URL configuration: one include per app, the JSON API under /api/."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView

from officina.api.router import api
from officina.web.views import company_logo

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Each app owns its full paths (see docs/architecture.md for the map).
    path("", include("officina.accounts.urls")),
    path("", include("officina.presence.urls")),
    path("", include("officina.skills.urls")),
    path("", include("officina.social.urls")),
    path("", include("officina.notifications.urls")),
    path("", include("officina.knowledge.urls")),
    path("", include("officina.events.urls")),
    path("", include("officina.bookings.urls")),
    path("", include("officina.projects.urls")),
    path("", include("officina.contacts.urls")),
    path("", include("officina.ringgroups.urls")),
    path("", include("officina.ringgroups.space_urls", namespace="space-ringgroups")),
    path("", include("officina.attendant.urls")),
    path("", include("officina.attendant.space_urls", namespace="space-attendant")),
    path("", include("officina.conferences.urls")),
    path("", include("officina.trunks.urls")),
    path("", include("officina.trunks.space_urls", namespace="space-trunks")),
    path("", include("officina.matchmaking.urls")),
    path("", include("officina.search.urls")),
    path("", include("officina.voicemail.urls")),
    path("", include("officina.pbx.urls")),
    path("", include("officina.web.urls")),
    path("", include("officina.api.urls")),
    # Browsers ask for /favicon.ico on pages that name no icon (the API reference, raw files).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    # Company logos are served by Officina itself, DEBUG or not, so that the one command
    # runs the whole product. Only logos: avatars, in the same MEDIA_ROOT, are for members
    # and go through their own view (social:avatar), never through this public door.
    re_path(
        rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>companies/[^/]+)$",
        company_logo,
    ),
]
