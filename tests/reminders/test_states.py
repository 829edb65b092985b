"""The reminder state machine allows exactly the documented transitions."""

import pytest

from app.errors import Conflict
from app.models.states import TERMINAL, TRANSITIONS, ReminderStatus, check_transition, sources_of

S = ReminderStatus


def test_finished_reminders_never_change_again() -> None:
    assert {S.DELIVERED, S.FAILED, S.CANCELLED, S.EXPIRED, S.SUPPRESSED} == TERMINAL
    for status in TERMINAL:
        for target in S:
            with pytest.raises(Conflict):
                check_transition(status, target)


def test_only_reminders_not_yet_handed_to_a_provider_can_be_cancelled() -> None:
    assert sources_of(S.CANCELLED) == {S.SCHEDULED, S.DEFERRED}


def test_an_unknown_outcome_is_never_retried_without_ops() -> None:
    assert TRANSITIONS[S.UNKNOWN] == {S.SENT, S.SCHEDULED}
    assert S.UNKNOWN in TRANSITIONS[S.DISPATCHING]
    assert sources_of(S.UNKNOWN) == {S.DISPATCHING}


def test_every_status_has_its_transitions_declared() -> None:
    assert set(TRANSITIONS) == set(S)
