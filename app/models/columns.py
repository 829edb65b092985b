"""Column types shared by several tables."""

from enum import StrEnum

import sqlalchemy as sa

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""SQLite only auto-increments an INTEGER PRIMARY KEY."""


def stored_as_text(enum: type[StrEnum], length: int) -> sa.Enum:
    """An enum column that is a plain VARCHAR of its values on every database, so adding a
    member needs no migration and rows written before the enum existed still load."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )
