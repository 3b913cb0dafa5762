"""To-tags for the responses the PBX itself answers (RFC 3261 §19.3).

Numbered, not drawn afresh: a registrar sends a 401, a 407 or a 200 for
nearly every request it gets, and a tag only needs to be unique.
"""

from __future__ import annotations

from officina.sip import numbered_tags

new_tag = numbered_tags().next
