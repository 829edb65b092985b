"""docs/plans.md's worked report reads as the report of the records it describes."""

from pathlib import Path

from app.outcomes.schemas import Dimension, OutcomeGroup
from tests.outcomes.scenario import scenario_records

DOCS = Path(__file__).parents[2] / "docs" / "plans.md"


def share(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else ""


def row(name: str, group: OutcomeGroup) -> list[str]:
    """A group as the page's table writes it."""
    return [
        name,
        str(group.enrolled),
        str(group.sent),
        str(group.delivered),
        str(group.repaid),
        "; ".join(str(money.amount) for money in group.repaid_amount),
        f"{share(group.conversion)} ({share(group.conversion_low)}\u2013"
        f"{share(group.conversion_high)})",
        f"{group.median_hours_to_repay:.1f}",
        group.compared_with or "",
        f"{group.difference * 100:.1f} points" if group.difference is not None else "",
        f"{group.p_value:.2g}" if group.p_value is not None else "",
    ]


def test_the_worked_report_is_what_the_report_makes_of_its_records() -> None:
    section = DOCS.read_text().split("### Worked example: reading a report", 1)[1]
    table = [line for line in section.splitlines() if line.startswith("| ")][2:]
    written = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    groups, total = scenario_records().report([Dimension.ARM])
    assert written == [row(group.arm or "", group) for group in groups] + [row("total", total)]
