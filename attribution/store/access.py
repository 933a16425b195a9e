"""Who may use a signed-in deployment: an optional allow-list of e-mail domains and addresses.

Read from ``ATTRIBUTION_ALLOWED_USERS``: comma-separated entries, each either an address
(``ana@example.com``, matched exactly) or a domain (``example.com`` or ``@example.com``, matched
exactly: ``sub.example.com`` is a different domain). Case is ignored. An empty or unset list lets
everyone the identity provider signs in use the app.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from attribution.errors import DataValidationError

ALLOWED_USERS_ENV = "ATTRIBUTION_ALLOWED_USERS"


@dataclass(frozen=True)
class AllowList:
    """E-mail addresses and domains allowed to sign in (both empty: everyone)."""

    addresses: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str | None) -> AllowList:
        """Parse comma-separated addresses and domains (rules in the module docstring).

        Raises DataValidationError naming the entry when one is neither an address nor a domain.
        """
        addresses, domains = set(), set()
        for raw in (text or "").split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            local, at, domain = entry.rpartition("@")
            if not domain or "." not in domain or " " in entry or (at and local.count("@")):
                raise DataValidationError(
                    f"{ALLOWED_USERS_ENV}: {raw.strip()!r} is neither an e-mail address (ana@example.com) nor "
                    "a domain (example.com); separate entries with commas")
            (addresses.add(entry) if local else domains.add(domain))
        return cls(frozenset(addresses), frozenset(domains))

    @classmethod
    def from_env(cls) -> AllowList:
        """The allow-list in ``ATTRIBUTION_ALLOWED_USERS`` (see :meth:`parse`)."""
        return cls.parse(os.environ.get(ALLOWED_USERS_ENV))

    @property
    def restricted(self) -> bool:
        """True when the list names anyone (an empty list allows everyone)."""
        return bool(self.addresses or self.domains)

    def allows(self, email: str | None, email_verified: bool | None = None) -> bool:
        """Whether a signed-in user with this e-mail may use the app.

        Everyone is allowed when the list is empty. Otherwise the address must be on the list, or its
        domain must be; a user without an e-mail, or whose provider says the e-mail is not verified
        (``email_verified`` false; providers that omit the claim are trusted), is refused.
        """
        if not self.restricted:
            return True
        email = (email or "").strip().lower()
        if not email or email_verified is False or email.count("@") != 1:
            return False
        return email in self.addresses or email.rpartition("@")[2] in self.domains
