"""Random selection: a small, unpredictable, reproducible share of would-be-green items goes to inspection.

Scoring draws with it; the analytics service's backtests replay the same draw for subjects whose lane changes.

The draw is HMAC-BLAKE2b of the subject id under a secret: `RandomSelector` keys the two hash states once and
copies them per subject (the same bytes as `hmac.new`, about half the cost, which matters per decision).
"""

import hashlib
import hmac

_BLOCK = hashlib.blake2b().block_size


class RandomSelector:
    """Draws subjects at `rate` under `secret`; the same subject is always drawn the same way."""

    def __init__(self, rate: float, secret: bytes) -> None:
        self.rate = rate
        # RFC 2104 with the key already absorbed into the inner and outer states (what `hmac` does per call).
        key = hashlib.blake2b(secret).digest() if len(secret) > _BLOCK else secret
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.blake2b(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.blake2b(bytes(b ^ 0x5C for b in key))

    def digest(self, subject_id: str) -> bytes:
        """HMAC-BLAKE2b of the subject id (equal to `hmac.new(secret, id, hashlib.blake2b).digest()`)."""
        inner = self._inner.copy()
        inner.update(subject_id.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def __call__(self, subject_id: str) -> bool:
        """Whether this subject is drawn."""
        if self.rate <= 0:
            return False
        return int.from_bytes(self.digest(subject_id)[:8], "big") / 2**64 < self.rate


def is_randomly_selected(subject_id: str, rate: float, secret: bytes) -> bool:
    """Whether this subject is drawn; the same subject is always drawn the same way (re-scoring is idempotent)."""
    if rate <= 0:
        return False
    digest = hmac.new(secret, subject_id.encode(), hashlib.blake2b).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return draw < rate
