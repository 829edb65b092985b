"""Outcome tests write their records with tests/helpers/outcomes.py."""

import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from tests.helpers.outcomes import Ledger


@pytest.fixture
def ledger_for(db: Session, clock: FrozenClock) -> Any:
    def make(tenant_id: uuid.UUID) -> Ledger:
        return Ledger(db=db, tenant_id=tenant_id, now=clock.now())

    return make
