"""Garbage collection in a serving process: what start-up built is frozen out of the
collector's reach while the app runs, and given back when it stops."""

import gc

from app.heap import YOUNG_THRESHOLD, steady_heap
from app.main import create_app
from tests.conftest import app_settings
from tests.servers import serving


def test_the_steady_heap_freezes_what_exists_and_gives_it_back_with_the_thresholds() -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    with steady_heap():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_serving_app_runs_with_its_start_up_frozen_until_it_stops(database_url: str) -> None:
    gc.unfreeze()
    with serving(create_app(app_settings(database_url))):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
