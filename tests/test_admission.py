"""The admission limit: a bounded number of requests run, a bounded number wait, and the rest
are answered 503 problem+json with Retry-After at once instead of queueing without bound."""

import asyncio
from collections.abc import Awaitable, Callable

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


async def until(condition: Callable[[], bool]) -> None:
    """Lets the other tasks run until `condition` holds (no clock involved)."""
    while not condition():
        await asyncio.sleep(0)


def test_beyond_the_running_and_waiting_requests_the_answer_is_a_quick_503() -> None:
    async def scenario() -> None:
        held = Held()
        admission = Admission(held, max_in_flight=1, max_queued=1, timeout_seconds=60)
        async with client(admission) as http:
            first = asyncio.create_task(http.post("/v1/reminders"))
            await held.started.wait()
            second = asyncio.create_task(http.post("/v1/reminders"))
            await until(lambda: admission.queued == 1)
            refused = await http.post("/v1/reminders")  # answered while the others still wait
            assert refused.status_code == 503
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.headers["retry-after"] == "1"
            assert refused.json()["status"] == 503
            assert held.running == 1
            held.finish.set()
            assert [(await first).status_code, (await second).status_code] == [200, 200]
        assert (admission.in_flight, admission.queued) == (0, 0)

    run(scenario)


def test_a_request_that_waited_past_the_timeout_is_refused_and_never_runs() -> None:
    async def scenario() -> None:
        held = Held()
        admission = Admission(held, max_in_flight=1, max_queued=10, timeout_seconds=0.01)
        async with client(admission) as http:
            first = asyncio.create_task(http.post("/v1/reminders"))
            await held.started.wait()
            late = await http.post("/v1/reminders")
            assert late.status_code == 503
            assert late.headers["retry-after"] == "1"
            held.finish.set()
            assert (await first).status_code == 200
        assert held.running == 1
        assert (admission.in_flight, admission.queued) == (0, 0)

    run(scenario)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_are_answered_even_when_the_process_is_full(path: str) -> None:
    async def scenario() -> None:
        held = Held()
        admission = Admission(held, max_in_flight=1, max_queued=0, timeout_seconds=60)
        async with client(admission) as http:
            first = asyncio.create_task(http.post("/v1/reminders"))
            await held.started.wait()
            probe = asyncio.create_task(http.get(path))
            await until(lambda: held.running == 2)  # it reached the app: not refused, not queued
            held.finish.set()
            assert (await probe).status_code == 200
            assert (await first).status_code == 200

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
