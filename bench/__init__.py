"""The benchmark harness (`python -m bench`, `make bench`): Nudge measured from outside,
beside raw ceilings taken in the same run (docs/benchmarks.md)."""
