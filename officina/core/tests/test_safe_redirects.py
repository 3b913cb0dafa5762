import pytest
from django.test import RequestFactory

from officina.core.safe_redirects import is_within_site, redirect_to_next, redirect_within_site


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "http://evil.example/login",
        "//evil.example/",
        "///evil.example/",
        "\\\\evil.example/",
        "/\\evil.example/",
        "\\/evil.example/",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://testserver.evil.example/",
        "",
    ],
)
def test_addresses_that_leave_the_site_are_refused(url):
    request = RequestFactory().get("/")
    assert not is_within_site(request, url)
    assert redirect_within_site(request, url, "/home/").url == "/home/"


@pytest.mark.parametrize("url", ["/feed/", "/members/7/?tab=posts#skills", "http://testserver/x/"])
def test_addresses_on_the_site_are_followed(url):
    request = RequestFactory().get("/")
    assert is_within_site(request, url)
    assert redirect_within_site(request, url, "/home/").url == url


def test_a_secure_page_does_not_send_back_to_plain_http():
    request = RequestFactory().get("/", secure=True)
    assert not is_within_site(request, "http://testserver/feed/")
    assert is_within_site(request, "https://testserver/feed/")


def test_next_comes_from_the_form_or_the_address_and_is_checked():
    factory = RequestFactory()
    assert redirect_to_next(factory.post("/", {"next": "/feed/"}), "/home/").url == "/feed/"
    assert redirect_to_next(factory.get("/?next=/feed/"), "/home/").url == "/feed/"
    assert redirect_to_next(factory.post("/", {"next": "//evil.example"}), "/home/").url == "/home/"
    assert redirect_to_next(factory.post("/"), "/home/").url == "/home/"
