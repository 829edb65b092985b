"""The raw ceiling of dispatch: a plain aiohttp loop posting Twilio's Messages requests to the
stand-in the workers send to, on one keep-alive session with 64 requests in flight. No
database, policy or rendering: how fast the wire and the stand-in go on this machine."""

import asyncio

import aiohttp

from bench.serve import FROM_NUMBER, TWILIO_SID, TWILIO_TOKEN, StandIn

IN_FLIGHT = 64
PREFIX = "raw-"
"""The stand-in logs these references apart from the reminders'."""
BODY = "【示例贷】尊敬的客户，您的贷款 loan-0 将于 2026年12月1日 到期，应还 ¥1,234.50。退订回T"


async def post_all(twilio: StandIn, count: int) -> None:
    path = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    auth = aiohttp.BasicAuth(TWILIO_SID, TWILIO_TOKEN)
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    remaining = iter(range(count))
    async with aiohttp.ClientSession(twilio.url, connector=connector, auth=auth) as session:

        async def loop() -> None:
            for i in remaining:
                form = {
                    "To": f"+86138{i % 10**8:08d}",
                    "From": FROM_NUMBER,
                    "Body": BODY,
                    "StatusCallback": "https://nudge.example/v1/webhooks/twilio/status"
                    f"?reference={PREFIX}{i}",
                }
                async with session.post(path, data=form) as response:
                    await response.read()
                    if response.status != 201:
                        raise RuntimeError(f"the stand-in answered {response.status}")

        await asyncio.gather(*(loop() for _ in range(IN_FLIGHT)))


def post(twilio: StandIn, count: int) -> None:
    asyncio.run(post_all(twilio, count))
