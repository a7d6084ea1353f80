"""list.add / list.remove: grouped by list and identifier type, at most 150 identifiers a call.

Brevo lumps "already in (or out of) the list" together with "no such contact" in one `failure`
answer. A removal that failed leaves the contact out of the list whichever it was, so it is done;
each contact an add failed for is read once (contacts bucket), so that only a contact Brevo does
not have, or an add Brevo did not make, becomes a dead letter.
"""

from __future__ import annotations

from functools import partial

from connectors.brevo import lists
from tasks import limits
from tasks.ops_batch import Item, OpsBatch, Refusal, refusals

DIRECTIONS: dict[str, lists.Direction] = {"list.add": "add", "list.remove": "remove"}


def write(batch: OpsBatch) -> None:
    bucket = limits.brevo_contacts_bucket(batch.settings)
    items = batch.items
    planned: list[tuple[int, lists.Direction, int, str, str | int]] = []
    for position, item in enumerate(items):
        try:
            direction = DIRECTIONS[item.operation.op]
            list_id = lists.list_id_of(item.body)
            kind, value = lists.identifier_of(item.body)
        except (KeyError, ValueError) as exc:
            batch.refuse(refusals([item], "invalid_parameter", str(exc)))
            continue
        planned.append((position, direction, list_id, kind, _canonical(kind, value)))
    for group in lists.group(planned):
        values = list(group.members)
        answer = batch.meter(
            bucket,
            partial(
                lists.change_membership,
                batch.api,
                group.list_id,
                group.direction,
                group.identifier_type,
                values,
            ),
        )
        done = {_canonical(group.identifier_type, v) for v in answer.success}
        for value, positions in group.members.items():
            members = [items[p] for p in positions]
            if value in done or group.direction == "remove":
                # A removal Brevo did not make leaves the contact out of the list either way
                # (it was not in it, or Brevo has no such contact): nothing to look up.
                batch.accept(members)
            else:
                _verify(batch, group, value, members)


def _verify(batch: OpsBatch, group: lists.Group, value: str | int, members: list[Item]) -> None:
    """Brevo did not report this one done: read the contact to learn whether it is."""
    bucket = limits.brevo_contacts_bucket(batch.settings)
    in_lists = batch.meter(
        bucket, partial(lists.membership, batch.api, group.identifier_type, value)
    )
    if in_lists is None:
        message = f"Brevo has no contact with {group.identifier_type} {value}"
        batch.refuse(refusals(members, "document_not_found", message))
    elif (group.list_id in in_lists) == (group.direction == "add"):
        batch.accept(members)  # already where it should be
    else:
        verb = "add the contact to" if group.direction == "add" else "remove the contact from"
        message = f"Brevo did not {verb} list {group.list_id}"
        batch.refuse([Refusal(m, "invalid_parameter", message) for m in members])


def _canonical(kind: str, value: str | int) -> str | int:
    # Brevo compares emails without case and echoes them in its own spelling.
    return value.strip().lower() if kind == "email" and isinstance(value, str) else value
