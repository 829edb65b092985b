"""Answers a fake server gives, as scripted by a test: in order, then the default again."""

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class Hangs(Protocol):
    @property
    def hang(self) -> bool: ...


ReplyT = TypeVar("ReplyT", bound=Hangs)


@dataclass
class Script(Generic[ReplyT]):
    default: ReplyT
    queued: deque[ReplyT] = field(default_factory=deque)
    released: threading.Event = field(default_factory=threading.Event)
    """Set it to end hung requests; a server cannot stop while one hangs."""
    hung: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    """Released once by each request that starts hanging, so a test can wait for them."""

    def answer(self, *replies: ReplyT) -> None:
        self.queued.extend(replies)

    def reset(self) -> None:
        self.queued.clear()
        self.released.clear()
        self.hung = threading.Semaphore(0)

    async def next(self) -> ReplyT:
        """The next answer; a hanging one holds the request after it was received."""
        reply = self.queued.popleft() if self.queued else self.default
        if reply.hang:
            self.hung.release()
            await asyncio.to_thread(self.released.wait, 30)
        return reply
