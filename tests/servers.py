"""Runs an ASGI app under uvicorn on a loopback port, in a thread of the test process."""

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import trustme
import uvicorn
from fastapi import FastAPI


@contextmanager
def serving(
    app: FastAPI, *, tls: trustme.LeafCert | None = None, **config_overrides: Any
) -> Iterator[str]:
    """Yields the base URL; with `tls` the server speaks https with that certificate (the URL
    still says http://127.0.0.1: a test names the host its certificate is for).
    `config_overrides` go to `uvicorn.Config`: `log_config=logs.config()` logs as `nudge serve`
    does."""
    with ExitStack() as files:
        certificate = {}
        if tls is not None:  # uvicorn reads the files when it starts
            certificate = {
                "ssl_certfile": files.enter_context(tls.cert_chain_pems[0].tempfile()),
                "ssl_keyfile": files.enter_context(tls.private_key_pem.tempfile()),
            }
        with _serving(app, certificate | config_overrides) as url:
            yield url


@contextmanager
def _serving(app: FastAPI, overrides: dict[str, Any]) -> Iterator[str]:
    values: dict[str, Any] = {"log_level": "warning"} | overrides
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", **values)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "test server crashed on start"
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
