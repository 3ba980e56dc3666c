"""The cyclic garbage collector and a long-running worker (issue 18).

A worker keeps what it built in its first requests for its whole life: the compiled
catalogues and templates, the reference data, the mappers' compiled statements, the cached
pages: about 200,000 objects. CPython's oldest-generation collection walks every one of them;
measured in one process filing letters, each took 61 ms on average and up to 91 ms, stalling
the request it fell in (and those queued behind it: the filing's p99).

After ``GC_FREEZE_AFTER`` requests (1,000; 0 turns it off) the process collects once and
freezes what is alive (``gc.freeze()``, made for this): the collector no longer walks those
objects, and its oldest-generation runs cost a few milliseconds at most. Frozen objects are
still freed when nothing refers to them; only cycles among them outlive their use: the few
objects of the request the freeze runs in (it runs first thing in that request, after the
collection), and entries a cache later drops that were in cycles (an evicted compiled
statement). A one-time, bounded loss per process.
"""
from __future__ import annotations

import gc
import os

from flask import Flask


def install(app: Flask) -> None:
    after = int(app.config.get("GC_FREEZE_AFTER", 0) or 0)
    if after <= 0:
        return
    seen = {"pid": None, "requests": 0, "frozen": False}

    @app.before_request
    def _count_and_freeze():
        pid = os.getpid()
        if seen["pid"] != pid:  # a forked worker counts its own requests
            seen.update(pid=pid, requests=0, frozen=False)
        if seen["frozen"]:
            return None
        seen["requests"] += 1
        if seen["requests"] > after:  # first thing in the request: little of it is alive yet
            freeze()
            seen["frozen"] = True
        return None


def freeze() -> int:
    """Collect, then freeze what is left; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
