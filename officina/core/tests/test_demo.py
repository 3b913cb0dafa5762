"""``officina demo`` builds a whole community across every app, and only once."""

import pytest
from django.core.management import call_command

from officina.accounts.models import Company, CompanyRelation, Member, Space
from officina.knowledge.models import Question
from officina.pbx.models import Extension
from officina.social.models import Post


@pytest.mark.django_db(transaction=True)
def test_demo_builds_a_community_once(capsys):
    call_command("demo", members=60, companies=12)

    assert Member.objects.count() >= 60
    assert Company.objects.count() >= 12
    assert CompanyRelation.objects.exists()
    assert set(Space.objects.values_list("kind", flat=True)) == {"physical", "remote"}
    assert Post.objects.exists()
    assert Question.objects.exists()
    # Every member can be called: the demo gives each an extension. The demo project's
    # client guest is no member of the coworking and has none.
    assert Extension.objects.count() >= Member.objects.filter(is_guest=False).count()
    assert Member.objects.filter(is_guest=True).count() == 1
    assert not Extension.objects.filter(member__is_guest=True).exists()
    members_before = Member.objects.count()

    call_command("demo")
    assert Member.objects.count() == members_before
    assert "already has members" in capsys.readouterr().out
