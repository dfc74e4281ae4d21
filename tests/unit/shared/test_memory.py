"""Batch services collect between batches: garbage in reference cycles is still collected, in every generation."""

import gc
import weakref

from portcullis.shared.memory import AUTOMATIC_FACTOR, collect_due
from tests.conftest import Node, garbage_cycle


def test_a_cycle_is_collected_between_batches_once_enough_objects_were_allocated(between_batches: int) -> None:
    assert gc.get_threshold()[0] == between_batches * AUTOMATIC_FACTOR
    watched = garbage_cycle()
    survivors = [[n] for n in range(500)]  # fewer than the threshold: nothing is due
    assert collect_due() is None
    assert watched() is not None
    survivors.extend([n] for n in range(5_000))  # past it, but no automatic collection within the batch
    assert watched() is not None
    assert collect_due() == 0  # between batches
    assert watched() is None
    assert collect_due() is None  # nothing new allocated since


def test_a_batch_far_larger_than_usual_is_still_collected_within_it(between_batches: int) -> None:
    watched = garbage_cycle()
    survivors = [[n] for n in range(between_batches * AUTOMATIC_FACTOR + 1_000)]
    assert watched() is None
    assert survivors


def test_a_cycle_that_outlived_two_generations_is_collected_by_the_oldest(between_batches: int) -> None:
    _, middle, old = gc.get_threshold()
    keep = [Node()]
    keep[0].other = Node()
    keep[0].other.other = keep[0]
    watched = weakref.ref(keep[0])
    generations = []
    outlived: list[list[list[int]]] = []  # what each batch leaves behind (net new objects: what counts)
    for _ in range(2):  # in the oldest generation after the middle one's collection at the latest
        for _ in range(middle + 1):
            outlived.append([[n] for n in range(between_batches + 10)])
            generations.append(collect_due())
    keep.clear()  # garbage now, in an old generation
    collected_after = None
    for round_ in range((middle + 1) * (old + 1)):
        outlived.append([[n] for n in range(between_batches + 10)])
        generations.append(collect_due())
        if watched() is None:
            collected_after = round_
            break
    assert collected_after is not None, "a cycle in the oldest generation was never collected"
    assert generations[-1] == 2
    assert 1 in generations
