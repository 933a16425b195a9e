"""API keys: where they come from, how they are stored and how a request's key is checked.

Rules:

* Keys come from ``ATTRIBUTION_API_KEYS`` (comma-separated plain keys, handy for one machine) and/or
  a file named by ``ATTRIBUTION_API_KEYS_FILE`` holding one hashed key per line
  (``sha256:<hex>``, optionally followed by whitespace and a label; ``#`` starts a comment).
  ``python -m attribution api-key`` makes a new key and prints its hash line.
* Only hashes are kept in memory; a request's ``x-api-key`` is hashed and compared with every
  stored hash with :func:`hmac.compare_digest` (constant time, and every hash is compared so the
  time does not tell which one matched). Keys are long random strings, so an unsalted SHA-256 is
  enough (there is no dictionary to attack).
* Nothing here logs or prints a key; messages name the variable or file line instead.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from attribution.errors import AttributionError

KEYS_ENV = "ATTRIBUTION_API_KEYS"
KEYS_FILE_ENV = "ATTRIBUTION_API_KEYS_FILE"
HASH_PREFIX = "sha256:"
KEY_PREFIX = "atk_"
MIN_KEY_LENGTH = 16


class ApiKeyError(AttributionError):
    """API keys are missing or unreadable; the message says where they were looked for."""


def hash_key(key: str) -> str:
    """The stored form of a key: ``sha256:`` + the hex SHA-256 of its UTF-8 bytes."""
    return HASH_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random key (32 random bytes, URL-safe) with a recognisable prefix."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class KeyRing:
    """The hashes of the accepted keys. Empty means no key is configured."""

    hashes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.hashes)

    def accepts(self, key: str | None) -> bool:
        """True when ``key`` is one of the configured keys (constant-time comparison)."""
        if not key:
            return False
        digest = hash_key(key)
        found = False
        for stored in self.hashes:
            found |= hmac.compare_digest(digest, stored)
        return found


def _file_hashes(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ApiKeyError(f"cannot read the API key file named by {KEYS_FILE_ENV} ({path}): "
                          f"{exc.strerror or exc}") from None
    hashes = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        value = text.split()[0]
        digest = value.removeprefix(HASH_PREFIX)
        if not value.startswith(HASH_PREFIX) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ApiKeyError(f"{path}, line {number}: expected a key hash 'sha256:<64 hex digits>' (make one with "
                              "`python -m attribution api-key`); plain keys do not belong in this file")
        hashes.append(value)
    return hashes


def load_keys(environ: dict[str, str] | None = None) -> KeyRing:
    """The keys configured in ``environ`` (default ``os.environ``); see the module rules."""
    env = os.environ if environ is None else environ
    hashes: list[str] = []
    plain = [k.strip() for k in env.get(KEYS_ENV, "").split(",") if k.strip()]
    short = [i for i, k in enumerate(plain, start=1) if len(k) < MIN_KEY_LENGTH]
    if short:
        raise ApiKeyError(f"{KEYS_ENV}: key number {short[0]} is shorter than {MIN_KEY_LENGTH} characters; "
                          "use long random keys (`python -m attribution api-key` makes one)")
    hashes += [hash_key(k) for k in plain]
    if env.get(KEYS_FILE_ENV):
        hashes += _file_hashes(Path(env[KEYS_FILE_ENV]))
    return KeyRing(tuple(dict.fromkeys(hashes)))
