"""Organisations, users, roles and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..audit.service import record
from ..clock import now
from ..db import UnitOfWork
from ..errors import Conflict, NotFound, StationError, ValidationFailed, field_error
from ..identity import ANONYMOUS, Identity
from ..policy import require
from .models import ORG_KINDS, ROLES, ApiToken, Organisation, User

TOKEN_PREFIX = "bst_"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    """scrypt (memory-hard, in the standard library) with a random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return secrets.compare_digest(got.hex(), digest)


class AccountService:
    def __init__(self, station: Any):
        self.station = station

    # organisations ------------------------------------------------------------------------------------------
    def create_organisation(self, uow: UnitOfWork, identity: Identity, *, code: str, name_en: str, name_ko: str,
                            kind: str, parent: str | None = None) -> Organisation:
        require(self.station, identity, identity.has_role("operator"), "create", "organisation", code)
        errors = []
        if not re.fullmatch(r"[A-Za-z0-9._-]{2,64}", code or ""):
            errors.append(field_error("invalid_code", "code", "Use 2-64 letters, digits, '.', '_' or '-'.",
                                      "코드는 영문·숫자·'.', '_', '-' 2~64자로 입력하세요.", "e.g. KRIBB", code))
        if kind not in ORG_KINDS:
            errors.append(field_error("invalid_choice", "kind", f"Unknown organisation kind {kind!r}.",
                                      f"알 수 없는 기관 유형입니다: {kind!r}.", "One of: " + ", ".join(ORG_KINDS), kind))
        for name, value in (("name_en", name_en), ("name_ko", name_ko)):
            if not (value or "").strip():
                errors.append(field_error("required", name, "This field is required.", "필수 항목입니다.",
                                          "Give the organisation's official name.", value))
        parent_id = None
        if parent:
            parent_org = self.get_organisation(uow, parent)
            parent_id = parent_org.id
        if errors:
            raise ValidationFailed(errors)
        if uow.session.scalar(select(Organisation.id).where(Organisation.code == code)):
            raise Conflict("duplicate_organisation", f"Organisation {code} already exists.",
                           f"기관 {code}이(가) 이미 있습니다.", "Pick another code or use the existing organisation.")
        org = Organisation(code=code, name_en=name_en.strip(), name_ko=name_ko.strip(), kind=kind, parent_id=parent_id)
        uow.session.add(org)
        uow.session.flush()
        record(uow, identity, "organisation.create", "organisation", code, {"kind": kind})
        return org

    def get_organisation(self, uow: UnitOfWork, code: str) -> Organisation:
        org = uow.session.scalar(select(Organisation).where(Organisation.code == code))
        if org is None:
            raise NotFound("Organisation", code)
        return org

    def list_organisations(self, uow: UnitOfWork) -> list[Organisation]:
        return list(uow.session.scalars(select(Organisation).order_by(Organisation.code)))

    # users --------------------------------------------------------------------------------------------------
    def create_user(self, uow: UnitOfWork, identity: Identity, *, username: str, email: str, display_name: str,
                    roles: list[str] | None = None, organisation: str | None = None) -> User:
        require(self.station, identity, identity.has_role("operator"), "create", "user", username)
        roles = list(dict.fromkeys(roles or ["researcher"]))
        errors = []
        if not _USERNAME.match(username or ""):
            errors.append(field_error("invalid_username", "username",
                                      "Use 2-100 lower-case letters, digits, '.', '_' or '-'.",
                                      "사용자 이름은 영문 소문자·숫자·'.', '_', '-' 2~100자입니다.", "e.g. kim.minji",
                                      username))
        if not _EMAIL.match(email or ""):
            errors.append(field_error("invalid_email", "email", "Not an e-mail address.", "이메일 주소 형식이 아닙니다.",
                                      "e.g. minji.kim@kribb.re.kr", email))
        for role in roles:
            if role not in ROLES:
                errors.append(field_error("invalid_choice", "roles", f"Unknown role {role!r}.",
                                          f"알 수 없는 역할입니다: {role!r}.", "One of: " + ", ".join(ROLES), role))
        org_id = None
        if organisation:
            org_id = self.get_organisation(uow, organisation).id
        if errors:
            raise ValidationFailed(errors)
        taken = uow.session.scalar(select(User.id).where((User.username == username) | (User.email == email)))
        if taken:
            raise Conflict("duplicate_user", f"A user with username {username} or e-mail {email} already exists.",
                           f"사용자 이름 {username} 또는 이메일 {email}이(가) 이미 등록되어 있습니다.",
                           "Choose another username, or reuse the existing account.")
        user = User(username=username, email=email, display_name=display_name or username, roles=roles,
                    organisation_id=org_id)
        uow.session.add(user)
        uow.session.flush()
        record(uow, identity, "user.create", "user", username, {"roles": roles, "organisation": organisation})
        return user

    def get_user(self, uow: UnitOfWork, username: str) -> User:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("User", username)
        return user

    def list_users(self, uow: UnitOfWork, identity: Identity) -> list[User]:
        require(self.station, identity, identity.has_role("operator", "curator"), "list", "users", "*")
        return list(uow.session.scalars(select(User).order_by(User.username)))

    def set_roles(self, uow: UnitOfWork, identity: Identity, username: str, roles: list[str]) -> User:
        require(self.station, identity, identity.has_role("operator"), "change roles of", "user", username)
        bad = [r for r in roles if r not in ROLES]
        if bad:
            raise ValidationFailed([field_error("invalid_choice", "roles", f"Unknown role {bad[0]!r}.",
                                                f"알 수 없는 역할입니다: {bad[0]!r}.", "One of: " + ", ".join(ROLES))])
        user = self.get_user(uow, username)
        before = list(user.roles)
        user.roles = list(dict.fromkeys(roles))
        record(uow, identity, "user.roles", "user", username, {"before": before, "after": user.roles})
        return user

    # passwords (web sign-in) -------------------------------------------------------------------------------
    def set_password(self, uow: UnitOfWork, identity: Identity, username: str, password: str) -> None:
        user = self.get_user(uow, username)
        require(self.station, identity, identity.user_id == user.id or identity.has_role("operator"),
                "set the password of", "user", username)
        if len(password or "") < 8:
            raise ValidationFailed([field_error("password_too_short", "password",
                                                "The password needs at least 8 characters.",
                                                "비밀번호는 8자 이상이어야 합니다.", "Use a longer passphrase.")])
        user.password_hash = hash_password(password)
        record(uow, identity, "user.password", "user", username)

    def sign_in(self, uow: UnitOfWork, username: str, password: str) -> Identity:
        """An identity for a correct username and password; the same refusal for every wrong answer."""
        user = uow.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
        if user is None or not user.active or not user.password_hash or \
                not check_password(password or "", user.password_hash):
            raise StationError("sign_in_failed", "Wrong username or password.", "사용자 이름 또는 비밀번호가 틀렸습니다.",
                               401, "Check both, or ask an operator to reset your password.")
        return identity_for(user, via="session")

    # tokens -------------------------------------------------------------------------------------------------
    def create_token(self, uow: UnitOfWork, identity: Identity, username: str, name: str = "default",
                     days: int | None = 365) -> tuple[ApiToken, str]:
        """Return the token row and the secret; only its hash is stored, so the secret is shown once."""
        user = self.get_user(uow, username)
        require(self.station, identity, identity.user_id == user.id or identity.has_role("operator"),
                "create a token for", "user", username)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), prefix=secret[:10],
                         expires_at=now() + timedelta(days=days) if days else None)
        uow.session.add(token)
        uow.session.flush()
        record(uow, identity, "token.create", "user", username, {"token": token.prefix, "name": name})
        return token, secret

    def revoke_token(self, uow: UnitOfWork, identity: Identity, token_id: int) -> None:
        token = uow.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound("Token", str(token_id))
        require(self.station, identity, identity.user_id == token.user_id or identity.has_role("operator"),
                "revoke", "token", str(token_id))
        token.revoked_at = now()
        record(uow, identity, "token.revoke", "token", token.prefix)

    def authenticate(self, uow: UnitOfWork, secret: str | None) -> Identity:
        """Turn a bearer token into an identity; an unknown, expired or revoked token is refused."""
        if not secret:
            return ANONYMOUS
        row = uow.session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == hash_token(secret))).first()
        if row is None:
            return ANONYMOUS_INVALID
        token, user = row
        if token.revoked_at or (token.expires_at and token.expires_at <= now()) or not user.active:
            return ANONYMOUS_INVALID
        return identity_for(user, via="token")


ANONYMOUS_INVALID = Identity(user_id=None, username="anonymous", via="invalid-token")


def identity_for(user: User, via: str = "session") -> Identity:
    return Identity(user_id=user.id, username=user.username, roles=frozenset(user.roles or []),
                    organisation_id=user.organisation_id, via=via)
