"""What the pages of a company's or a space's phone system (trunks, numbers, ring
groups, business hours) say about whose they are."""

from __future__ import annotations

from django.urls import reverse

from .selectors import PhoneOwner, owner_field


def owner_page_context(owner: PhoneOwner) -> dict[str, object]:
    """``owner``, whether it is a space, and the address of its own page."""
    of_a_space = owner_field(owner) == "space"
    return {
        "owner": owner,
        "of_a_space": of_a_space,
        "owner_url": reverse(
            "presence:space" if of_a_space else "accounts:company", args=[owner.slug]
        ),
    }
