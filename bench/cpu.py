"""Dispatch's CPU per reminder, in-process, so that a change to the worker can be measured on a
busy machine (wall clocks are noise there; `time.process_time` is not):

    python -m bench.cpu [--reminders 2000] [--customers 500] [--console] [--profile]

Seeds due reminders on a fresh PostgreSQL database as part 4 does (bench/dispatch.py), runs
the real `Dispatcher`'s rounds in this process through the real Twilio adapter to the
stand-in (its own process, not counted) or through the console adapter, and prints the CPU
milliseconds this process spent per reminder. With `--profile` the rounds run again under
cProfile, their threads' work run inline so the profiler sees it, and the split over the
round's steps is printed with the most expensive functions.
"""

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

from app.clock import SystemClock
from app.config import get_settings
from app.db import create_db_engine, create_session_factory
from app.dispatch.worker import Dispatcher
from bench.dispatch import dispatch_database
from bench.meter import Meter
from bench.serve import service_env, standin, worker_env
from bench.sizes import Sizes
from channels.registry import Providers, Registry

STEPS = {
    ("app/dispatch/batch.py", "claim_batch"): "claim",
    ("app/dispatch/drafts.py", "draft_batch"): "render",
    ("app/dispatch/prepare.py", "start_sends"): "prepare",
    ("app/dispatch/worker.py", "_send"): "send",
    ("app/dispatch/record.py", "record_round"): "record",
    ("app/dispatch/worker.py", "_beat"): "heartbeat",
}
"""A round's steps, by the function that does each."""


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


async def drain(
    url: str, around: Callable[[], AbstractContextManager[object]] = nullcontext
) -> tuple[int, float]:
    """Runs rounds until none is due: how many reminders they took and the CPU seconds this
    process spent on them (inside `around`), after a first round that warms up (imports,
    statements compiled, connections made) and is not counted."""
    settings = get_settings()
    clock = SystemClock()
    registry = Registry.from_settings(
        settings, Providers.load(settings, env_file=None), clock=clock
    )
    engine = create_db_engine(url, pool_size=4, max_overflow=4)
    dispatcher = Dispatcher(
        sessions=create_session_factory(engine), settings=settings, clock=clock, registry=registry
    )
    taken = 0
    try:
        await dispatcher.run_once()
        began = time.process_time()
        with around():
            while batch := await dispatcher.run_once():
                taken += batch
        return taken, time.process_time() - began
    finally:
        await registry.aclose()
        engine.dispose()


async def inline(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """`asyncio.to_thread` for profiling: cProfile sees only the thread it runs in."""
    return function(*args, **kwargs)


def split(profile: cProfile.Profile) -> dict[str, float]:
    """Each step's share of the profiled CPU (cumulative time of its function)."""
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    shares = dict.fromkeys(STEPS.values(), 0.0)
    for (path, _, function), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        for (module, name), step in STEPS.items():
            if function == name and path.endswith(module):
                shares[step] += cumulative / total
    return shares


def profiled(url: str, top: int) -> None:
    """The rounds under cProfile (on this thread's CPU clock), with their threads' work run
    inline; prints the split over the round's steps and the `top` functions by own time."""
    profile = cProfile.Profile(time.thread_time)

    @contextmanager
    def profiling() -> Iterator[None]:
        profile.enable()
        try:
            yield
        finally:
            profile.disable()

    to_thread, asyncio.to_thread = asyncio.to_thread, inline
    try:
        taken, cpu = asyncio.run(drain(url, profiling))
    finally:
        asyncio.to_thread = to_thread
    print(f"profiled: {cpu * 1000 / max(taken, 1):.3f} ms CPU each (the profiler's own included)")
    for step, share in split(profile).items():
        print(f"  {step:10} {share:6.1%}")
    pstats.Stats(profile).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--console", action="store_true", help="the console adapter, no Twilio")
    parser.add_argument("--profile", action="store_true", help="also a cProfile run")
    parser.add_argument("--top", type=int, default=30, help="functions printed by --profile")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    sizes = Sizes(dispatch=args.reminders, dispatch_customers=args.customers)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        meter = stack.enter_context(Meter())
        twilio = None if args.console else stack.enter_context(standin(folder, meter, "twilio"))
        for profile in [False, True] if args.profile else [False]:
            with dispatch_database(folder, sizes) as (seeded, _):
                env = service_env(seeded.url) if twilio is None else worker_env(seeded.url, twilio)
                with environment(env):
                    if profile:
                        profiled(seeded.url, args.top)
                        continue
                    taken, cpu = asyncio.run(drain(seeded.url))
                    print(f"{taken} reminders, {cpu * 1000 / max(taken, 1):.3f} ms CPU each")


if __name__ == "__main__":
    main()
