"""Who is calling: every service method takes one, so every check knows its subject."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Identity:
    user_id: int | None
    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation_id: int | None = None
    via: str = "anonymous"  # token, session, cli, system, reviewer-link

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.via != "system"

    @property
    def is_system(self) -> bool:
        return self.via == "system"

    def has_role(self, *roles: str) -> bool:
        return self.is_system or bool(self.roles.intersection(roles))

    @property
    def label(self) -> str:
        return f"{self.username}#{self.user_id}" if self.user_id is not None else self.username


ANONYMOUS = Identity(user_id=None, username="anonymous")
SYSTEM = Identity(user_id=None, username="system", roles=frozenset({"operator"}), via="system")
