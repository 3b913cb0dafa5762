"""The demo community makes sense: people's skills belong to the trade their headline
names, their posts are about their work, and the questions (sixty and more, most with
an accepted answer, in Italian and in English) are answered by people who know the
subject."""

from __future__ import annotations

import pytest

from officina.accounts import demo as accounts_demo
from officina.core.demo import DemoContext
from officina.core.demo_trades import BY_HEADLINE
from officina.knowledge import demo as knowledge_demo
from officina.knowledge.models import Answer, Question
from officina.skills import demo as skills_demo
from officina.skills.models import MemberSkill
from officina.social import demo as social_demo
from officina.social.models import Post, Profile

pytestmark = pytest.mark.django_db

ENGLISH = {"how", "what", "which", "the", "you", "is", "for", "anyone", "tips", "best", "do"}
ITALIAN = {"il", "di", "per", "un", "una", "che", "come", "o", "con", "da", "la", "serve"}


def _language(title: str) -> str:
    words = {word.strip("?:,.'").lower() for word in title.split()}
    return "en" if len(words & ENGLISH) > len(words & ITALIAN) else "it"


@pytest.fixture
def community() -> DemoContext:
    # Enough companies for every trade to be someone's.
    context = DemoContext(members=80, companies=26)
    for loader in (accounts_demo, skills_demo, social_demo, knowledge_demo):
        loader.populate(context)
    return context


def test_the_demo_community_makes_sense(community: DemoContext) -> None:
    headline_of = dict(Profile.objects.values_list("member_id", "headline"))
    trade_of = {member_id: BY_HEADLINE[headline] for member_id, headline in headline_of.items()}

    # Skills, talents and offers belong to the trade of the headline.
    listed = MemberSkill.objects.filter(kind__in=["skill", "talent", "offer"])
    assert listed.count() > len(trade_of) * 2
    foreign = [
        (headline_of[member_id], slug)
        for member_id, slug in listed.values_list("member_id", "skill__slug")
        if slug not in trade_of[member_id].skills
    ]
    assert foreign == []

    # Posts taken from a trade are written by someone of that trade.
    trade_posts = {post: trade for trade in BY_HEADLINE.values() for post in trade.posts}
    own = [post for post in Post.objects.all() if post.body in trade_posts]
    assert len(own) > Post.objects.count() // 3
    assert all(trade_posts[post.body] == trade_of[post.author_id] for post in own)

    # Sixty threads and more, in both languages, most with an accepted answer.
    questions = Question.objects.prefetch_related("tags")
    assert questions.count() == len(knowledge_demo.THREADS) >= 60
    assert questions.filter(accepted_answer__isnull=False).count() >= 60
    languages = [_language(title) for title in questions.values_list("title", flat=True)]
    assert languages.count("en") >= 10 and languages.count("it") >= 40

    # Every answer is written by someone who lists one of the question's tags.
    expertise: dict[int, set[str]] = {}
    for member_id, slug in MemberSkill.objects.filter(kind__in=["skill", "offer"]).values_list(
        "member_id", "skill__slug"
    ):
        expertise.setdefault(member_id, set()).add(slug)
    for answer in Answer.objects.select_related("question"):
        tags = {tag.slug for tag in answer.question.tags.all()}
        assert tags & expertise.get(answer.author_id, set()), (answer.question.title, tags)
        assert answer.author_id != answer.question.author_id
