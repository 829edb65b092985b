"""The outcomes report as CSV: one row per group, then the total, as the JSON has them."""

import csv
import io

from app.deliveries.csv_export import neutralise
from app.outcomes.schemas import Dimension, Money, OutcomeGroup, OutcomeStats

METRICS = [name for name in OutcomeGroup.model_fields if name not in set(Dimension)]


def table(stats: OutcomeStats) -> str:
    """A `row` column says `group` or `total`; then the dimensions grouped by, then every
    measure. Amounts read `15000.00 CNY`, several currencies joined by `; `."""
    columns = ["row", *stats.group_by, *METRICS]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for label, group in [*(("group", group) for group in stats.groups), ("total", stats.total)]:
        cells = group.model_dump(mode="json") | {
            "row": label,
            "repaid_amount": _amounts(group.repaid_amount),
        }
        writer.writerow({name: neutralise(cells[name]) for name in columns})
    return buffer.getvalue()


def _amounts(amounts: list[Money]) -> str:
    return "; ".join(f"{money.amount} {money.currency}" for money in amounts)
