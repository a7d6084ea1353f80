"""The Pipedrive fake's generated data and its keyset paging, checked without HTTP."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence

from sandbox.pipedrive import PipedriveFake
from sandbox.pipedrive.keyset import PageRequest, page_ids, sort_key
from sandbox.pipedrive.timeline import Timeline

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def test_the_same_seed_gives_the_same_people_and_another_seed_other_people() -> None:
    assert PipedriveFake(records=50, seed=1).person(7) == PipedriveFake(records=50, seed=1).person(
        7
    )
    assert PipedriveFake(records=50, seed=1).person(7) != PipedriveFake(records=50, seed=2).person(
        7
    )


def test_the_generated_persons_have_the_mix_a_sync_must_cope_with() -> None:
    fake = PipedriveFake(records=5000, seed=0)
    persons = [fake.person(i) for i in range(1, fake.count + 1)]

    no_channel = [p for p in persons if not p["emails"] and not p["phones"]]
    phone_only = [p for p in persons if p["phones"] and not p["emails"]]
    several_emails = [p for p in persons if len(p["emails"]) > 1]
    assert 0.01 < len(no_channel) / len(persons) < 0.03
    assert phone_only
    assert several_emails
    assert any(not p["emails"][0]["primary"] for p in several_emails)
    for person in persons:
        if person["emails"]:
            assert sum(e["primary"] for e in person["emails"]) == 1
        assert all(E164.match(phone["value"]) for phone in person["phones"])
    assert any(re.search(r"[^\x00-\x7f]", p["name"]) for p in persons)
    emails = [e["value"].lower() for p in persons for e in p["emails"]]
    assert len(emails) == len(set(emails))


def test_base_update_times_increase_with_the_id() -> None:
    fake = PipedriveFake(records=300, seed=5)
    times = [fake.person(i)["update_time"] for i in range(1, 301)]
    assert times == sorted(times)
    assert len(set(times)) == len(times)


def _expected(
    timeline: Timeline,
    sort_by: str,
    descending: bool,
    since: int | None,
    until: int | None,
    ids: Sequence[int] | None,
) -> list[int]:
    candidates = set(ids) if ids is not None else set(range(1, timeline.count + 1))
    kept = [
        i
        for i in candidates
        if timeline.exists(i)
        and (since is None or timeline.update_epoch(i) >= since)
        and (until is None or timeline.update_epoch(i) < until)
    ]
    return sorted(kept, key=lambda i: sort_key(timeline, sort_by, i), reverse=descending)


def _paged(timeline: Timeline, request: PageRequest) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        page = page_ids(
            timeline,
            PageRequest(
                sort_by=request.sort_by,
                descending=request.descending,
                after=after,
                limit=request.limit,
                updated_since=request.updated_since,
                updated_until=request.updated_until,
                ids=request.ids,
            ),
        )
        seen.extend(page.ids)
        if page.next_after is None:
            return seen
        after = page.next_after


def test_keyset_pages_match_a_plain_sort_in_every_order_filter_and_touch_pattern() -> None:
    rng = random.Random(1)
    for _ in range(150):
        count = rng.choice([0, 1, 2, 5, 37, 200])
        timeline = Timeline(count, rng.randint(0, 5))
        for _ in range(rng.randint(0, 3)):
            touched = rng.sample(range(1, count + 1), min(count, rng.randint(0, 10)))
            timeline.touch(touched, timeline.next_touch_epoch(0))
        times = [timeline.update_epoch(i) for i in range(1, count + 1)] or [0]
        for sort_by, descending in itertools.product(("id", "update_time", "add_time"), (0, 1)):
            since = rng.choice([None, rng.choice(times), rng.choice(times) + 1])
            until = rng.choice([None, None, rng.choice(times)])
            ids = rng.choice([None, None, [rng.randint(0, count + 2) for _ in range(5)]])
            request = PageRequest(
                sort_by=sort_by,
                descending=bool(descending),
                limit=rng.choice([1, 2, 3, 7, 100]),
                updated_since=since,
                updated_until=until,
                ids=ids,
            )
            assert _paged(timeline, request) == _expected(
                timeline, sort_by, bool(descending), since, until, ids
            )
