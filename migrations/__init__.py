"""Alembic migrations, shipped in the distribution so `nudge migrate` works from any folder."""
