"""The raw ceiling of dispatch: a plain aiohttp loop posting Twilio's Messages requests to the
stand-in the workers send to, on one keep-alive session with 64 requests in flight. No
database, policy or rendering: how fast the wire and the stand-in go on this machine.

Beside it, the twilio library's own ceiling: the same messages through `twilio.rest.Client`
on the transport Nudge's adapter gives it (channels/twilio/client.py), made by the adapter
itself, 64 in flight. The gap between the two is what the library costs, whatever the worker
does around it."""

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
from pydantic import SecretStr

from app.clock import SystemClock
from app.config import Settings
from bench.serve import FROM_NUMBER, TWILIO_SID, TWILIO_TOKEN, StandIn
from channels.twilio.settings import TwilioAccount, TwilioSettings
from channels.twilio.sms import TwilioSmsAdapter

IN_FLIGHT = 64
PREFIX = "raw-"
"""The stand-in logs these references apart from the reminders'."""
LIBRARY_PREFIX = "lib-"
"""The references of the messages sent through the twilio library."""
CALLBACK = "https://nudge.example/v1/webhooks/twilio/status?reference="


def to(i: int) -> str:
    return f"+86138{i % 10**8:08d}"


async def in_flight(count: int, send: Callable[[int], Awaitable[None]]) -> None:
    """`send(i)` for every i below `count`, IN_FLIGHT at a time."""
    remaining = iter(range(count))

    async def loop() -> None:
        for i in remaining:
            await send(i)

    await asyncio.gather(*(loop() for _ in range(IN_FLIGHT)))


BODY = "【示例贷】尊敬的客户，您的贷款 loan-0 将于 2026年12月1日 到期，应还 ¥1,234.50。退订回T"


async def post_all(twilio: StandIn, count: int) -> None:
    path = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    auth = aiohttp.BasicAuth(TWILIO_SID, TWILIO_TOKEN)
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(twilio.url, connector=connector, auth=auth) as session:

        async def send(i: int) -> None:
            form = {
                "To": to(i),
                "From": FROM_NUMBER,
                "Body": BODY,
                "StatusCallback": f"{CALLBACK}{PREFIX}{i}",
            }
            async with session.post(path, data=form) as response:
                await response.read()
                if response.status != 201:
                    raise RuntimeError(f"the stand-in answered {response.status}")

        await in_flight(count, send)


def post(twilio: StandIn, count: int) -> None:
    asyncio.run(post_all(twilio, count))


async def create_all(twilio: StandIn, count: int) -> None:
    own = TwilioSettings(
        account_sid=TWILIO_SID,
        auth_token=SecretStr(TWILIO_TOKEN),
        from_number=FROM_NUMBER,
        api_base=twilio.url,
    )
    adapter = TwilioSmsAdapter(Settings(env="test"), own, clock=SystemClock())
    account = TwilioAccount.of(own)
    assert account is not None
    client = adapter.client_for(account)
    try:

        async def send(i: int) -> None:
            await client.messages.create_async(
                to=to(i),
                from_=FROM_NUMBER,
                body=BODY,
                status_callback=f"{CALLBACK}{LIBRARY_PREFIX}{i}",
            )

        await in_flight(count, send)
    finally:
        await adapter.aclose()


def create(twilio: StandIn, count: int) -> None:
    """The messages through the twilio library, as the adapter sends them."""
    asyncio.run(create_all(twilio, count))
