"""An enrolment's state, changed here like a reminder's: active, paused (until a moment, or
until a `lifted` event), ended. The loan events decide; this checks the move and makes it."""

from datetime import datetime

from app.models.enrollments import Enrollment, EnrollmentStatus
from app.models.states import IllegalTransition

E = EnrollmentStatus

ENROLLMENT_TRANSITIONS: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    E.ACTIVE: frozenset({E.PAUSED, E.ENDED}),
    # A pause may be replaced by another (a promise made during hardship).
    E.PAUSED: frozenset({E.ACTIVE, E.PAUSED, E.ENDED}),
    E.ENDED: frozenset(),
}


def _move(enrollment: Enrollment, target: EnrollmentStatus, now: datetime) -> None:
    if target not in ENROLLMENT_TRANSITIONS[enrollment.status]:
        raise IllegalTransition(f"an enrolment that is {enrollment.status} cannot become {target}")
    enrollment.status, enrollment.updated_at = target, now
    enrollment.paused_until = enrollment.pause_reason = None


def pause(enrollment: Enrollment, *, reason: str, until: datetime | None, now: datetime) -> None:
    """Paused until `until`, or until lifted when it is None."""
    _move(enrollment, E.PAUSED, now)
    enrollment.paused_until, enrollment.pause_reason = until, reason


def resume(enrollment: Enrollment, *, now: datetime) -> None:
    _move(enrollment, E.ACTIVE, now)


def end(enrollment: Enrollment, *, reason: str, now: datetime) -> None:
    _move(enrollment, E.ENDED, now)
    enrollment.ended_reason = reason
