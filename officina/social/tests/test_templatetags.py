from __future__ import annotations

from datetime import timedelta

from django.utils import timezone, translation

from officina.social.templatetags.social_tags import ago


def test_ago():
    now = timezone.now()
    assert ago(now - timedelta(seconds=20)) == "just now"
    assert ago(now - timedelta(days=2, hours=4)) == "2\xa0days ago"
    with translation.override("it"):
        assert ago(now - timedelta(seconds=5)) == "proprio ora"
        assert ago(now - timedelta(hours=3, minutes=2)) == "3\xa0ore fa"
    assert ago(None) == ""
