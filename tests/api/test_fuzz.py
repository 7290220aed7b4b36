"""Property-based fuzz: generated queries and mutations (hypothesis-graphql) as every role.

Properties: no HTTP 500, no traceback or internal error in a response, and no write by a role
that may not make it (anonymous and viewers write nothing; an officer of Bandung writes only
under Bandung). Ids are drawn from the real rows (and some garbage) so that mutations reach the
permission checks and the services, not only the id decoder.

``KEMBAR_FUZZ_EXAMPLES`` sets examples per role (default 200; the run in the closing note used
more). Each role's case count is printed.
"""

from __future__ import annotations

import os
from datetime import date

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from core.models import Activity, AuditEntry, Document, Partnership, Program
from schema import schema
from tests.api.conftest import ClientFactory
from tests.api.test_permissions import ROLES, World, build_world, client_for, gid

EXAMPLES = int(os.environ.get("KEMBAR_FUZZ_EXAMPLES", "200"))
COUNTS: dict[str, int] = {}
IDS: list[str] = []


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def scalars(world: World) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    ids = [
        gid("City", world.bandung.id), gid("City", world.surabaya.id),
        gid("City", world.jabar.id), gid("City", world.hamamatsu.id),
        gid("Partnership", world.bandung_p.id), gid("Partnership", world.surabaya_p.id),
        gid("Program", world.bandung_program.id), gid("Program", world.surabaya_program.id),
        gid("Account", world.account.id), str(world.token.id), gid("Partnership", 2**40),
    ]  # fmt: skip
    IDS[:] = ids
    return {
        "ID": st.one_of(st.sampled_from(ids), st.text(max_size=12)).map(_string),
        "Date": st.dates(date(1990, 1, 1), date(2040, 1, 1)).map(lambda d: _string(d.isoformat())),
        "DateTime": st.just(_string("2025-01-01T00:00:00+00:00")),
        "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
            lambda d: _string(str(d))
        ),
        "JSON": st.just(graphql.NullValueNode()),
    }


_CACHE: dict[tuple[str, ...], list[str]] = {}


def generated(world: World) -> list[str]:
    """The documents to send, generated once per run (the world's ids are the same for every
    role: each test starts from emptied tables with reset sequences)."""
    strategies = scalars(world)
    key = tuple(sorted(IDS))
    if key not in _CACHE:
        documents: list[str] = []

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(document=from_schema(schema._schema, custom_scalars=strategies))
        def generate(document: str) -> None:
            documents.append(document)

        generate()
        _CACHE[key] = documents
    return _CACHE[key]


async def written_by(actor: str) -> list[AuditEntry]:
    return list(await AuditEntry.filter(actor=actor))


async def partnership_of(entry: AuditEntry) -> int | None:
    after = entry.after or {}
    if entry.entity_type == "partnership":
        return int(entry.entity_id)
    if entry.entity_type in ("document", "approval", "program"):
        return after.get("partnership_id")
    if entry.entity_type == "activity":
        program = await Program.get(id=after["program_id"])
        return program.partnership_id
    return None


@pytest.mark.parametrize("role", ROLES)
async def test_fuzz_by_role(role: str, client_as: ClientFactory) -> None:
    world = await build_world()
    client = await client_for(role, world, client_as)
    me = (await client("{ me { email } }"))["data"]["me"]
    before = await AuditEntry.all().count()
    rows_before = [await m.all().count() for m in (Partnership, Document, Program, Activity)]
    COUNTS[role] = 0

    problems = []
    for document in generated(world):
        COUNTS[role] += 1
        response = await client.http.post("/graphql", json={"query": document})
        text = response.text
        if response.status_code not in (200, 400):
            problems.append((response.status_code, document, text[:300]))
        elif "Traceback" in text or 'File "' in text or '"INTERNAL_ERROR"' in text:
            problems.append((response.status_code, document, text[:300]))
    assert not problems, problems[:5]
    writes = len(await written_by(me["email"])) if me else 0
    print(f"\nfuzz {role}: {COUNTS[role]} generated documents, {writes} writes")
    if role in ("anonymous", "viewer"):
        assert await AuditEntry.all().count() == before
        after = [await m.all().count() for m in (Partnership, Document, Program, Activity)]
        assert after == rows_before
    elif role.startswith("officer"):
        # Bandung lies in Jawa Barat: its officer may also write for the province itself
        allowed = {world.bandung.id} | ({world.jabar.id} if role == "officer_jabar" else set())
        for entry in await written_by(me["email"]):
            assert entry.entity_type in ("partnership", "document", "approval", "program",
                                         "activity"), entry.entity_type  # fmt: skip
            partnership = await Partnership.get(id=await partnership_of(entry))
            assert partnership.indonesian_region_id in allowed, entry.action
