"""The reminder state machine allows exactly the documented transitions."""

import pytest

from app.errors import Conflict
from app.models.states import (
    ATTEMPT_RANK,
    ATTEMPT_TRANSITIONS,
    TERMINAL,
    TRANSITIONS,
    ReminderStatus,
    check_attempt_transition,
    check_transition,
    sources_of,
)
from app.models.vocabulary import AttemptStatus

S = ReminderStatus
A = AttemptStatus
FINAL_WORDS = {A.DELIVERED, A.UNDELIVERED, A.FAILED, A.CANCELED, A.ANSWERED, A.NO_ANSWER, A.BUSY}


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


def test_every_attempt_status_has_its_transitions_declared() -> None:
    assert set(ATTEMPT_TRANSITIONS) == set(A)


def test_an_attempt_with_a_final_word_never_changes_again() -> None:
    assert {status for status, rank in ATTEMPT_RANK.items() if rank == 2} == FINAL_WORDS
    for status in FINAL_WORDS:
        assert ATTEMPT_TRANSITIONS[status] == frozenset()
        for target in A:
            with pytest.raises(Conflict):
                check_attempt_transition(status, target)


def test_a_provider_word_only_moves_an_attempt_forward() -> None:
    assert ATTEMPT_TRANSITIONS[A.SENT] == FINAL_WORDS
    assert A.QUEUED not in ATTEMPT_TRANSITIONS[A.SENT]
    assert A.SENT in ATTEMPT_TRANSITIONS[A.QUEUED]


def test_nothing_goes_back_to_sending() -> None:
    assert all(A.SENDING not in targets for targets in ATTEMPT_TRANSITIONS.values())
    assert ATTEMPT_TRANSITIONS[A.SENDING] == set(A) - {A.SENDING}
