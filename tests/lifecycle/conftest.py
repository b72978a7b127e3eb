"""The hand-built history the lifecycle tests replay."""

from __future__ import annotations

import pandas as pd

from segkit.lifecycle import default_lifecycle

# Thresholds small enough to see every state within 2024:
# active within 30 days, at risk after 60, churned after 90, loyal at 3 purchases.
LC = default_lifecycle(active_days=30, at_risk_days=60, churn_days=90, loyal_orders=3)

# A: one purchase.  B: two purchases in January, a third in February, lapses, churns,
# is won back in June and buys twice in July.  C: registers in February, buys once in
# May and returns it.  D: only a return, never registered.  E: registered without a
# signup date, never buys.  F: registered in 2023, buys exactly at midnight on Jan 1.
TX = pd.DataFrame(
    {
        "cust": ["A", "B", "B", "B", "C", "C", "D", "B", "B", "B", "F"],
        "ts": pd.to_datetime(
            format="ISO8601",
            arg=[
                "2024-01-10 12:00:00",
                "2024-01-05 00:00:00",
                "2024-01-20",
                "2024-02-10",
                "2024-05-03",
                "2024-05-10",
                "2024-03-03",
                "2024-06-15",
                "2024-07-10",
                "2024-07-20",
                "2024-01-01 00:00",
            ],
        ),
        "value": [10.0, 5.0, 7.0, 8.0, 50.0, -50.0, -20.0, 9.0, 3.0, 4.0, 30.0],
    }
)
COLUMNS = {"customer": "cust", "timestamp": "ts", "amount": "value"}
