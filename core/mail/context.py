"""What an e-mail about one event says, loaded from the database in one or two queries.

One query reads the partnership with both regions and their countries (through the program, for a
program's events); a second one, only when the actor is an account's e-mail, reads its name.
The stage and status come from the event where it names them, so that an e-mail sent late still
tells what happened then, not what the partnership looks like now.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.envelope import Envelope
from core.mail.errors import MailError
from core.models import Account, City, Partnership, Program
from core.settings import Settings
from core.stages import Status

JAKARTA = ZoneInfo("Asia/Jakarta")  # WIB, the time the offices using Kembar keep
# Actors that are Kembar itself: the workers ("system:evaluations") and the watch ("kembar-watch").
AUTOMATIC_ACTORS = ("system:", "kembar-")

# The status an event implies when its payload does not carry one.
_STATUS_OF: dict[str, str] = {
    "partnership.abandoned": Status.ABANDONED.value,
    "partnership.terminated": Status.TERMINATED.value,
    "partnership.expired": Status.EXPIRED.value,
}


@dataclass(frozen=True, kw_only=True)
class Region:
    name: str
    level: str
    country_code: str
    country_name: str  # as stored (English); templates prefer the locale's name for the code


@dataclass(frozen=True, kw_only=True)
class Current:
    """The partnership as the database has it when the e-mail is written."""

    id: int
    kind: str
    stage: str
    status: str
    round: int
    indonesian: Region
    foreign: Region


@dataclass(frozen=True, kw_only=True)
class MailContext:
    event_id: uuid.UUID
    type: str
    payload: dict[str, Any]
    partnership_id: int
    kind: str
    indonesian: Region
    foreign: Region
    old_stage: str | None  # set for a stage change only
    stage: str  # the stage the event left the partnership in
    status: str
    round: int
    actor: str  # as recorded: an account's e-mail, "system:…", "cli", …
    actor_name: str | None  # the account's display name, when there is one
    reason: str
    at: datetime  # when it happened, in Asia/Jakarta
    link: str
    program_title: str | None  # for a program's events

    @property
    def template_key(self) -> str:
        """The event type as a template name: ``partnership.stage_advanced`` → with ``_``."""
        return self.type.replace(".", "_")

    @property
    def automatic(self) -> bool:
        """The change was made by Kembar itself (a worker or the watch), not by a person."""
        return self.actor.startswith(AUTOMATIC_ACTORS)


async def load(*, envelope: Envelope, settings: Settings) -> MailContext:
    """Everything the templates need for ``envelope``; MailError if its partnership is gone."""
    partnership_id = envelope.partnership_id
    if partnership_id is None:
        raise MailError(f"event {envelope.type} names no partnership", temporary=False)
    related = (
        "indonesian_region__country",
        "foreign_region__country",
    )
    program_title: str | None = None
    partnership: Partnership | None = None
    if envelope.aggregate_type == "program" and "program_id" in envelope.payload:
        program = await Program.get_or_none(id=int(envelope.payload["program_id"])).select_related(
            *(f"partnership__{path}" for path in related)
        )
        if program is not None:
            partnership, program_title = program.partnership, program.title
    if partnership is None:
        partnership = await Partnership.get_or_none(id=partnership_id).select_related(*related)
    if partnership is None:
        raise MailError(f"partnership {partnership_id} does not exist", temporary=False)
    actor_name = None
    if "@" in envelope.actor:
        account = await Account.get_or_none(email=envelope.actor).only("id", "name")
        actor_name = (account.name or None) if account is not None else None
    current = Current(
        id=partnership.id,
        kind=partnership.kind.value,
        stage=partnership.stage.value,
        status=partnership.status.value,
        round=partnership.round,
        indonesian=_region(partnership.indonesian_region),
        foreign=_region(partnership.foreign_region),
    )
    return assemble(
        envelope=envelope,
        current=current,
        actor_name=actor_name,
        program_title=program_title,
        settings=settings,
    )


def assemble(
    *,
    envelope: Envelope,
    current: Current,
    actor_name: str | None,
    program_title: str | None,
    settings: Settings,
) -> MailContext:
    """The context from what was loaded: the event's own values first, then the current row's."""
    payload = envelope.payload
    if envelope.type == "partnership.stage_advanced":
        status = str(payload["status"])
    else:
        status = _STATUS_OF.get(envelope.type, current.status)
    return MailContext(
        event_id=envelope.event_id,
        type=envelope.type,
        payload=payload,
        partnership_id=current.id,
        kind=current.kind,
        indonesian=current.indonesian,
        foreign=current.foreign,
        old_stage=payload.get("from_stage"),
        stage=str(payload.get("to_stage") or payload.get("stage") or current.stage),
        status=str(status),
        round=int(payload.get("round") or current.round),
        actor=envelope.actor,
        actor_name=actor_name,
        reason=str(payload.get("reason") or "").strip(),
        at=_aware(envelope.occurred_at).astimezone(JAKARTA),
        link=settings.public_url.rstrip("/")
        + settings.mail_link_path.replace("{id}", str(current.id)),
        program_title=program_title,
    )


def _aware(moment: datetime) -> datetime:
    """Kembar stores UTC; a naive time read back (SQLite without tz) is UTC, not local time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _region(city: City) -> Region:
    return Region(
        name=city.name,
        level=city.level.value,
        country_code=city.country.code,
        country_name=city.country.name,
    )
