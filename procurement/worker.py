"""``procurement worker``: the long-running background process.

Now: closes RFQs whose deadline passed (DESIGN §3).  Safe to run several at once: the
sweep skips rows another worker has locked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from procurement import throttle
from procurement.db import Database
from procurement.idempotency import prune
from procurement.parties.sessions import prune_refresh_tokens
from procurement.sourcing.deadlines import sweep

log = logging.getLogger("procurement.worker")


#: seconds between idempotency prunes (retention is ``idempotency.KEEP``; pruning more
#: often than this only rescans the table)
PRUNE_INTERVAL = 3600.0


async def run(db: Database, interval: float = 5.0, once: bool = False) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    last_prune: float | None = None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            try:
                closed = await sweep(db)
                if closed:
                    log.info("closed %d RFQ(s) past their deadline", closed)
                if last_prune is None or loop.time() - last_prune >= PRUNE_INTERVAL:
                    pruned = await prune(db)
                    async with db.transaction() as s:
                        hits = await throttle.prune(s)
                        tokens = await prune_refresh_tokens(s)
                    last_prune = loop.time()
                    if pruned or hits or tokens:
                        log.info(
                            "pruned %d idempotency record(s), %d throttle hit(s), "
                            "%d refresh token(s)",
                            pruned,
                            hits,
                            tokens,
                        )
            except Exception:  # keep the worker alive through a passing database fault
                log.exception("deadline sweep failed; retrying")
            if once:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("worker stopped")
