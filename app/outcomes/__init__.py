"""Measured outcomes of reminder plans: experiment arms, attribution of repayments to the
reminder that preceded them, and the statistics the outcomes report and dashboard show."""
