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


#: While a service collects between batches, the automatic collection of the youngest generation starts only at
#: this multiple of the batch threshold: a safety net for a batch that allocates far more than usual.
AUTOMATIC_FACTOR = 10

#: The youngest generation's threshold between batches (None: the service does not collect between batches).
_between_batches: int | None = None


def collect_between_batches(young: int = BATCH_YOUNG_THRESHOLD) -> None:
    """Collect the youngest generation between batches, once `young` more objects were allocated than freed (for
    services that work in batches: call once started; their consumers call `collect_due` after each batch).

    A batch's objects (a thousand declarations, some sixty objects each) live until the batch is done and are freed
    by reference counting then. With Python's threshold of 700 the collector traversed them again and again while
    the batch was in flight (13-17 us of a version-2 declaration's scoring, measured); with a threshold of `young`
    alone it still traversed a batch in flight every few batches (12-15 us), and between batches only what outlived
    the batch is left to traverse (4-6 us). What reference counting cannot free (cycles) waits longer: at most `young`
    objects and one batch, one collection of them, some 20 ms. The automatic collection stays on, at
    `AUTOMATIC_FACTOR` times `young`, for a batch that allocates far more than usual.
    """
    global _between_batches
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young * AUTOMATIC_FACTOR, middle, old)
    _between_batches = young


def collect_due() -> int | None:
    """Between batches: the collection the automatic one would make by now, if any; return its generation.

    As Python decides it: the youngest generation once `young` (of `collect_between_batches`) more objects were
    allocated than freed, with it the middle one every `middle` collections of the youngest, and everything every
    `old` collections of the middle one (Python also waits for a quarter more long-lived objects before that one,
    which it does not expose: here it comes on the count alone, some 1 in 100 collections).
    """
    if _between_batches is None:
        return None
    young_count, middle_count, old_count = gc.get_count()
    if young_count < _between_batches:
        return None
    _, middle, old = gc.get_threshold()
    generation = 2 if old_count >= old else 1 if middle_count >= middle else 0
    gc.collect(generation)
    return generation
