"""Python's cyclic garbage collector, paused while an analysis builds its data.

An analysis allocates millions of small objects that stay alive until it ends (facts, relation
rows and indexes, firing rows, proof nodes, the result's dictionaries), and none of them forms
a reference cycle that has to be collected early. The collector cannot know that: every few
thousand allocations it walks the young objects, and ever more often the old ones, so its cost
grows faster than the model. Measured on the 2,000-element synthetic model: 12.4 s of CPU with
the collector running, 7.9 s without it, and the same peak memory (docs/engines.md, "Cost at scale").

Reference counting still frees everything that is not part of a cycle; the collector is switched
back on as soon as the outermost paused block ends. The CLI pauses it for a whole command (a short
process); the live editor's server, which runs for hours inside that, switches it back on with
`collector_running`, and collects any cycles an analysis left at its next full collection. Blocks nest, and may run on
several threads: the collector is switched back on when the last block ends, and only if it was
on when the first began.

What survives a block (the modules it imported, the result, the caches) would otherwise be young:
the first collection after the block walked all of it (every object the run had allocated, just
before the process exits: 49 ms in one run of SecOpsTM's DMZ model on the loaded 2-core machine). The block hands its
survivors to the oldest generation instead (`gc.freeze` then `gc.unfreeze`, two list splices),
where only a full collection looks at them.
"""

from __future__ import annotations

import gc
from _thread import allocate_lock
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "collector_running"]

_lock = allocate_lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.freeze()  # every tracked object to the permanent generation ...
                gc.unfreeze()  # ... and from there to the oldest one: not scanned as young
                gc.enable()


@contextmanager
def collector_running() -> Iterator[None]:
    """Inside a paused block, the collector as it was before the pause, for a part that runs for
    long (the live editor's server, under the CLI's pause of the whole command): its cycles are
    collected again, and the analyses it runs pause the collector around themselves as usual."""
    global _depth, _was_enabled
    with _lock:
        saved_depth, saved_was_enabled = _depth, _was_enabled
        if saved_depth and saved_was_enabled:
            gc.enable()
        _depth = 0
    try:
        yield
    finally:
        with _lock:
            _depth, _was_enabled = saved_depth, saved_was_enabled
            if saved_depth:
                gc.disable()
