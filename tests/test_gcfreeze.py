"""A worker freezes what it keeps after GC_FREEZE_AFTER requests (petitions/gcfreeze.py, issue
18: the oldest generation's collections walked ~200,000 long-lived objects, 61 ms each on
average, stalling the filing they fell in)."""
from __future__ import annotations

import gc

from .test_filing_refdata import CONFIG_KEYS


def _tracked(obj) -> bool:
    """Still walked by the collector (frozen objects are not in its generations)."""
    return any(o is obj for o in gc.get_objects())


def test_the_process_freezes_what_it_keeps_after_its_first_requests_once(app):
    from petitions import create_app
    worker = create_app({**{k: app.config[k] for k in CONFIG_KEYS if k in app.config}, "GC_FREEZE_AFTER": 3})
    client = worker.test_client()
    kept = [["built during the first requests"]]  # like a cache filled by them
    try:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
        assert _tracked(kept)  # not yet: 3 requests
        assert client.get("/healthz").status_code == 200
        assert not _tracked(kept)  # the 4th request froze it
        later = [["built afterwards"]]
        assert client.get("/healthz").status_code == 200
        assert _tracked(later)  # once only: later objects stay with the collector
        cycle = [None]
        cycle[0] = cycle
        del cycle
        assert gc.collect() >= 1  # and garbage cycles made after the freeze are still collected
    finally:
        gc.unfreeze()
        _close(worker)


def _close(worker):
    from petitions.extensions import db
    with worker.app_context():
        db.session.remove()
        db.engine.dispose()


def test_zero_turns_it_off(app):
    from petitions import create_app
    worker = create_app({**{k: app.config[k] for k in CONFIG_KEYS if k in app.config}, "GC_FREEZE_AFTER": 0})
    client = worker.test_client()
    kept = [["kept"]]
    try:
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
        assert _tracked(kept)
    finally:
        gc.unfreeze()
        _close(worker)
