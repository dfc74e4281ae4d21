"""Types of the Cython kernel `_votes.pyx` (see there)."""

import numpy as np

def most_voted(
    pieces: list[np.ndarray],
    weights: list[float],
    searched: np.ndarray | None,
    common: list[tuple[np.ndarray, float]],
    tie_breakers: np.ndarray,
    max_candidates: int,
) -> list[int]: ...
