"""Digest HA1 values for the credentials the PBX stores instead of passwords."""

from __future__ import annotations

import hashlib


def digest_ha1_pair(username: str, realm: str, password: str) -> tuple[str, str]:
    """HA1 = H(username:realm:password) for MD5 (RFC 2617) and SHA-256 (RFC 7616)."""
    secret = f"{username}:{realm}:{password}".encode()
    md5 = hashlib.md5(secret, usedforsecurity=False).hexdigest()
    return md5, hashlib.sha256(secret).hexdigest()
