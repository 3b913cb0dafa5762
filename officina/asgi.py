"""ASGI entry point: HTTP goes to Django, WebSockets to the Channels routes of each app."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officina.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import re_path  # noqa: E402

from officina.core.request_threads import KeptRequestThreads  # noqa: E402
from officina.websocket_routes import (  # noqa: E402
    member_websocket_urlpatterns,
    sip_websocket_urlpatterns,
)

# Session-authenticated pages only accept this site's origin (no cross-site WebSocket
# hijacking); SIP phones authenticate each request by digest and may send no Origin.
member_websockets = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter(member_websocket_urlpatterns))
)
application = ProtocolTypeRouter(
    {
        "http": KeptRequestThreads(django_asgi_app, settings.WEB_REQUEST_THREADS),
        "websocket": URLRouter([*sip_websocket_urlpatterns, re_path(r"", member_websockets)]),
    }
)
