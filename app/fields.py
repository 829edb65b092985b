"""Pydantic field types shared by the request schemas."""

from datetime import UTC
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

InstantIn = Annotated[AwareDatetime, AfterValidator(lambda moment: moment.astimezone(UTC))]
"""A moment with an explicit offset (a naive one is refused), normalised to UTC."""
