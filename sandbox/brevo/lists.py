"""Contact lists of the fake account: ids 1..N exist from the start, more can be created."""

from __future__ import annotations

import threading
from dataclasses import dataclass

DEFAULT_LIST_COUNT = 100
DEFAULT_FOLDER_ID = 1


@dataclass(frozen=True)
class ContactList:
    id: int
    name: str
    folder_id: int


class ListRegistry:
    def __init__(self, count: int = DEFAULT_LIST_COUNT) -> None:
        self._lists = {
            i: ContactList(i, f"Sandbox list {i}", DEFAULT_FOLDER_ID) for i in range(1, count + 1)
        }
        self._lock = threading.Lock()

    def exists(self, list_id: int) -> bool:
        with self._lock:
            return list_id in self._lists

    def missing(self, list_ids: set[int] | frozenset[int]) -> list[int]:
        with self._lock:
            return sorted(i for i in list_ids if i not in self._lists)

    def create(self, name: str, folder_id: int | None) -> ContactList:
        with self._lock:
            new = ContactList(max(self._lists, default=0) + 1, name, folder_id or DEFAULT_FOLDER_ID)
            self._lists[new.id] = new
            return new

    def all(self) -> list[ContactList]:
        with self._lock:
            return list(self._lists.values())
