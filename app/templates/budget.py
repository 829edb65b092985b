"""What one render may cost, and the meter that holds a render to it.

A tenant writes the templates, so a template is untrusted code: without limits a few nested
loops burn CPU for minutes and `'x'.ljust(5000000)` allocates megabytes, on every send. Every
render therefore runs under a `RenderBudget`: a time limit, a number of operations (loop steps,
calls, filters, operators, attribute reads, output chunks: deterministic, so a template refused
at send was refused at save too), and a size for the channel's text. The sandbox asks the meter
before it builds anything large, so an overrun is refused before the memory is taken.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from time import thread_time
from typing import Any

from jinja2.exceptions import SecurityError

from app.config import Settings
from channels.base import Channel


class RenderBudgetExceeded(Exception):
    """A render went over its time, operations or size budget; `field` names the text.

    The dispatcher reports the class name as a reason code of its own, so keep the name.
    """

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


@dataclass(frozen=True)
class RenderBudget:
    """Limits of one message's render; `from_settings` reads the `NUDGE_RENDER_*` settings."""

    timeout_ms: int = 50
    max_operations: int = 10_000
    max_bytes_sms: int = 2048
    max_bytes_voice: int = 2048
    max_bytes_email: int = 262_144
    max_bytes_webhook: int = 16_384
    public_url: str = "http://127.0.0.1:8000"
    """Where links in messages start (`{{ manage_url }}`): their length counts in a text's size,
    so dry runs and previews print a sample link as long as a real one."""

    @classmethod
    def from_settings(cls, settings: Settings) -> "RenderBudget":
        return cls(
            timeout_ms=settings.render_timeout_ms,
            max_operations=settings.render_max_operations,
            max_bytes_sms=settings.render_max_bytes_sms,
            max_bytes_voice=settings.render_max_bytes_voice,
            max_bytes_email=settings.render_max_bytes_email,
            max_bytes_webhook=settings.render_max_bytes_webhook,
            public_url=settings.public_url,
        )

    def max_bytes(self, channel: Channel) -> int:
        """UTF-8 bytes a message of the channel may have, all its texts together."""
        return {
            Channel.SMS: self.max_bytes_sms,
            Channel.VOICE: self.max_bytes_voice,
            Channel.EMAIL: self.max_bytes_email,
            Channel.WEBHOOK: self.max_bytes_webhook,
        }[channel]


_collections = threading.local()


def _count_collections(phase: str, info: dict[str, Any]) -> None:
    """Adds up, per thread, the CPU time spent collecting garbage (run in the collecting
    thread, under the GIL)."""
    now = thread_time()
    if phase == "start":
        _collections.started = now
    else:
        spent = now - getattr(_collections, "started", now)
        _collections.total = getattr(_collections, "total", 0.0) + spent


gc.callbacks.append(_count_collections)


def render_clock() -> float:
    """CPU time of this thread, less its garbage collections: a full collection of the
    process's objects can take 100 ms in the middle of a render and says nothing about the
    template (operations are counted regardless)."""
    return thread_time() - getattr(_collections, "total", 0.0)


class Meter:
    """One render's spending: started when the render starts, shared by all its texts."""

    def __init__(self, budget: RenderBudget, channel: Channel) -> None:
        self.budget = budget
        self.max_bytes = budget.max_bytes(channel)
        self.operations = 0
        self.written = 0
        self._allowed = budget.timeout_ms / 1000
        self._deadline = 0.0

    def resume(self) -> None:
        """Starts the clock: CPU time of this thread (`render_clock`), so a busy machine or a
        thread waiting for the GIL does not fail a render, and compiling (cached) is not
        charged."""
        self._deadline = render_clock() + self._allowed

    def pause(self) -> None:
        self._allowed = max(self._deadline - render_clock(), 0.0)

    def check_time(self) -> None:
        if render_clock() > self._deadline:
            raise RenderBudgetExceeded(f"takes longer than {self.budget.timeout_ms} ms")

    def tick(self) -> None:
        """One operation; also where the clock is read, so no loop or call goes unwatched."""
        self.operations += 1
        if self.operations > self.budget.max_operations:
            raise RenderBudgetExceeded(
                f"takes more than {self.budget.max_operations} operations (loop steps, calls, "
                "filters, operators, attribute reads); loops over text values are the usual cause"
            )
        self.check_time()

    def fits(self, size: int, what: str) -> None:
        """Refuses a value of `size` characters before it is built: nothing a template builds
        can usefully be longer than the whole message may be."""
        if size > self.max_bytes:
            raise RenderBudgetExceeded(
                f"{what} would build a text of {size} characters, more than the whole message "
                f"may have ({self.max_bytes} bytes)"
            )

    def write(self, chunk: str) -> None:
        self.check_time()
        self.written += len(chunk.encode("utf-8", "surrogatepass"))
        if self.written > self.max_bytes:
            raise RenderBudgetExceeded(
                f"writes more than the {self.max_bytes} bytes a message may have"
            )


_ACTIVE: ContextVar[Meter | None] = ContextVar("nudge_render_meter", default=None)


@contextmanager
def metering(meter: Meter) -> Iterator[Meter]:
    """Makes `meter` the one the sandbox charges while the block runs (per thread and task)."""
    token = _ACTIVE.set(meter)
    meter.resume()
    try:
        yield meter
    finally:
        meter.pause()
        _ACTIVE.reset(token)


def active() -> Meter:
    """The running render's meter. Template code outside a metered render is refused, so no
    caller can run a template unbudgeted by mistake (compile-time constant folding, which calls
    the sandbox too, takes this refusal as 'not a constant')."""
    meter = _ACTIVE.get()
    if meter is None:
        raise SecurityError("templates only run inside a metered render")
    return meter
