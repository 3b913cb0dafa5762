"""What accounts announces to the apps that build on members.

Accounts imports none of them: an app that must act when a member appears
(the PBX gives every member an extension) connects a receiver in its
``AppConfig.ready``.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the sign-up transaction with ``member``: a receiver's writes commit or
# roll back together with the new member.
member_signed_up = Signal()
# The bulk form (an import), sent inside its transaction with ``members``, the new ones in
# the order given; receivers answer it as they answer ``member_signed_up`` for each.
members_signed_up = Signal()
# Sent after the commit with ``member`` when they change who may see their presence:
# live pages that showed them, and may no longer, must drop them.
presence_visibility_changed = Signal()
