"""Compensation for a write made of several steps: done, or undone, or reported exactly.

A write that takes several calls (one Klantinteracties create that becomes a customer and a
contact-person record upstream; the façade's own `maak-klantcontact`) records each step that
succeeded with the call that undoes it. When a later step fails, `undo` runs the undos newest
first and returns what could not be undone; the caller raises `IncompleteWrite` with those, or
the original error when everything was undone::

    steps = Compensation()
    customer = await api.create_customer(...)
    steps.done(Leftover("partijen", customer.id), lambda: api.delete_customer(customer.id))
    try:
        await api.create_contact_person(...)
    except SourceError as exc:
        await steps.undo_or_raise(exc)
        raise
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from adapters.protocol import IncompleteWrite, Leftover, SourceError

log = logging.getLogger("adapters.writes")

Undo = Callable[[], Awaitable[object]]


class Compensation:
    """The undo log of one write: what was done, and how to undo each step."""

    def __init__(self) -> None:
        self._steps: list[tuple[Leftover, Undo]] = []

    def done(self, what: Leftover, undo: Undo) -> None:
        """A step succeeded: `undo` removes what it made (or restores what it changed)."""
        self._steps.append((what, undo))

    @property
    def steps(self) -> tuple[Leftover, ...]:
        return tuple(what for what, _ in self._steps)

    async def undo(self) -> list[Leftover]:
        """Undo every done step, newest first; return the steps whose undo failed too."""
        remaining = []
        while self._steps:
            what, undo = self._steps.pop()
            try:
                await undo()
            except asyncio.CancelledError:
                remaining.append(what)
                remaining.extend(step for step, _ in reversed(self._steps))
                self._steps.clear()
                raise
            except Exception as exc:  # any failure of an undo is reported, never swallowed
                reason = exc.reason if isinstance(exc, SourceError) else type(exc).__name__
                log.error("undo of %s %s in %s failed (%s)", what.resource, what.key, what.where or "-", reason)
                remaining.append(what)
        return remaining

    async def undo_or_raise(self, cause: BaseException) -> None:
        """Undo everything after `cause`; raise `IncompleteWrite` if something stays behind (the
        caller re-raises `cause` otherwise)."""
        remaining = await self.undo()
        if remaining:
            reason = cause.reason if isinstance(cause, SourceError) else type(cause).__name__
            raise IncompleteWrite(reason, remaining) from cause
