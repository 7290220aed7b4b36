"""Every mutation through GraphQL: the happy path returns the changed object; every error code it
can produce comes back in ``errors { field code message }`` and nothing at all is written."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from core import clock
from core.enums import (
    ApprovalType,
    Area,
    Decision,
    DocumentType,
    ProgramStatus,
    ProgramType,
    RegionLevel,
)
from core.models import (
    Activity,
    Approval,
    City,
    Country,
    Document,
    OutboxEvent,
    Partnership,
    PartnershipArea,
    Program,
    StageChange,
)
from core.services import partnerships, programs, records
from core.stages import Stage
from tests import factories

INPUT_TYPES = {
    "createCity": "CreateCityInput",
    "updateCity": "UpdateCityInput",
    "proposePartnership": "ProposePartnershipInput",
    "updatePartnership": "UpdatePartnershipInput",
    "addDocument": "AddDocumentInput",
    "recordApproval": "RecordApprovalInput",
    "advanceStage": "AdvanceStageInput",
    "abandonPartnership": "CloseInput",
    "terminatePartnership": "CloseInput",
    "createProgram": "CreateProgramInput",
    "updateProgram": "UpdateProgramInput",
    "recordActivity": "RecordActivityInput",
}
PAYLOAD_FIELD = {
    "createCity": "city { id }",
    "updateCity": "city { id }",
    "proposePartnership": "partnership { id }",
    "updatePartnership": "partnership { id }",
    "addDocument": "document { id }",
    "recordApproval": "approval { id }",
    "advanceStage": "partnership { id }",
    "abandonPartnership": "partnership { id }",
    "terminatePartnership": "partnership { id }",
    "createProgram": "program { id }",
    "updateProgram": "program { id }",
    "recordActivity": "activity { id }",
}


def gid(kind: str, pk: int) -> str:
    """The opaque global id strawberry gives ``kind`` row ``pk``."""
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def mutation(name: str, selection: str) -> str:
    return (
        f"mutation($input: {INPUT_TYPES[name]}!) {{ {name}(input: $input) {{ {selection} "
        "errors { field code message } } }"
    )


async def written() -> dict[str, Any]:
    """Every row a mutation could write or change, so a refused one can be shown to change none."""
    return {
        "cities": sorted(
            await City.all().values_list(
                "id", "name", "level", "country_id", "parent_id", "population", "geonames_id"
            )
        ),
        "relations": sorted(await Country.filter(diplomatic_relations=False).values_list("code")),
        "partnerships": sorted(
            await Partnership.all().values_list(
                "id", "version", "stage", "status", "kind", "description", "established_on"
            )
        ),
        "areas": sorted(await PartnershipArea.all().values_list("partnership_id", "area")),
        "programs": sorted(
            await Program.all().values_list("id", "version", "title", "status", "budget")
        ),
        "activities": await Activity.all().count(),
        "documents": await Document.all().count(),
        "approvals": await Approval.all().count(),
        "history": await StageChange.all().count(),
        "outbox": await OutboxEvent.all().count(),
    }


@dataclass
class World:
    bandung: City
    braunschweig: City
    haifa: City
    japan_pref: City
    p: Partnership  # Bandung-Braunschweig, identification
    israel_p: Partnership  # Bandung-Haifa: no diplomatic relations
    signed: Partnership  # Surabaya-Kitakyushu, implementation (active)
    closed: Partnership  # abandoned
    program: Program  # under p
    cancelled: Program  # under p, cancelled


@pytest.fixture
async def world(db: str) -> World:
    bandung = await factories.region("Bandung", geonames_id=1650357)
    braunschweig = await factories.region("Braunschweig", "DE")
    haifa = await factories.region("Haifa", "IL")
    lyon = await factories.region("Lyon", "FR")
    japan_pref = await factories.region("Kyoto Prefecture", "JP", RegionLevel.PROVINCE)
    p = await factories.propose(bandung, braunschweig)
    israel_p = await factories.propose(bandung, haifa)
    closed = await factories.propose(bandung, lyon)
    closed = await partnerships.abandon(
        partnership_id=closed.id, expected_version=closed.version, reason="no", actor="t"
    )
    signed = await factories.at_stage(
        Stage.IMPLEMENTATION, indonesian="Surabaya", foreign="Kitakyushu", country="JP"
    )
    program = await programs.create_program(
        partnership_id=p.id, title="Exchange", area=Area.EDUCATION,
        type=ProgramType.STUDENT_EXCHANGE, actor="t",
    )  # fmt: skip
    cancelled = await programs.create_program(
        partnership_id=p.id, title="Old", area=Area.CULTURE,
        type=ProgramType.CULTURAL_FESTIVAL, status=ProgramStatus.CANCELLED, actor="t",
    )  # fmt: skip
    return World(bandung, braunschweig, haifa, japan_pref, p, israel_p, signed, closed, program,
                 cancelled)  # fmt: skip


def future() -> str:
    return (clock.today() + timedelta(days=30)).isoformat()


async def at_negotiation(**papers: Any) -> Partnership:
    """A partnership in negotiation (a new pair) with only the papers asked for."""
    n = await factories.at_stage(
        Stage.NEGOTIATION, indonesian="Medan", foreign="Gwangju", country="KR"
    )
    if papers.get("work_plan"):
        await factories.document(n, DocumentType.WORK_PLAN)
    for kind, decision in papers.get("approvals", {}).items():
        await records.record_approval(partnership_id=n.id, type=kind, decision=decision, actor="t")
    if "agreement" in papers:
        await factories.document(n, DocumentType.SIGNED_AGREEMENT, **papers["agreement"])
    return n


Prepare = Callable[[World], Awaitable[dict[str, Any]]]


def given(make: Callable[[World], dict[str, Any]]) -> Prepare:
    async def prepare(w: World) -> dict[str, Any]:
        return make(w)

    return prepare


def pid(w: World, which: str = "p") -> str:
    return gid("Partnership", getattr(w, which).id)


def close(which: str, **extra: Any) -> Prepare:
    return given(
        lambda w: {"id": pid(w, which), "expectedVersion": getattr(w, which).version,
                   "reason": "stop"} | extra
    )  # fmt: skip


def advance(to: str, which: str = "p", **extra: Any) -> Prepare:
    return given(
        lambda w: (
            {"id": pid(w, which), "to": to, "expectedVersion": getattr(w, which).version} | extra
        )
    )


def advance_negotiation(**papers: Any) -> Prepare:
    async def prepare(w: World) -> dict[str, Any]:
        n = await at_negotiation(**papers)
        return {"id": gid("Partnership", n.id), "to": "IMPLEMENTATION",
                "expectedVersion": n.version}  # fmt: skip

    return prepare


async def evaluation_without_report(w: World) -> dict[str, Any]:
    e = await factories.advance(w.signed, Stage.EVALUATION)
    return {"id": gid("Partnership", e.id), "to": "IMPLEMENTATION", "expectedVersion": e.version}


ALL_APPROVED = {kind: Decision.APPROVED for kind in factories.SIGNING_APPROVALS}
AGREEMENT = {"issued_on": date(2025, 1, 10), "valid_from": date(2025, 1, 10)}
NEW_CITY = {"name": "Kyoto", "level": "CITY", "countryCode": "JP"}
NEW_PROGRAM = {"title": "Trade fair", "area": "ECONOMY", "type": "TRADE_MISSION"}
ACTIVITY = {"occurredOn": "2025-03-01", "direction": "INBOUND", "participants": 12}

# (mutation, prepare(world) -> input, the errors expected as (field, code), in order)
REFUSALS: dict[str, tuple[str, Prepare, list[tuple[str | None, str]]]] = {
    # createCity
    "city blank name": ("createCity", given(lambda w: NEW_CITY | {"name": "  "}),
                        [("name", "REQUIRED")]),
    "city long name": ("createCity", given(lambda w: NEW_CITY | {"name": "x" * 201}),
                       [("name", "INVALID")]),
    "city unknown country": ("createCity", given(lambda w: NEW_CITY | {"countryCode": "ZZ"}),
                             [("countryCode", "NOT_FOUND")]),
    "city 3-letter country": ("createCity", given(lambda w: NEW_CITY | {"countryCode": "JPN"}),
                              [("countryCode", "NOT_FOUND")]),
    "city unknown parent": ("createCity",
                            given(lambda w: NEW_CITY | {"parentId": gid("City", 9999)}),
                            [("parentId", "NOT_FOUND")]),
    "city parent of wrong type": ("createCity",
                                  given(lambda w: NEW_CITY | {"parentId": pid(w)}),
                                  [("parentId", "INVALID")]),
    "city parent abroad": ("createCity",
                           given(lambda w: NEW_CITY | {"parentId": gid("City", w.bandung.id)}),
                           [("parentId", "INVALID")]),
    "city latitude": ("createCity", given(lambda w: NEW_CITY | {"latitude": 91.0, "longitude": 0}),
                      [("latitude", "INVALID")]),
    "city half coordinates": ("createCity", given(lambda w: NEW_CITY | {"latitude": 35.0}),
                              [("longitude", "INVALID")]),
    "city negative population": ("createCity", given(lambda w: NEW_CITY | {"population": -1}),
                                 [("population", "INVALID")]),
    "city long timezone": ("createCity", given(lambda w: NEW_CITY | {"timezone": "x" * 65}),
                           [("timezone", "INVALID")]),
    "city duplicate geonames": ("createCity", given(lambda w: NEW_CITY | {"geonamesId": 1650357}),
                                [("geonamesId", "DUPLICATE")]),
    # updateCity
    "update unknown city": ("updateCity", given(lambda w: {"id": gid("City", 9999), "name": "X"}),
                            [("id", "NOT_FOUND")]),
    "update city wrong type": ("updateCity", given(lambda w: {"id": pid(w), "name": "X"}),
                               [("id", "INVALID")]),
    "update city blank name": ("updateCity",
                               given(lambda w: {"id": gid("City", w.bandung.id), "name": " "}),
                               [("name", "REQUIRED")]),
    "update city own parent": ("updateCity",
                               given(lambda w: {"id": gid("City", w.bandung.id),
                                                "parentId": gid("City", w.bandung.id)}),
                               [("parentId", "INVALID")]),
    "update city unknown parent": ("updateCity",
                                   given(lambda w: {"id": gid("City", w.bandung.id),
                                                    "parentId": gid("City", 9999)}),
                                   [("parentId", "NOT_FOUND")]),
    "update city duplicate geonames": ("updateCity",
                                       given(lambda w: {"id": gid("City", w.haifa.id),
                                                        "geonamesId": 1650357}),
                                       [("geonamesId", "DUPLICATE")]),
    # proposePartnership
    "propose unknown regions": ("proposePartnership",
                                given(lambda w: {"indonesianRegionId": gid("City", 9998),
                                                 "foreignRegionId": gid("City", 9999),
                                                 "kind": "SISTER_CITY"}),
                                [("indonesianRegionId", "NOT_FOUND"),
                                 ("foreignRegionId", "NOT_FOUND")]),
    "propose wrong sides": ("proposePartnership",
                            given(lambda w: {"indonesianRegionId": gid("City", w.braunschweig.id),
                                             "foreignRegionId": gid("City", w.bandung.id),
                                             "kind": "SISTER_CITY"}),
                            [("indonesianRegionId", "INVALID"), ("foreignRegionId", "INVALID")]),
    "propose id of wrong type": ("proposePartnership",
                                 given(lambda w: {"indonesianRegionId": pid(w),
                                                  "foreignRegionId": gid("City", w.haifa.id),
                                                  "kind": "FRIENDSHIP"}),
                                 [("indonesianRegionId", "INVALID")]),
    "propose live duplicate": ("proposePartnership",
                               given(lambda w: {"indonesianRegionId": gid("City", w.bandung.id),
                                                "foreignRegionId": gid("City", w.braunschweig.id),
                                                "kind": "SISTER_CITY"}),
                               [("foreignRegionId", "DUPLICATE")]),
    # updatePartnership
    "update stale version": ("updatePartnership",
                             given(lambda w: {"id": pid(w), "expectedVersion": w.p.version - 1,
                                              "description": "x", "areas": ["HEALTH"]}),
                             [("expectedVersion", "CONFLICT")]),
    "update unknown partnership": ("updatePartnership",
                                   given(lambda w: {"id": gid("Partnership", 9999),
                                                    "description": "x"}),
                                   [("id", "NOT_FOUND")]),
    "update partnership wrong type": ("updatePartnership",
                                      given(lambda w: {"id": gid("City", w.bandung.id),
                                                       "description": "x"}),
                                      [("id", "INVALID")]),
    "update established in future": ("updatePartnership",
                                     given(lambda w: {"id": pid(w), "areas": ["HEALTH"],
                                                      "establishedOn": future()}),
                                     [("establishedOn", "INVALID")]),
    # addDocument
    "document wrong type id": ("addDocument",
                               given(lambda w: {"partnershipId": gid("City", w.bandung.id),
                                                "type": "OFFER_LETTER"}),
                               [("partnershipId", "INVALID")]),
    "document unknown partnership": ("addDocument",
                                     given(lambda w: {"partnershipId": gid("Partnership", 9999),
                                                      "type": "OFFER_LETTER"}),
                                     [("partnershipId", "NOT_FOUND")]),
    "document closed partnership": ("addDocument",
                                    given(lambda w: {"partnershipId": pid(w, "closed"),
                                                     "type": "OFFER_LETTER"}),
                                    [("partnershipId", "PARTNERSHIP_CLOSED")]),
    "document bad url": ("addDocument",
                         given(lambda w: {"partnershipId": pid(w), "type": "OFFER_LETTER",
                                          "url": "ftp://example.org/x"}),
                         [("url", "INVALID")]),
    "document issued in future": ("addDocument",
                                  given(lambda w: {"partnershipId": pid(w), "type": "OFFER_LETTER",
                                                   "issuedOn": future()}),
                                  [("issuedOn", "INVALID")]),
    "document term on a letter": ("addDocument",
                                  given(lambda w: {"partnershipId": pid(w), "type": "OFFER_LETTER",
                                                   "validFrom": "2025-01-01"}),
                                  [("validFrom", "INVALID")]),
    "document term backwards": ("addDocument",
                                given(lambda w: {"partnershipId": pid(w),
                                                 "type": "SIGNED_AGREEMENT",
                                                 "issuedOn": "2025-01-01",
                                                 "validFrom": "2025-01-01",
                                                 "validUntil": "2024-01-01"}),
                                [("validUntil", "INVALID")]),
    "document agreement undated": ("addDocument",
                                   given(lambda w: {"partnershipId": pid(w),
                                                    "type": "SIGNED_AGREEMENT"}),
                                   [("issuedOn", "REQUIRED")]),
    "document long number": ("addDocument",
                             given(lambda w: {"partnershipId": pid(w), "type": "WORK_PLAN",
                                              "number": "9" * 201}),
                             [("number", "INVALID")]),
    # recordApproval
    "approval wrong type id": ("recordApproval",
                               given(lambda w: {"partnershipId": gid("Program", w.program.id),
                                                "type": "DPRD", "decision": "APPROVED"}),
                               [("partnershipId", "INVALID")]),
    "approval unknown partnership": ("recordApproval",
                                     given(lambda w: {"partnershipId": gid("Partnership", 9999),
                                                      "type": "DPRD", "decision": "APPROVED"}),
                                     [("partnershipId", "NOT_FOUND")]),
    "approval closed partnership": ("recordApproval",
                                    given(lambda w: {"partnershipId": pid(w, "closed"),
                                                     "type": "DPRD", "decision": "APPROVED"}),
                                    [("partnershipId", "PARTNERSHIP_CLOSED")]),
    "approval decided in future": ("recordApproval",
                                   given(lambda w: {"partnershipId": pid(w), "type": "DPRD",
                                                    "decision": "APPROVED",
                                                    "decidedOn": future()}),
                                   [("decidedOn", "INVALID")]),
    "approval long reference": ("recordApproval",
                                given(lambda w: {"partnershipId": pid(w), "type": "DPRD",
                                                 "decision": "APPROVED", "reference": "r" * 201}),
                                [("reference", "INVALID")]),
    # advanceStage
    "advance stale version": ("advanceStage", advance("EXPLORATION", expectedVersion=0),
                              [("expectedVersion", "CONFLICT")]),
    "advance unknown": ("advanceStage",
                        given(lambda w: {"id": gid("Partnership", 9999), "to": "EXPLORATION",
                                         "expectedVersion": 1}),
                        [("id", "NOT_FOUND")]),
    "advance City id": ("advanceStage",
                        given(lambda w: {"id": gid("City", w.bandung.id), "to": "EXPLORATION",
                                         "expectedVersion": 1}),
                        [("id", "INVALID")]),
    "advance skipping stages": ("advanceStage", advance("IMPLEMENTATION"),
                                [("to", "TRANSITION_NOT_ALLOWED")]),
    "advance without feasibility study": ("advanceStage", advance("EXPLORATION"),
                                          [("documents.feasibility_study", "DOCUMENT_MISSING")]),
    "advance without relations": ("advanceStage", advance("EXPLORATION", "israel_p"),
                                  [("foreignRegion", "NO_DIPLOMATIC_RELATIONS"),
                                   ("documents.feasibility_study", "DOCUMENT_MISSING")]),
    "advance closed": ("advanceStage", advance("EXPLORATION", "closed"),
                       [("status", "PARTNERSHIP_CLOSED")]),
    "advance without letter of intent": (
        "advanceStage",
        lambda w: _exploration(w),
        [("documents.letter_of_intent", "DOCUMENT_MISSING")],
    ),
    "sign with nothing": ("advanceStage", advance_negotiation(),
                          [("documents.work_plan", "DOCUMENT_MISSING"),
                           ("approvals.dprd", "APPROVAL_MISSING"),
                           ("approvals.kemendagri_verification", "APPROVAL_MISSING"),
                           ("approvals.government_approval", "APPROVAL_MISSING"),
                           ("approvals.full_powers", "APPROVAL_MISSING"),
                           ("documents.signed_agreement", "DOCUMENT_MISSING")]),
    "sign with one approval missing": (
        "advanceStage",
        advance_negotiation(
            work_plan=True,
            approvals={k: v for k, v in ALL_APPROVED.items() if k is not ApprovalType.FULL_POWERS},
            agreement=AGREEMENT | {"valid_until": date(2030, 1, 1)},
        ),
        [("approvals.full_powers", "APPROVAL_MISSING")],
    ),
    "sign with a rejection": (
        "advanceStage",
        advance_negotiation(
            work_plan=True, approvals=ALL_APPROVED | {ApprovalType.DPRD: Decision.REJECTED},
            agreement=AGREEMENT | {"valid_until": date(2030, 1, 1)},
        ),
        [("approvals.dprd", "APPROVAL_REJECTED")],
    ),
    "sign without a term": (
        "advanceStage",
        advance_negotiation(work_plan=True, approvals=ALL_APPROVED, agreement=AGREEMENT),
        [("agreement.term", "TERM_MISSING")],
    ),
    "sign with an empty term": (
        "advanceStage",
        advance_negotiation(work_plan=True, approvals=ALL_APPROVED,
                            agreement=AGREEMENT | {"valid_until": date(2025, 1, 10)}),
        [("agreement.term", "TERM_INVALID")],
    ),
    "sign with an ended term": (
        "advanceStage",
        advance_negotiation(work_plan=True, approvals=ALL_APPROVED,
                            agreement=AGREEMENT | {"valid_until": date(2025, 1, 11)}),
        [("agreement.term", "TERM_INVALID")],
    ),
    "leave evaluation without report": ("advanceStage", evaluation_without_report,
                                        [("documents.evaluation_report", "DOCUMENT_MISSING")]),
    # abandonPartnership
    "abandon without reason": ("abandonPartnership", close("p", reason="  "),
                               [("reason", "REQUIRED")]),
    "abandon signed": ("abandonPartnership", close("signed"), [("status", "ALREADY_SIGNED")]),
    "abandon closed": ("abandonPartnership", close("closed"),
                       [("status", "PARTNERSHIP_CLOSED")]),
    "abandon stale": ("abandonPartnership", close("p", expectedVersion=99),
                      [("expectedVersion", "CONFLICT")]),
    "abandon unknown": ("abandonPartnership",
                        given(lambda w: {"id": gid("Partnership", 9999), "expectedVersion": 1,
                                         "reason": "x"}),
                        [("id", "NOT_FOUND")]),
    "abandon Program id": ("abandonPartnership",
                           given(lambda w: {"id": gid("Program", w.program.id),
                                            "expectedVersion": 1, "reason": "x"}),
                           [("id", "INVALID")]),
    # terminatePartnership
    "terminate unsigned": ("terminatePartnership", close("p"),
                           [("status", "NOT_SIGNED"),
                            ("documents.termination_notice", "DOCUMENT_MISSING")]),
    "terminate without notice": ("terminatePartnership", close("signed"),
                                 [("documents.termination_notice", "DOCUMENT_MISSING")]),
    "terminate without reason": ("terminatePartnership", close("signed", reason=""),
                                 [("reason", "REQUIRED")]),
    "terminate closed": ("terminatePartnership", close("closed"),
                         [("status", "PARTNERSHIP_CLOSED")]),
    "terminate stale": ("terminatePartnership", close("signed", expectedVersion=1),
                        [("expectedVersion", "CONFLICT")]),
    "terminate unknown": ("terminatePartnership",
                          given(lambda w: {"id": gid("Partnership", 9999), "expectedVersion": 1,
                                           "reason": "x"}),
                          [("id", "NOT_FOUND")]),
    "terminate City id": ("terminatePartnership",
                          given(lambda w: {"id": gid("City", w.bandung.id),
                                           "expectedVersion": 1, "reason": "x"}),
                          [("id", "INVALID")]),
    # createProgram
    "program blank title": ("createProgram",
                            given(lambda w: NEW_PROGRAM | {"partnershipId": pid(w), "title": ""}),
                            [("title", "REQUIRED")]),
    "program ends before start": ("createProgram",
                                  given(lambda w: NEW_PROGRAM | {"partnershipId": pid(w),
                                                                 "startsOn": "2025-05-01",
                                                                 "endsOn": "2025-04-01"}),
                                  [("endsOn", "INVALID")]),
    "program negative budget": ("createProgram",
                                given(lambda w: NEW_PROGRAM | {"partnershipId": pid(w),
                                                               "budget": "-0.01"}),
                                [("budget", "INVALID")]),
    "program huge budget": ("createProgram",
                            given(lambda w: NEW_PROGRAM | {"partnershipId": pid(w),
                                                           "budget": "1e30"}),
                            [("budget", "INVALID")]),
    "program NaN budget": ("createProgram",
                           given(lambda w: NEW_PROGRAM | {"partnershipId": pid(w),
                                                          "budget": "NaN"}),
                           [("budget", "INVALID")]),
    "program bad currency": ("createProgram",
                             given(lambda w: NEW_PROGRAM | {"partnershipId": pid(w),
                                                            "currency": "rupiah"}),
                             [("currency", "INVALID")]),
    "program long lead agency": ("createProgram",
                                 given(lambda w: NEW_PROGRAM | {"partnershipId": pid(w),
                                                                "leadAgency": "a" * 201}),
                                 [("leadAgency", "INVALID")]),
    "program unknown partnership": ("createProgram",
                                    given(lambda w: NEW_PROGRAM | {
                                        "partnershipId": gid("Partnership", 9999)}),
                                    [("partnershipId", "NOT_FOUND")]),
    "program City id": ("createProgram",
                        given(lambda w: NEW_PROGRAM | {"partnershipId": gid("City", w.bandung.id)}),
                        [("partnershipId", "INVALID")]),
    "program closed partnership": ("createProgram",
                                   given(lambda w: NEW_PROGRAM | {
                                       "partnershipId": pid(w, "closed")}),
                                   [("partnershipId", "PARTNERSHIP_CLOSED")]),
    # updateProgram
    "update program stale": ("updateProgram",
                             given(lambda w: {"id": gid("Program", w.program.id),
                                              "expectedVersion": w.program.version + 1,
                                              "title": "New"}),
                             [("expectedVersion", "CONFLICT")]),
    "update program unknown": ("updateProgram",
                               given(lambda w: {"id": gid("Program", 9999), "title": "New"}),
                               [("id", "NOT_FOUND")]),
    "update program wrong type": ("updateProgram", given(lambda w: {"id": pid(w), "title": "N"}),
                                  [("id", "INVALID")]),
    "update program blank title": ("updateProgram",
                                   given(lambda w: {"id": gid("Program", w.program.id),
                                                    "title": " "}),
                                   [("title", "REQUIRED")]),
    "update program range": ("updateProgram",
                             given(lambda w: {"id": gid("Program", w.program.id),
                                              "startsOn": "2026-01-01", "endsOn": "2025-01-01"}),
                             [("endsOn", "INVALID")]),
    "update program budget": ("updateProgram",
                              given(lambda w: {"id": gid("Program", w.program.id),
                                               "budget": "-5"}),
                              [("budget", "INVALID")]),
    "update program currency": ("updateProgram",
                                given(lambda w: {"id": gid("Program", w.program.id),
                                                 "currency": "€"}),
                                [("currency", "INVALID")]),
    # recordActivity
    "activity negative participants": ("recordActivity",
                                       given(lambda w: ACTIVITY | {
                                           "programId": gid("Program", w.program.id),
                                           "participants": -1}),
                                       [("participants", "INVALID")]),
    "activity implausible participants": ("recordActivity",
                                          given(lambda w: ACTIVITY | {
                                              "programId": gid("Program", w.program.id),
                                              "participants": 1_000_001}),
                                          [("participants", "INVALID")]),
    "activity in future": ("recordActivity",
                           given(lambda w: ACTIVITY | {"programId": gid("Program", w.program.id),
                                                       "occurredOn": future()}),
                           [("occurredOn", "INVALID")]),
    "activity cancelled program": ("recordActivity",
                                   given(lambda w: ACTIVITY | {
                                       "programId": gid("Program", w.cancelled.id)}),
                                   [("programId", "INVALID")]),
    "activity unknown program": ("recordActivity",
                                 given(lambda w: ACTIVITY | {"programId": gid("Program", 9999)}),
                                 [("programId", "NOT_FOUND")]),
    "activity Partnership id": ("recordActivity",
                                given(lambda w: ACTIVITY | {"programId": pid(w)}),
                                [("programId", "INVALID")]),
}  # fmt: skip


async def _exploration(w: World) -> dict[str, Any]:
    await factories.document(w.p, DocumentType.FEASIBILITY_STUDY)
    e = await factories.advance(w.p, Stage.EXPLORATION)
    return {"id": pid(w), "to": "NEGOTIATION", "expectedVersion": e.version}


def test_every_mutation_has_refusals() -> None:
    assert {name for name, _, _ in REFUSALS.values()} == set(INPUT_TYPES)


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_refusal_names_field_and_code_and_writes_nothing(gql, world, case) -> None:
    name, prepare, expected = REFUSALS[case]
    variables = await prepare(world)
    before = await written()
    data = await gql.ok(mutation(name, PAYLOAD_FIELD[name]), input=variables)
    payload = data[name]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == expected
    assert all(e["message"].strip() for e in payload["errors"])
    assert payload[PAYLOAD_FIELD[name].split()[0]] is None
    assert await written() == before


async def test_set_diplomatic_relations(gql, world) -> None:
    q = """mutation($code: String!, $has: Boolean!) {
           setDiplomaticRelations(countryCode: $code, hasRelations: $has) {
             country { code name diplomaticRelations } errors { field code } } }"""
    data = await gql.ok(q, code="il", has=True)
    assert data["setDiplomaticRelations"] == {
        "country": {"code": "IL", "name": "Israel", "diplomaticRelations": True},
        "errors": [],
    }
    assert (await Country.get(code="IL")).diplomatic_relations is True
    for code in ("ZZ", "ISR", ""):
        before = await written()
        data = await gql.ok(q, code=code, has=False)
        assert data["setDiplomaticRelations"] == {
            "country": None,
            "errors": [{"field": "countryCode", "code": "NOT_FOUND"}],
        }
        assert await written() == before


async def test_create_and_update_city(gql, world) -> None:
    data = await gql.ok(
        mutation("createCity", "city { id name level countryCode alternateNames population "
                 "latitude longitude parent { name } country { name } }"),
        input=NEW_CITY | {"alternateNames": ["京都市", " Kioto ", "京都市"], "population": 1460000,
                          "latitude": 35.01, "longitude": 135.77,
                          "parentId": gid("City", world.japan_pref.id), "countryCode": "jp"},
    )  # fmt: skip
    city = data["createCity"]["city"]
    assert data["createCity"]["errors"] == []
    assert city["name"] == "Kyoto" and city["level"] == "CITY" and city["countryCode"] == "JP"
    assert city["alternateNames"] == ["京都市", "Kioto"]
    assert city["parent"] == {"name": "Kyoto Prefecture"}
    assert city["country"] == {"name": "Japan"}
    assert (city["population"], city["latitude"], city["longitude"]) == (1460000, 35.01, 135.77)
    assert await City.filter(name="Kyoto").count() == 1

    data = await gql.ok(
        mutation("updateCity", "city { id name level population alternateNames }"),
        input={"id": city["id"], "name": "Kyōto", "level": "PROVINCE"},
    )
    assert data["updateCity"] == {
        "city": {"id": city["id"], "name": "Kyōto", "level": "PROVINCE", "population": 1460000,
                 "alternateNames": ["京都市", "Kioto"]},
        "errors": [],
    }  # fmt: skip
    assert (await City.get(name="Kyōto")).level is RegionLevel.PROVINCE


async def test_propose_and_update_partnership(gql, world) -> None:
    home = await factories.region("Yogyakarta", level=RegionLevel.PROVINCE)
    data = await gql.ok(
        mutation("proposePartnership", "partnership { id kind stage status version areas "
                 "description establishedOn indonesianRegion { name } foreignRegion { name } "
                 "history { action toStage toStatus } }"),
        input={"indonesianRegionId": gid("City", home.id),
               "foreignRegionId": gid("City", world.japan_pref.id), "kind": "SISTER_PROVINCE",
               "areas": ["CULTURE", "TOURISM", "CULTURE"], "description": "Kyoto-Yogya",
               "establishedOn": "1985-07-16"},
    )  # fmt: skip
    p = data["proposePartnership"]["partnership"]
    assert data["proposePartnership"]["errors"] == []
    assert p["kind"] == "SISTER_PROVINCE"
    assert (p["stage"], p["status"], p["version"]) == ("IDENTIFICATION", "IN_PREPARATION", 1)
    assert p["areas"] == ["CULTURE", "TOURISM"]
    assert p["establishedOn"] == "1985-07-16"
    assert p["indonesianRegion"] == {"name": "Yogyakarta"}
    assert p["foreignRegion"] == {"name": "Kyoto Prefecture"}
    assert p["history"] == [
        {"action": "PROPOSE", "toStage": "IDENTIFICATION", "toStatus": "IN_PREPARATION"}
    ]

    data = await gql.ok(
        mutation("updatePartnership", "partnership { id kind version areas description }"),
        input={"id": p["id"], "expectedVersion": 1, "kind": "FRIENDSHIP", "areas": ["HEALTH"],
               "description": "renamed"},
    )  # fmt: skip
    assert data["updatePartnership"] == {
        "partnership": {"id": p["id"], "kind": "FRIENDSHIP", "version": 2, "areas": ["HEALTH"],
                        "description": "renamed"},
        "errors": [],
    }  # fmt: skip
    again = await gql.ok(
        mutation("updatePartnership", "partnership { version }"),
        input={"id": p["id"], "expectedVersion": 1, "description": "late"},
    )
    assert again["updatePartnership"]["errors"][0]["code"] == "CONFLICT"
    assert (await Partnership.get(description="renamed")).version == 2


async def test_documents_and_approvals(gql, world) -> None:
    data = await gql.ok(
        mutation("addDocument", "document { type number issuedOn issuer url validFrom validUntil "
                 "round }"),
        input={"partnershipId": pid(world), "type": "SIGNED_AGREEMENT", "number": "12/2025",
               "issuedOn": "2025-01-10", "issuer": "Pemkot Bandung",
               "url": "https://example.org/mou.pdf", "validFrom": "2025-01-10",
               "validUntil": "2030-01-09"},
    )  # fmt: skip
    assert data["addDocument"] == {
        "document": {"type": "SIGNED_AGREEMENT", "number": "12/2025", "issuedOn": "2025-01-10",
                     "issuer": "Pemkot Bandung", "url": "https://example.org/mou.pdf",
                     "validFrom": "2025-01-10", "validUntil": "2030-01-09", "round": 1},
        "errors": [],
    }  # fmt: skip
    data = await gql.ok(
        mutation("recordApproval", "approval { type decision reference decidedOn note round }"),
        input={"partnershipId": pid(world), "type": "DPRD", "decision": "REJECTED",
               "reference": "DPRD 7/2025", "decidedOn": "2025-02-01", "note": "budget"},
    )  # fmt: skip
    assert data["recordApproval"] == {
        "approval": {"type": "DPRD", "decision": "REJECTED", "reference": "DPRD 7/2025",
                     "decidedOn": "2025-02-01", "note": "budget", "round": 1},
        "errors": [],
    }  # fmt: skip
    assert await Document.filter(partnership_id=world.p.id).count() == 1
    assert await Approval.filter(partnership_id=world.p.id).count() == 1


async def test_advance_abandon_terminate(gql, world) -> None:
    await factories.document(world.p, DocumentType.OFFER_LETTER)
    data = await gql.ok(
        mutation("advanceStage", "partnership { id stage status version history { fromStage "
                 "toStage reason } }"),
        input={"id": pid(world), "to": "EXPLORATION", "expectedVersion": world.p.version,
               "reason": "kajian done"},
    )  # fmt: skip
    moved = data["advanceStage"]["partnership"]
    assert data["advanceStage"]["errors"] == []
    assert (moved["stage"], moved["status"], moved["version"]) == (
        "EXPLORATION", "IN_PREPARATION", world.p.version + 1,
    )  # fmt: skip
    assert moved["history"][-1] == {
        "fromStage": "IDENTIFICATION", "toStage": "EXPLORATION", "reason": "kajian done"
    }  # fmt: skip
    # The loser of a race (same expectedVersion) gets CONFLICT and changes nothing.
    before = await written()
    late = await gql.ok(
        mutation("advanceStage", "partnership { id }"),
        input={"id": pid(world), "to": "EXPLORATION", "expectedVersion": world.p.version},
    )
    assert late["advanceStage"]["errors"][0]["code"] == "CONFLICT"
    assert await written() == before

    data = await gql.ok(
        mutation("abandonPartnership", "partnership { stage status version }"),
        input={"id": pid(world), "expectedVersion": moved["version"], "reason": "no budget"},
    )
    assert data["abandonPartnership"] == {
        "partnership": {"stage": "EXPLORATION", "status": "ABANDONED",
                        "version": moved["version"] + 1},
        "errors": [],
    }  # fmt: skip

    await factories.document(world.signed, DocumentType.TERMINATION_NOTICE)
    data = await gql.ok(
        mutation("terminatePartnership", "partnership { stage status history { action } }"),
        input={"id": pid(world, "signed"), "expectedVersion": world.signed.version,
               "reason": "ended by both"},
    )  # fmt: skip
    ended = data["terminatePartnership"]["partnership"]
    assert (ended["stage"], ended["status"]) == ("IMPLEMENTATION", "TERMINATED")
    assert ended["history"][-1] == {"action": "TERMINATE"}


async def test_sign_then_evaluate_through_graphql(gql, world) -> None:
    n = await at_negotiation(
        work_plan=True,
        approvals=ALL_APPROVED,
        agreement=AGREEMENT | {"valid_until": date(2030, 1, 9)},
    )
    data = await gql.ok(
        mutation("advanceStage", "partnership { stage status signedOn validFrom validUntil }"),
        input={
            "id": gid("Partnership", n.id),
            "to": "IMPLEMENTATION",
            "expectedVersion": n.version,
        },
    )
    assert data["advanceStage"] == {
        "partnership": {"stage": "IMPLEMENTATION", "status": "ACTIVE", "signedOn": "2025-01-10",
                        "validFrom": "2025-01-10", "validUntil": "2030-01-09"},
        "errors": [],
    }  # fmt: skip


async def test_programs_and_activities(gql, world) -> None:
    data = await gql.ok(
        mutation("createProgram", "program { id title area type status startsOn endsOn budget "
                 "currency fundingSource leadAgency version partnership { id } }"),
        input=NEW_PROGRAM | {"partnershipId": pid(world), "startsOn": "2025-01-01",
                             "endsOn": "2025-12-31", "budget": "150000000.50", "currency": "idr",
                             "fundingSource": "APBD", "leadAgency": "Disdik"},
    )  # fmt: skip
    program = data["createProgram"]["program"]
    assert data["createProgram"]["errors"] == []
    assert program | {"id": None} == {
        "id": None, "title": "Trade fair", "area": "ECONOMY", "type": "TRADE_MISSION",
        "status": "PLANNED", "startsOn": "2025-01-01", "endsOn": "2025-12-31",
        "budget": "150000000.50", "currency": "IDR", "fundingSource": "APBD",
        "leadAgency": "Disdik", "version": 1, "partnership": {"id": pid(world)},
    }  # fmt: skip

    data = await gql.ok(
        mutation("updateProgram", "program { title status budget version }"),
        input={"id": program["id"], "expectedVersion": 1, "status": "ONGOING", "budget": "-0"},
    )
    assert data["updateProgram"] == {
        "program": {"title": "Trade fair", "status": "ONGOING", "budget": "0.00", "version": 2},
        "errors": [],
    }

    data = await gql.ok(
        mutation("recordActivity", "activity { occurredOn direction participants description }"),
        input=ACTIVITY | {"programId": program["id"], "description": "visit"},
    )
    assert data["recordActivity"] == {
        "activity": {"occurredOn": "2025-03-01", "direction": "INBOUND", "participants": 12,
                     "description": "visit"},
        "errors": [],
    }  # fmt: skip
    read = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on Program { activities { participants } } } }",
        id=program["id"],
    )
    assert read["node"]["activities"] == [{"participants": 12}]
    assert await Activity.all().count() == 1
