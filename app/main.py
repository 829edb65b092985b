"""The application factory: wiring only, no rules."""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from app import health
from app.accounts import endpoints as accounts
from app.accounts.vault import check_key_for_stored
from app.apidocs import install_docs
from app.audit import endpoints as audit
from app.auth import VerifiedKeys
from app.borrower import endpoints as borrower_links
from app.clock import Clock, SystemClock
from app.config import Settings, get_settings
from app.db import create_db_engine, create_session_factory
from app.deliveries import endpoints as deliveries
from app.dispatch.scheduler import dispatching
from app.enrollments import endpoints as enrollments
from app.errors import install_error_handlers
from app.heap import steady_heap
from app.manage import public as borrower_page
from app.manage.throttle import BorrowerLimits
from app.middleware import Admission, BodySizeLimit, RefuseUnstorableText, RequestId
from app.migrate import head_revision
from app.observability import endpoints as observability
from app.openapi import with_problem_validation_errors
from app.ops import endpoints as ops
from app.optouts import endpoints as optouts
from app.optouts import public as unsubscribe
from app.outcomes import endpoints as outcomes
from app.plans import endpoints as plans
from app.policy import endpoints as policies
from app.preferences import endpoints as customers
from app.providers import mount
from app.ratelimit import FailureThrottle, TokenBuckets
from app.reminders import endpoints as reminders
from app.templates import endpoints as templates
from app.tenants import endpoints as tenants
from app.tips import endpoints as tips
from app.visits import endpoints as visits
from channels.registry import Providers

DESCRIPTION = """
Nudge sends polite, compliant repayment reminders. Submit a reminder; Nudge checks the
customer's contact policy (quiet hours in their own time zone, frequency caps, holidays,
opt-outs), renders a courteous template and delivers it over SMS, voice, email or a webhook,
logging every attempt.

Authenticate with `Authorization: Bearer <api key>`. Errors are RFC 9457
`application/problem+json`; validation errors list each bad field by path.
"""


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    providers: Providers | None = None,
) -> FastAPI:
    """`providers`: the installed provider plugins with their settings, loaded from the
    environment unless given."""
    settings = settings or get_settings()
    providers = providers or Providers.load(settings)
    pool_size, max_overflow = settings.pool_limits
    engine = create_db_engine(
        settings.database_url,
        echo=settings.database_echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
    )

    session_factory = create_session_factory(engine)
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        with session_factory() as session:
            check_key_for_stored(settings, session)
        async with AsyncExitStack() as stack:
            if settings.embedded_worker:
                await stack.enter_async_context(
                    dispatching(
                        sessions=session_factory,
                        settings=settings,
                        providers=providers,
                        clock=clock,
                    )
                )
            stack.enter_context(steady_heap())  # once everything has started
            yield
        engine.dispose()

    app = FastAPI(
        title="Nudge",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.providers = providers
    app.state.clock = clock
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.head_revision = head_revision()
    app.state.key_buckets = TokenBuckets[uuid.UUID](
        per_second=settings.rate_limit_per_second, burst=settings.rate_limit_burst
    )
    app.state.verified_keys = VerifiedKeys(seconds=settings.api_key_cache_seconds)
    app.state.borrower_limits = BorrowerLimits(settings)
    app.state.sign_in_failures = FailureThrottle(
        max_failures=settings.ops_sign_in_max_failures,
        window_seconds=settings.ops_sign_in_window_seconds,
    )

    app.openapi = with_problem_validation_errors(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    app.add_exception_handler(borrower_page.Refused, borrower_page.refused_page)
    app.add_middleware(RefuseUnstorableText)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        Admission,
        max_in_flight=settings.in_flight_limit,
        max_queued=settings.api_max_queued,
        timeout_seconds=settings.api_queue_timeout_seconds,
    )
    app.add_middleware(RequestId)
    install_docs(app)
    app.include_router(health.router)
    app.include_router(observability.router)
    app.include_router(reminders.router)
    app.include_router(enrollments.router)
    app.include_router(tenants.router)
    app.include_router(accounts.router_for(providers.accounts()))
    app.include_router(policies.router)
    app.include_router(optouts.router)
    app.include_router(customers.router)
    app.include_router(unsubscribe.router)
    app.include_router(borrower_page.router)
    app.include_router(borrower_links.router)
    app.include_router(audit.router)
    app.include_router(templates.router)
    app.include_router(tips.router)
    app.include_router(plans.router)
    mount(app, providers, settings=settings, sessions=session_factory, clock=clock)
    app.include_router(visits.router)
    app.include_router(deliveries.router)
    app.include_router(outcomes.router)
    app.include_router(ops.router)
    return app
