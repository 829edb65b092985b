"""The admission limit: a bounded number of requests run, a bounded number wait, and the rest
are answered 503 problem+json with Retry-After at once instead of queueing without bound."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from app.middleware import Admission


class Held:
    """An ASGI app whose requests run until the test lets them finish."""

    def __init__(self) -> None:
        self.running = 0
        self.started = asyncio.Event()
        self.finish = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.running += 1
        self.started.set()
        await self.finish.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


def client(app: Admission) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://nudge")


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())  # type: ignore[arg-type]


def assert_refused(response: httpx.Response) -> None:
    """A quick 503 problem that says when to come back."""
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["status"] == 503


async def until(condition: Callable[[], bool]) -> None:
    """Lets the other tasks run until `condition` holds (no clock involved)."""
    while not condition():
        await asyncio.sleep(0)


@dataclass
class Busy:
    """A process whose one turn is taken by a request held in the app."""

    held: Held
    admission: Admission
    http: httpx.AsyncClient
    first: "asyncio.Task[httpx.Response]"

    async def end(self) -> None:
        self.held.finish.set()
        assert (await self.first).status_code == 200


@asynccontextmanager
async def busy(*, max_queued: int, timeout_seconds: float = 60) -> AsyncIterator[Busy]:
    held = Held()
    admission = Admission(
        held, max_in_flight=1, max_queued=max_queued, timeout_seconds=timeout_seconds
    )
    async with client(admission) as http:
        first = asyncio.create_task(http.post("/v1/reminders"))
        await held.started.wait()
        yield Busy(held, admission, http, first)
    assert (admission.in_flight, admission.queued) == (0, 0)


def test_beyond_the_running_and_waiting_requests_the_answer_is_a_quick_503() -> None:
    async def scenario() -> None:
        async with busy(max_queued=1) as process:
            second = asyncio.create_task(process.http.post("/v1/reminders"))
            await until(lambda: process.admission.queued == 1)
            assert_refused(await process.http.post("/v1/reminders"))  # the others still wait
            assert process.held.running == 1
            await process.end()
            assert (await second).status_code == 200

    run(scenario)


def test_a_request_that_waited_past_the_timeout_is_refused_and_never_runs() -> None:
    async def scenario() -> None:
        async with busy(max_queued=10, timeout_seconds=0.01) as process:
            assert_refused(await process.http.post("/v1/reminders"))
            await process.end()
            assert process.held.running == 1

    run(scenario)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_are_answered_even_when_the_process_is_full(path: str) -> None:
    async def scenario() -> None:
        async with busy(max_queued=0) as process:
            probe = asyncio.create_task(process.http.get(path))
            await until(lambda: process.held.running == 2)  # it reached the app, unqueued
            await process.end()
            assert (await probe).status_code == 200

    run(scenario)


def test_turns_pass_to_waiting_requests_in_arrival_order() -> None:
    async def scenario() -> None:
        order: list[str] = []
        gate = asyncio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            order.append(scope["path"])
            await gate.wait()
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        admission = Admission(app, max_in_flight=1, max_queued=5, timeout_seconds=60)
        async with client(admission) as http:
            tasks = []
            for n in range(4):
                tasks.append(asyncio.create_task(http.post(f"/{n}")))
                await until(lambda n=n: len(order) + admission.queued == n + 1)  # type: ignore[misc]
            gate.set()
            assert [(await task).status_code for task in tasks] == [204] * 4
        assert order == ["/0", "/1", "/2", "/3"]

    run(scenario)
