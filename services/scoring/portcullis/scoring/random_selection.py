"""Random selection: a small, unpredictable, reproducible share of would-be-green items goes to inspection."""

import hashlib
import hmac


def is_randomly_selected(subject_id: str, rate: float, secret: bytes) -> bool:
    """Whether this subject is drawn; the same subject is always drawn the same way (re-scoring is idempotent)."""
    if rate <= 0:
        return False
    digest = hmac.new(secret, subject_id.encode(), hashlib.blake2b).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return draw < rate
