"""fal's key check, as its queue and storage APIs answer it: `Authorization: Key
<key_id>:<key_secret>` (what FAL_KEY holds) or `Bearer <token>`; anything else is a 401
with fal's `detail`. The emulator cannot tell a real key from a made-up one: any key of
the right shape is let in (fal would then answer "No user found for Key ID and Secret"
to a key it does not know).
"""

from __future__ import annotations

from .wire import Reply, json_reply

MALFORMED_KEY = "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'."
MISSING = "Missing Authorization header: send 'Authorization: Key <key_id>:<key_secret>'"
OTHER_SCHEME = "Invalid Authorization header: use 'Key <key_id>:<key_secret>' or 'Bearer <token>'"


def key_refusal(authorization: str | None) -> Reply | None:
    """The 401 for a missing or malformed Authorization header; None when it has fal's shape."""
    if not authorization or not authorization.strip():
        return json_reply(401, {"detail": MISSING})
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials and " " not in credentials:
        return None
    if scheme.lower() != "key" or not credentials:
        return json_reply(401, {"detail": OTHER_SCHEME})
    key_id, colon, secret = credentials.partition(":")
    if not colon or not key_id or not secret or " " in credentials:
        return json_reply(401, {"detail": MALFORMED_KEY})
    return None
