"""The garbage collector and long-lived objects: freeze what start-up built, release what a swap replaced.

A service builds most of its objects once (modules, the app, clients, the model, the watchlist index) and then
allocates short-lived ones per request and batch. Frozen, the long-lived ones are not traversed by every full
collection of the short-lived garbage. A frozen object is never collected by the collector, though: when one
is replaced (a newly published model), whatever of the old one hangs in reference cycles stays in memory until
the frozen objects are collected again, which `release_replaced` does.
"""

import gc


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
