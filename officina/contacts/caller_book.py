"""Who is calling, as a company's address book knows them.

A ``CallerBook`` is a snapshot of every book that matters for calls, read in one go
(``selectors.caller_book``) and then asked without the database: the PBX holds
one in memory and refreshes it every few seconds, so that naming the caller
costs no query on the SIP path. A call is named from the callee's companies'
books, in this order:

1. a contact whose e-mail address is the calling member's;
2. a contact with the caller's number (E.164; calls from outside);
3. a contact linked to one of the calling member's companies on Officina: the
   caller is then named as themselves, "of" that company.

Colleagues calling each other are not named from the book: a company's own
people are not its clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .phone_numbers import caller_e164


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    name: str
    organisation: str
    relation: str  # a RelationKind value
    contact_id: int | None  # None when named through a linked company only


@dataclass(slots=True)
class CallerBook:
    # (owner company id, member id) → the contact with that member's e-mail address
    by_member: dict[tuple[int, int], CallerIdentity] = field(default_factory=dict)
    # (owner company id, E.164 number) → its contact
    by_number: dict[tuple[int, str], CallerIdentity] = field(default_factory=dict)
    # (owner company id, linked company id) → (that company's name, relation)
    by_linked_company: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    # member id → their company ids, the primary first
    member_companies: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def identify(
        self,
        callee_member_id: int | None,
        caller_member_id: int | None,
        caller_name: str,
        caller_number: str,
    ) -> CallerIdentity | None:
        if callee_member_id is None:
            return None
        owners = self.member_companies.get(callee_member_id, ())
        caller_companies = (
            self.member_companies.get(caller_member_id, ()) if caller_member_id is not None else ()
        )
        e164: str | None = None
        for owner in owners:
            if owner in caller_companies:
                continue  # a colleague
            if caller_member_id is not None:
                found = self.by_member.get((owner, caller_member_id))
                if found is not None:
                    return found
            else:
                if e164 is None:
                    e164 = caller_e164(caller_number) or ""
                found = self.by_number.get((owner, e164)) if e164 else None
                if found is not None:
                    return found
            for company_id in caller_companies:
                linked = self.by_linked_company.get((owner, company_id))
                if linked is not None:
                    organisation, relation = linked
                    return CallerIdentity(caller_name, organisation, relation, None)
        return None
