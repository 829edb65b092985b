"""A fast Twilio stand-in for the benchmark, run as its own process:

    python -m bench.standin --port 8123 --log sends.log --account AC... --token ...

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` (form-encoded, HTTP Basic auth with
the account's SID and token) with 201 and Twilio's JSON message resource, and keeps one line
per message it accepted: the time it accepted it and the `reference` of its status callback
(the reminder's id). The lines are written to `--log` when it stops (SIGTERM), so that the
benchmark can prove from the provider's side that nothing was sent twice or lost, without a
write per request slowing it down. `GET /accepted` says how many it has accepted so far.

aiohttp on uvloop, so that the stand-in is not the bottleneck; the benchmark prints its CPU
share. It is the benchmark's own (bench/ imports nothing from tests/).
"""

import argparse
import base64
import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import uvloop
from aiohttp import web

MESSAGES = "/2010-04-01/Accounts/{sid}/Messages.json"


def reference_of(callback: str) -> str:
    """The reminder id Nudge puts in the status-callback URL (`...?reference=<id>`)."""
    return parse_qs(urlsplit(callback).query).get("reference", [""])[0]


def twilio_error(status: int, code: int, message: str) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)


def application(account: str, token: str, log: Path) -> web.Application:
    expected = "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()
    accepted: list[str] = []

    async def create(request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        given = request.headers.get("Authorization", "")
        if sid != account or not hmac.compare_digest(given, expected):
            return twilio_error(401, 20003, "Authenticate")
        form = await request.post()
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        if not to or not body:
            return twilio_error(400, 21604, "A 'To' phone number and a 'Body' are required.")
        accepted.append(f"{time.time():.6f} {reference_of(str(form.get('StatusCallback', '')))}")
        message_sid = "SM" + secrets.token_hex(16)
        resource = {
            "sid": message_sid,
            "account_sid": account,
            "to": to,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": body,
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{message_sid}.json",
        }
        return web.json_response(resource, status=201)

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"accepted": len(accepted)})

    async def write_log(app: web.Application) -> None:
        log.write_text("".join(f"{line}\n" for line in accepted))

    app = web.Application()
    app.router.add_post(MESSAGES, create)
    app.router.add_get("/accepted", count)
    app.on_cleanup.append(write_log)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    web.run_app(
        application(args.account, args.token, args.log),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
