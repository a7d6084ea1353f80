"""A spent Pipedrive daily token budget through real worker processes: the vendor waits for the
day's end (parked, since the wait is longer than the countdown cap) and the job then resumes."""

from __future__ import annotations

from collections import Counter

from tests.e2e.conftest import StackFactory
from tests.support.stack import succeeded

#: A short "day" for the sandbox and the connector alike (both count from the epoch).
DAY_SECONDS = 8.0
#: Tokens per day: three 10-token requests (the last one overdraws the budget to 0).
DAILY_TOKENS = 25
RECORDS = 250


def test_a_spent_daily_budget_defers_the_vendor_until_the_reset_and_the_job_then_finishes(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(RECORDS, page_size=50, token_budget={"day_seconds": DAY_SECONDS})
    sandbox.pipedrive.set_token_budget(DAILY_TOKENS, day_seconds=DAY_SECONDS)
    # A visibility timeout of 20 s caps countdowns at 5 s: waits for the day's end park.
    stack.extra_env["TAJO_VISIBILITY_TIMEOUT"] = "20"
    stack.start_worker(concurrency=2)
    stack.sync_persons()

    [job] = succeeded(stack.wait_for(lambda js: len(succeeded(js)) == 1, 150, "the job"))
    assert job.fetched == RECORDS
    assert job.written + job.dead_lettered == RECORDS

    arrivals = [
        a for a in sandbox.pipedrive.arrivals.all() if a.route.startswith(("/api/v2", "/v1"))
    ]
    days = Counter(int(a.at // DAY_SECONDS) for a in arrivals if a.status == 200)
    # The backfill needed several days of budget, and each day's calls stopped at the budget:
    # no request was sent into a spent day (Pipedrive would have answered 429).
    assert len(days) >= 3, days
    assert not [a for a in arrivals if a.daily_refusal]
    assert "parked for" in stack.logs()
