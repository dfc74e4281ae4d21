"""The garbage collector and long-lived objects: freeze what start-up built, release what a swap replaced.

A service builds most of its objects once (modules, the app, clients, the model, the watchlist index) and then
allocates short-lived ones per request and batch. Frozen, the long-lived ones are not traversed by every full
collection of the short-lived garbage. A frozen object is never collected by the collector, though: when one
is replaced (a newly published model), whatever of the old one hangs in reference cycles stays in memory until
the frozen objects are collected again, which `release_replaced` does.
"""

import gc

#: For a service that works in batches: net new container objects (allocated and not yet freed) between collections
#: of the youngest generation, instead of Python's 700.
BATCH_YOUNG_THRESHOLD = 100_000


def freeze_long_lived() -> None:
    """Collect start-up garbage, then freeze everything alive now (call once the service is started)."""
    gc.collect()
    gc.freeze()


def release_replaced() -> None:
    """After long-lived objects were replaced: one full collection over everything, then freeze again.

    One pause of a full collection over everything (50-90 ms traced in the scoring service with the SDN list
    loaded), which is why it is for rare events such as a model swap, not for every change.
    """
    gc.unfreeze()
    freeze_long_lived()


def collect_between_batches(young: int = BATCH_YOUNG_THRESHOLD) -> None:
    """Collect the youngest generation only once `young` more objects were allocated than freed (for services that
    work in batches: call once started).

    A batch's objects (a thousand declarations, some sixty objects each) live until the batch is done and are freed
    by reference counting then; with the default threshold the collector traversed them again and again while the
    batch was in flight (13-17 us of a version-2 declaration's scoring, measured). What reference counting cannot
    free (cycles) waits longer: at most `young` objects, one collection of them, some 20 ms.
    """
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
