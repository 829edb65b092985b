"""A loopback TCP listener that only counts the connections it accepts: the witness that a
refused target was never connected to."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Listener:
    port: int = 0
    connections: int = 0


@contextmanager
def counting_listener() -> Iterator[Listener]:
    listener = Listener()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.05)
        listener.port = server.getsockname()[1]
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                try:
                    connection, _ = server.accept()
                except TimeoutError:
                    continue
                listener.connections += 1
                connection.close()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            yield listener
        finally:
            stop.set()
            thread.join(timeout=5)
