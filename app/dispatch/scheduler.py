"""APScheduler drives the dispatcher: inside `nudge serve`, or alone in `nudge worker`."""

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.orm import Session, sessionmaker

from app.audit import sequencer
from app.clock import Clock
from app.config import Settings
from app.deliveries import retention
from app.dispatch.worker import Dispatcher
from app.notices.delivery import Notices
from channels.registry import Providers, Registry


@asynccontextmanager
async def dispatching(
    *, sessions: sessionmaker[Session], settings: Settings, providers: Providers, clock: Clock
) -> AsyncIterator[Dispatcher]:
    """Runs the dispatcher every `NUDGE_DISPATCH_INTERVAL` seconds until the block ends, then
    lets the round in flight finish (its provider calls and their records) before returning."""
    registry = Registry.from_settings(settings, providers, clock=clock)
    dispatcher = Dispatcher(sessions=sessions, settings=settings, clock=clock, registry=registry)
    scheduler = AsyncIOScheduler()
    scheduler.add_job(
        dispatcher.tick,
        "interval",
        seconds=settings.dispatch_interval,
        id="dispatch",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=clock.now(),
    )
    notices = Notices(
        sessions=sessions,
        registry=registry,
        vault=dispatcher.vault,
        clock=clock,
        retry=dispatcher.retry,
    )
    scheduler.add_job(
        notices.run_once,
        "interval",
        seconds=settings.dispatch_interval,
        id="lender-notices",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=clock.now(),
    )
    scheduler.add_job(
        _retain,
        "interval",
        days=1,
        kwargs={"sessions": sessions, "settings": settings, "clock": clock},
        id="retention",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=clock.now(),
    )
    scheduler.add_job(
        _link_audit,
        "interval",
        seconds=sequencer.INTERVAL_SECONDS,
        kwargs={"sessions": sessions},
        id="audit-sequencer",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=clock.now(),
    )
    scheduler.start()
    try:
        yield dispatcher
    finally:
        scheduler.pause()
        await dispatcher.drain()
        scheduler.shutdown(wait=False)
        await registry.aclose()


async def _retain(*, sessions: sessionmaker[Session], settings: Settings, clock: Clock) -> None:
    """At start and then daily, in a thread with its own session, so a long erase never stalls
    the dispatcher; a restart never postpones it by a day."""
    await asyncio.to_thread(
        retention.run,
        sessions,
        now=clock.now(),
        days=settings.retention_days,
        pending_ttl=timedelta(seconds=settings.pending_callback_ttl_seconds),
    )


async def _link_audit(*, sessions: sessionmaker[Session]) -> None:
    """Links the audit entries written since the last run, in a thread, off the event loop."""
    await asyncio.to_thread(sequencer.link, sessions)


async def run_worker(
    *, sessions: sessionmaker[Session], settings: Settings, providers: Providers, clock: Clock
) -> None:
    """`nudge worker`: dispatch until SIGTERM or SIGINT, then drain and exit."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with dispatching(sessions=sessions, settings=settings, providers=providers, clock=clock):
        await stop.wait()
