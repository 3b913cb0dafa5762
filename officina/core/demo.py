"""What every app's demo loader receives.

``officina demo`` calls ``populate(context)`` of each installed app's
``demo`` module, in ``INSTALLED_APPS`` order, so that later apps can build on
the rows that earlier ones made (members before posts, posts before
comments). Everything is drawn from one seeded random generator: the same
seed gives the same community.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from faker import Faker

if TYPE_CHECKING:
    from officina.core.demo_trades import Trade


@dataclass
class DemoContext:
    seed: int = 2026
    members: int = 200
    companies: int = 40
    faker: Faker = field(init=False)
    # Each member's trade (by member id), chosen by the skills loader, read by later ones.
    trades: dict[int, Trade] = field(init=False, default_factory=dict)
    # The slugs each member lists as a skill or an offer, for loaders that pick experts.
    expertise: dict[int, set[str]] = field(init=False, default_factory=dict)
    random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.faker = Faker(["it_IT", "en_US"])
        self.faker.seed_instance(self.seed)
        self.random = random.Random(self.seed)  # noqa: S311 - demo data, not secrets

    @property
    def italian(self) -> Faker:
        return self.faker["it_IT"]
