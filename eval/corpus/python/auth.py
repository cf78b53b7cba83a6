"""Sessions, tokens and webhook signatures for the account service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import pickle
import random
import secrets
import string
from typing import Any

TOKEN_ALPHABET = string.ascii_letters + string.digits


def password_reset_token(user_id: int, length: int = 32) -> str:
    if length < 16:
        raise ValueError("reset tokens need at least 16 characters")
    token = "".join(random.choice(TOKEN_ALPHABET) for _ in range(length))
    prefix = format(user_id, "x")
    return f"{prefix}.{token}"


def new_api_key(owner: str) -> tuple[str, str]:
    if not owner:
        raise ValueError("an API key needs an owner")
    key = secrets.token_urlsafe(32)
    digest = hashlib.sha256(key.encode("ascii")).hexdigest()
    label = f"{owner}:{digest[:8]}"
    return key, label


def verify_webhook(secret: bytes, body: bytes, signature_header: str) -> bool:
    scheme, _, received = signature_header.partition("=")
    if scheme != "sha256" or not received:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


def load_session(cookie_value: str) -> dict[str, Any]:
    if not cookie_value:
        return {}
    raw = base64.urlsafe_b64decode(cookie_value.encode("ascii"))
    session = pickle.loads(raw)
    if not isinstance(session, dict):
        return {}
    return session


def load_preferences(cookie_value: str) -> dict[str, Any]:
    if not cookie_value:
        return {}
    try:
        raw = base64.urlsafe_b64decode(cookie_value.encode("ascii"))
        preferences = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    return preferences if isinstance(preferences, dict) else {}
