"""Batch services collect the youngest generation less often: garbage in reference cycles is still collected."""

import gc
import weakref

from portcullis.shared.memory import collect_between_batches


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_garbage_in_cycles_is_still_collected_once_enough_objects_were_allocated() -> None:
    before = gc.get_threshold()
    gc.collect()
    try:
        collect_between_batches(young=2_000)
        assert gc.get_threshold() == (2_000, *before[1:])
        first, second = _Node(), _Node()
        first.other, second.other = second, first
        watched = weakref.ref(first)
        del first, second
        survivors = [[n] for n in range(500)]  # fewer than the threshold: no collection yet
        assert watched() is not None
        survivors.extend([n] for n in range(5_000))  # past it: the youngest generation is collected, the cycle too
        assert watched() is None
    finally:
        gc.set_threshold(*before)
