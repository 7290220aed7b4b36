"""Every mutation and every protected field against every role (table-driven).

The world: Kota Bandung inside the province of Jawa Barat, with a partnership still in
preparation; Kota Surabaya inside Jawa Timur, with a signed (active) one. Roles: an admin, an
officer of Bandung, an officer of Jawa Barat (who manages Bandung through the parent chain), a
viewer, and an anonymous caller.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.enums import Area, Direction, DocumentType, ProgramType, RegionLevel
from core.envelope import Envelope
from core.models import (
    Account,
    Activity,
    ApiToken,
    Approval,
    AuditEntry,
    City,
    Document,
    Evaluation,
    OutboxEvent,
    Partnership,
    Program,
    StageChange,
    Subscriber,
)
from core.models.subscriber import TopicKind
from core.policy import Role
from core.services import accounts, deliveries, partnerships, programs, subscribers
from core.services.subscribers import TopicInput
from core.stages import Stage
from schema import schema
from tests import factories
from tests.api.conftest import ClientFactory, api_settings, open_client

ROLES = ["admin", "officer_bandung", "officer_jabar", "viewer", "anonymous"]


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


@dataclass
class World:
    jabar: City
    bandung: City
    jatim: City
    surabaya: City
    hamamatsu: City
    bandung_p: Partnership
    surabaya_p: Partnership
    bandung_program: Program
    surabaya_program: Program
    account: Account
    token: ApiToken
    bandung_evaluation: Evaluation
    surabaya_evaluation: Evaluation
    subscriber_id: int = 0  # owned by `account`: only an admin manages it here
    delivery_id: int = 0

    def partnership(self, target: str) -> Partnership:
        return self.bandung_p if target == "bandung" else self.surabaya_p

    def program(self, target: str) -> Program:
        return self.bandung_program if target == "bandung" else self.surabaya_program

    def region(self, target: str) -> City:
        return self.bandung if target == "bandung" else self.surabaya

    def evaluation(self, target: str) -> Evaluation:
        return self.bandung_evaluation if target == "bandung" else self.surabaya_evaluation


async def build_world() -> World:
    jabar = await factories.region("Jawa Barat", level=RegionLevel.PROVINCE)
    bandung = await factories.region("Bandung", parent_id=jabar.id)
    jatim = await factories.region("Jawa Timur", level=RegionLevel.PROVINCE)
    surabaya = await factories.region("Surabaya", parent_id=jatim.id)
    braunschweig = await factories.region("Braunschweig", "DE")
    seattle = await factories.region("Seattle", "US")
    hamamatsu = await factories.region("Hamamatsu", "JP")
    bandung_p = await factories.propose(bandung, braunschweig)
    await factories.document(bandung_p, DocumentType.FEASIBILITY_STUDY)
    await factories.approve_all(bandung_p)
    surabaya_p = await factories.walk(
        await factories.propose(surabaya, seattle), Stage.IMPLEMENTATION
    )
    made = []
    for p in (bandung_p, surabaya_p):
        program = await programs.create_program(
            partnership_id=p.id,
            title="Exchange",
            area=Area.EDUCATION,
            type=ProgramType.STUDENT_EXCHANGE,
            actor="seed",
        )
        await programs.record_activity(
            program_id=program.id,
            occurred_on=date(2025, 3, 1),
            direction=Direction.INBOUND,
            participants=3,
            actor="seed@kembar.test",
        )
        made.append(program)
    account = await accounts.create_account(
        email="target@kembar.test", role=Role.VIEWER, actor="seed"
    )
    issued = await accounts.create_token(account_id=account.id, actor="seed")
    evaluations = [  # as the evaluations worker would open them (any partnership will do here)
        await Evaluation.create(
            partnership_id=p.id,
            round=1,
            opened_change_id=(await StageChange.filter(partnership_id=p.id).first()).id,
            opened_at=datetime(2025, 6, 1, tzinfo=UTC),
            period_start=date(2025, 1, 1),
            period_end=date(2025, 6, 1),
            kpi={},
        )
        for p in (bandung_p, surabaya_p)
    ]
    subscriber = await subscribers.create(
        owner_id=account.id, name="Dinas", webhook_url="https://hooks.example.org/kembar",
        webhook_enabled=True, topic=TopicInput(kind=TopicKind.ALL), actor="seed",
    )  # fmt: skip
    proposed = await OutboxEvent.get(type="partnership.proposed", aggregate_id=str(bandung_p.id))
    [delivery_id] = await deliveries.plan(envelope=Envelope.from_row(proposed))
    return World(
        subscriber_id=subscriber.subscriber.id,
        delivery_id=delivery_id,
        jabar=jabar,
        bandung=bandung,
        jatim=jatim,
        surabaya=surabaya,
        hamamatsu=hamamatsu,
        bandung_p=await partnerships.get(bandung_p.id),
        surabaya_p=await partnerships.get(surabaya_p.id),
        bandung_program=made[0],
        surabaya_program=made[1],
        account=account,
        token=issued.token,
        bandung_evaluation=evaluations[0],
        surabaya_evaluation=evaluations[1],
    )


async def client_for(role: str, world: World, client_as: ClientFactory) -> Any:
    return await {
        "admin": lambda: client_as(Role.ADMIN),
        "officer_bandung": lambda: client_as(Role.OFFICER, regions=(world.bandung.id,)),
        "officer_jabar": lambda: client_as(Role.OFFICER, regions=(world.jabar.id,)),
        "viewer": lambda: client_as(Role.VIEWER),
        "anonymous": lambda: client_as(None),
    }[role]()


TABLES = (
    Partnership, StageChange, Document, Approval, Program, Activity, City, Account, ApiToken,
    OutboxEvent, Subscriber,
)  # fmt: skip


async def state() -> dict[str, Any]:
    """Everything a write could change (rows and versions), to compare before and after."""
    found: dict[str, Any] = {}
    for model in TABLES:
        found[model.__name__] = await model.all().count()
    found["versions"] = sorted(await Partnership.all().values_list("id", "version", "stage"))
    found["programs"] = sorted(await Program.all().values_list("id", "version"))
    found["cities"] = sorted(await City.all().values_list("id", "name", "population"))
    found["tokens"] = sorted(await ApiToken.all().values_list("id", "revoked_at"))
    found["accounts"] = sorted(await Account.all().values_list("id", "name", "role", "active"))
    found["evaluations"] = sorted(await Evaluation.all().values_list("id", "version", "score"))
    return found


# --- mutations -----------------------------------------------------------------------------------

Build = Callable[[World, str], tuple[str, dict[str, Any]]]


def _m(name: str, payload: str, input_type: str | None = "input") -> str:
    args = "(input: $input)" if input_type else ""
    return (
        f"mutation($input: {input_type}) {{ {name}{args} {{ {payload} errors {{ code field }} }} }}"
    )


MUTATIONS: dict[str, tuple[str | None, Build]] = {
    # name: (scope: "region"/"partnership"/"program" for officer-scoped, None for admin-only)
    "createCity": (None, lambda w, t: (
        _m("createCity", "city { id }", "CreateCityInput!"),
        {"input": {"name": "Cimahi", "level": "CITY", "countryCode": "ID"}},
    )),
    "updateCity": (None, lambda w, t: (
        _m("updateCity", "city { id }", "UpdateCityInput!"),
        {"input": {"id": gid("City", w.bandung.id), "population": 2_500_000}},
    )),
    "setDiplomaticRelations": (None, lambda w, t: (
        "mutation { setDiplomaticRelations(countryCode: \"DE\", hasRelations: false) "
        "{ country { code } errors { code field } } }",
        {},
    )),
    "proposePartnership": ("region", lambda w, t: (
        _m("proposePartnership", "partnership { id }", "ProposePartnershipInput!"),
        {"input": {"indonesianRegionId": gid("City", w.region(t).id),
                   "foreignRegionId": gid("City", w.hamamatsu.id), "kind": "SISTER_CITY"}},
    )),
    "updatePartnership": ("partnership", lambda w, t: (
        _m("updatePartnership", "partnership { id }", "UpdatePartnershipInput!"),
        {"input": {"id": gid("Partnership", w.partnership(t).id), "description": "changed"}},
    )),
    "advanceStage": ("partnership", lambda w, t: (
        _m("advanceStage", "partnership { id stage }", "AdvanceStageInput!"),
        {"input": {"id": gid("Partnership", w.partnership(t).id),
                   "to": "EXPLORATION" if t == "bandung" else "EVALUATION",
                   "expectedVersion": w.partnership(t).version}},
    )),
    "abandonPartnership": ("partnership", lambda w, t: (
        _m("abandonPartnership", "partnership { id }", "CloseInput!"),
        {"input": {"id": gid("Partnership", w.partnership(t).id),
                   "expectedVersion": w.partnership(t).version, "reason": "no budget"}},
    )),
    "terminatePartnership": ("partnership", lambda w, t: (
        _m("terminatePartnership", "partnership { id }", "CloseInput!"),
        {"input": {"id": gid("Partnership", w.partnership(t).id),
                   "expectedVersion": w.partnership(t).version, "reason": "ended"}},
    )),
    "addDocument": ("partnership", lambda w, t: (
        _m("addDocument", "document { id }", "AddDocumentInput!"),
        {"input": {"partnershipId": gid("Partnership", w.partnership(t).id),
                   "type": "OFFER_LETTER"}},
    )),
    "recordApproval": ("partnership", lambda w, t: (
        _m("recordApproval", "approval { id }", "RecordApprovalInput!"),
        {"input": {"partnershipId": gid("Partnership", w.partnership(t).id), "type": "DPRD",
                   "decision": "APPROVED"}},
    )),
    "createProgram": ("partnership", lambda w, t: (
        _m("createProgram", "program { id }", "CreateProgramInput!"),
        {"input": {"partnershipId": gid("Partnership", w.partnership(t).id), "title": "Batik",
                   "area": "CULTURE", "type": "TRAINING"}},
    )),
    "updateProgram": ("program", lambda w, t: (
        _m("updateProgram", "program { id }", "UpdateProgramInput!"),
        {"input": {"id": gid("Program", w.program(t).id), "title": "Renamed"}},
    )),
    "recordActivity": ("program", lambda w, t: (
        _m("recordActivity", "activity { id }", "RecordActivityInput!"),
        {"input": {"programId": gid("Program", w.program(t).id), "occurredOn": "2025-04-01",
                   "direction": "OUTBOUND", "participants": 4}},
    )),
    "fillEvaluation": ("evaluation", lambda w, t: (
        _m("fillEvaluation", "evaluation { id }", "FillEvaluationInput!"),
        {"input": {"id": gid("Evaluation", w.evaluation(t).id), "score": 70}},
    )),
    "replayDeadLetters": (None, lambda w, t: (
        "mutation { replayDeadLetters { replayed errors { code field } } }",
        {},
    )),
    "createAccount": (None, lambda w, t: (
        _m("createAccount", "account { id }", "CreateAccountInput!"),
        {"input": {"email": "new@kembar.test", "role": "VIEWER"}},
    )),
    "updateAccount": (None, lambda w, t: (
        _m("updateAccount", "account { id }", "UpdateAccountInput!"),
        {"input": {"id": gid("Account", w.account.id), "name": "Renamed"}},
    )),
    "createToken": (None, lambda w, t: (
        _m("createToken", "token { id } secret", "CreateTokenInput!"),
        {"input": {"accountId": gid("Account", w.account.id)}},
    )),
    "revokeToken": (None, lambda w, t: (
        _m("revokeToken", "token { id }", "RevokeTokenInput!"),
        {"input": {"id": str(w.token.id)}},
    )),
    "createSubscriber": ("signed_in", lambda w, t: (
        _m("createSubscriber", "subscriber { id } webhookSecret", "CreateSubscriberInput!"),
        {"input": {"name": "Mine", "topic": {"kind": "ALL"}, "inAppEnabled": True}},
    )),
    "updateSubscriber": (None, lambda w, t: (
        _m("updateSubscriber", "subscriber { id }", "UpdateSubscriberInput!"),
        {"input": {"id": gid("Subscriber", w.subscriber_id), "name": "Renamed"}},
    )),
    "deleteSubscriber": (None, lambda w, t: (
        _m("deleteSubscriber", "deletedId", "SubscriberIdInput!"),
        {"input": {"id": gid("Subscriber", w.subscriber_id)}},
    )),
    "rotateWebhookSecret": (None, lambda w, t: (
        _m("rotateWebhookSecret", "webhookSecret", "SubscriberIdInput!"),
        {"input": {"id": gid("Subscriber", w.subscriber_id)}},
    )),
    "enableWebhook": (None, lambda w, t: (
        _m("enableWebhook", "subscriber { id }", "SubscriberIdInput!"),
        {"input": {"id": gid("Subscriber", w.subscriber_id)}},
    )),
    "redeliver": (None, lambda w, t: (
        _m("redeliver", "delivery { id }", "RedeliverInput!"),
        {"input": {"deliveryId": gid("Delivery", w.delivery_id)}},
    )),
    "replayEvents": (None, lambda w, t: (
        _m("replayEvents", "deliveries", "ReplayEventsInput!"),
        {"input": {"since": "2020-01-01T00:00:00Z"}},
    )),
}  # fmt: skip

# Mutations that succeed outright when allowed (the others meet a domain guard on one target).
SUCCEEDS = {
    ("abandonPartnership", "bandung"), ("terminatePartnership", "bandung"),
    ("terminatePartnership", "surabaya"), ("abandonPartnership", "surabaya"),
}  # fmt: skip


def allowed(role: str, scope: str | None, target: str | None) -> bool:
    if role == "admin":
        return True
    if scope == "signed_in":  # any account, for itself (subscribers)
        return role != "anonymous"
    if role in ("officer_bandung", "officer_jabar"):
        return scope is not None and target == "bandung"
    return False


def cases() -> list[tuple[str, str, str | None]]:
    found = []
    for name, (scope, _) in MUTATIONS.items():
        for target in ("bandung", "surabaya") if scope not in (None, "signed_in") else (None,):
            found += [(name, role, target) for role in ROLES]
    return found


def test_every_mutation_is_in_the_table_and_guarded() -> None:
    mutation = schema.get_type_by_name("Mutation")
    names = {f.graphql_name or f.python_name for f in mutation.fields}
    camel = {schema.config.name_converter.get_graphql_name(f) for f in mutation.fields}
    assert camel == set(MUTATIONS), (camel ^ set(MUTATIONS), names)
    for field in mutation.fields:
        assert field.permission_classes, f"{field.python_name} has no permission class"


@pytest.mark.parametrize(("name", "role", "target"), cases())
async def test_mutation_by_role(
    name: str, role: str, target: str | None, client_as: ClientFactory
) -> None:
    world = await build_world()
    client = await client_for(role, world, client_as)
    scope, build = MUTATIONS[name]
    query, variables = build(world, target or "")
    before = await state()
    audit_before = await AuditEntry.all().count()
    body = await client(query, **variables)
    assert "errors" not in body, body
    payload = body["data"][name]
    codes = [e["code"] for e in payload["errors"]]
    if allowed(role, scope, target):
        assert "FORBIDDEN" not in codes, payload
        if not codes:
            assert await AuditEntry.all().count() > audit_before  # the change was audited
    else:
        assert codes == ["FORBIDDEN"], payload
        assert await state() == before  # nothing changed
        assert await AuditEntry.all().count() == audit_before


async def test_bandung_officer_cannot_advance_surabaya(client_as: ClientFactory) -> None:
    world = await build_world()
    officer = await client_as(Role.OFFICER, regions=(world.bandung.id,))
    before = await factories.snapshot(world.surabaya_p)
    body = await officer.ok(
        """mutation($input: AdvanceStageInput!) { advanceStage(input: $input) {
             partnership { stage } errors { code field message } } }""",
        input={"id": gid("Partnership", world.surabaya_p.id), "to": "EVALUATION",
               "expectedVersion": world.surabaya_p.version},
    )  # fmt: skip
    assert body["advanceStage"]["partnership"] is None
    assert [e["code"] for e in body["advanceStage"]["errors"]] == ["FORBIDDEN"]
    assert await factories.snapshot(world.surabaya_p) == before
    # ... while advancing Bandung's works, and is recorded under the officer's name
    done = await officer.ok(
        """mutation($input: AdvanceStageInput!) { advanceStage(input: $input) {
             partnership { stage } errors { code } } }""",
        input={"id": gid("Partnership", world.bandung_p.id), "to": "EXPLORATION",
               "expectedVersion": world.bandung_p.version},
    )  # fmt: skip
    assert done["advanceStage"] == {"partnership": {"stage": "EXPLORATION"}, "errors": []}
    entry = await AuditEntry.filter(action="partnership.advance").order_by("-id").first()
    assert entry is not None and entry.actor.startswith("officer-")
    assert entry.before["stage"] == "identification" and entry.after["stage"] == "exploration"


async def test_officer_scope_is_checked_on_the_target_not_the_input_shape(
    client_as: ClientFactory,
) -> None:
    world = await build_world()
    officer = await client_as(Role.OFFICER, regions=(world.bandung.id,))
    # an unknown id, or one of another type, is refused (FORBIDDEN) before the service
    for bad in (gid("Partnership", 99_999), gid("Partnership", 2**40), gid("City", 1)):
        body = await officer(
            "mutation($input: AddDocumentInput!) { addDocument(input: $input) "
            "{ document { id } errors { code } } }",
            input={"partnershipId": bad, "type": "OFFER_LETTER"},
        )
        assert body["data"]["addDocument"]["errors"] == [{"code": "FORBIDDEN"}], body


# --- protected reads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    query: Callable[[World], str]
    pick: Callable[[dict[str, Any]], Any]
    visible_to: frozenset[str]
    hidden: Any  # what the others get


SIGNED_IN = frozenset({"admin", "officer_bandung", "officer_jabar", "viewer"})
ADMINS = frozenset({"admin"})
EVERYONE = frozenset(ROLES)


def _node(kind: str, attr: str, fields: str) -> Callable[[World], str]:
    return lambda w: (
        f'{{ node(id: "{gid(kind, getattr(w, attr).id)}") {{ ... on {kind} {{ {fields} }} }} }}'
    )


READS: dict[str, Read] = {
    "Partnership.documents": Read(
        _node("Partnership", "surabaya_p", "documents { id }"),
        lambda d: d["node"]["documents"], SIGNED_IN, []),
    "Partnership.approvals": Read(
        _node("Partnership", "surabaya_p", "approvals { id }"),
        lambda d: d["node"]["approvals"], SIGNED_IN, []),
    "Partnership.history": Read(
        _node("Partnership", "surabaya_p", "history { actor }"),
        lambda d: d["node"]["history"], SIGNED_IN, []),
    "Partnership.missingFor": Read(
        _node("Partnership", "surabaya_p", "missingFor(to: IDENTIFICATION) { code }"),
        lambda d: d["node"]["missingFor"], SIGNED_IN, []),
    "Partnership.evaluations": Read(
        _node("Partnership", "surabaya_p", "evaluations { id }"),
        lambda d: d["node"]["evaluations"], SIGNED_IN, []),
    "Partnership.health": Read(  # its evaluation component shows internal evaluation scores
        _node("Partnership", "surabaya_p", "health { score components { name } }"),
        lambda d: d["node"]["health"], SIGNED_IN, None),
    "Query.portfolioStatistics(in preparation)": Read(
        lambda w: "{ portfolioStatistics { byStatus { status partnerships } } }",
        lambda d: [r for r in d["portfolioStatistics"]["byStatus"]
                   if r["status"] == "IN_PREPARATION"], SIGNED_IN, []),
    "Query.outboxBacklog": Read(
        lambda w: "{ outboxBacklog { unsent } }", lambda d: d["outboxBacklog"], ADMINS, None),
    "Query.deadLetters": Read(  # an admin gets a list (empty here: no Redis), others null
        lambda w: "{ deadLetters { queue } }",
        lambda d: None if d["deadLetters"] is None else "a list", ADMINS, None),
    "Activity.recordedBy": Read(
        _node("Program", "surabaya_program", "activities { recordedBy }"),
        lambda d: d["node"]["activities"][0]["recordedBy"], SIGNED_IN, None),
    "Query.me": Read(lambda w: "{ me { email role } }", lambda d: d["me"], SIGNED_IN, None),
    "Query.subscribers": Read(  # signed in: their own (a connection); anonymous: null
        lambda w: "{ subscribers { totalCount } }", lambda d: d["subscribers"], SIGNED_IN, None),
    "Query.node(Subscriber of another account)": Read(
        lambda w: f'{{ node(id: "{gid("Subscriber", w.subscriber_id)}") {{ id }} }}',
        lambda d: d["node"], ADMINS, None),
    "Query.accounts": Read(
        lambda w: "{ accounts(first: 50) { totalCount edges { node { email } } } }",
        lambda d: d["accounts"], ADMINS, None),
    "Query.auditLog": Read(
        lambda w: "{ auditLog(first: 5) { totalCount edges { node { action before after } } } }",
        lambda d: d["auditLog"], ADMINS, None),
    # row-level: partnerships in preparation, and everything under them
    "Query.node(Partnership in preparation)": Read(
        _node("Partnership", "bandung_p", "id"), lambda d: d["node"], SIGNED_IN, None),
    "Query.node(Program of a partnership in preparation)": Read(
        _node("Program", "bandung_program", "id"), lambda d: d["node"], SIGNED_IN, None),
    "Query.node(Account)": Read(
        _node("Account", "account", "email"), lambda d: d["node"], ADMINS, None),
    "Query.partnerships(in preparation)": Read(
        lambda w: '{ partnerships(filter: {status: IN_PREPARATION}) { totalCount } }',
        lambda d: d["partnerships"]["totalCount"] or None, SIGNED_IN, None),
    "Query.programs(of partnerships in preparation)": Read(
        lambda w: f'{{ programs(filter: {{partnershipId: "{gid("Partnership", w.bandung_p.id)}"}})'
        " { totalCount } }",
        lambda d: d["programs"]["totalCount"] or None, SIGNED_IN, None),
    "City.partnerships(in preparation)": Read(
        _node("City", "bandung", "partnerships { id }"),
        lambda d: d["node"]["partnerships"], SIGNED_IN, []),
    "Query.suggestPartners(areas through a partnership in preparation)": Read(
        lambda w: f'{{ suggestPartners(regionId: "{gid("City", w.surabaya.id)}", '
        "areas: [EDUCATION]) { city { name } factors { name score } } }",
        lambda d: [s["city"]["name"] for s in d["suggestPartners"]
                   if any(f["name"] == "areas" and f["score"] > 0 for f in s["factors"])],
        SIGNED_IN, []),
    # public: signed partnerships, their programs and activities
    "Query.partnerships(active)": Read(
        lambda w: '{ partnerships(filter: {status: ACTIVE}) { totalCount } }',
        lambda d: d["partnerships"]["totalCount"] or None, EVERYONE, None),
    "Query.suggestPartners(public)": Read(
        lambda w: f'{{ suggestPartners(regionId: "{gid("City", w.surabaya.id)}") {{ score }} }}',
        lambda d: d["suggestPartners"], EVERYONE, []),
    "Program.activities(public)": Read(
        _node("Program", "surabaya_program", "activities { participants }"),
        lambda d: d["node"]["activities"], EVERYONE, []),
}  # fmt: skip


def test_every_protected_field_is_in_the_table() -> None:
    protected = set()
    for name, definition in schema.schema_converter.type_map.items():
        fields = getattr(definition.definition, "fields", None) or []
        for field in fields:
            if field.permission_classes and name != "Mutation":
                protected.add(f"{name}.{schema.config.name_converter.get_graphql_name(field)}")
    assert protected <= {key.split("(")[0] for key in READS}, protected


@pytest.mark.parametrize(("read", "role"), [(r, role) for r in READS for role in ROLES])
async def test_read_by_role(read: str, role: str, client_as: ClientFactory) -> None:
    world = await build_world()
    client = await client_for(role, world, client_as)
    spec = READS[read]
    data = await client.ok(spec.query(world))
    value = spec.pick(data)
    if role in spec.visible_to:
        assert value not in (None, []), data
    else:
        assert value == spec.hidden, data


async def test_tokens_never_show_their_secret_again(client_as: ClientFactory, db: str) -> None:
    world = await build_world()
    admin = await client_as(Role.ADMIN)
    made = await admin.ok(
        "mutation($input: CreateTokenInput!) { createToken(input: $input) "
        "{ token { id prefix } secret errors { code } } }",
        input={"accountId": gid("Account", world.account.id), "name": "ci"},
    )
    secret = made["createToken"]["secret"]
    token_id = made["createToken"]["token"]["id"]
    assert secret.startswith(made["createToken"]["token"]["prefix"])
    listed = await admin.http.post(
        "/graphql",
        json={"query": "{ accounts { edges { node { tokens { prefix name } } } } "
              "auditLog(last: 100) { edges { node { before after } } } }"},
    )  # fmt: skip
    assert secret not in listed.text and secret[12:] not in listed.text
    stored = await ApiToken.get(id=int(token_id))
    assert stored.token_hash != secret
    assert secret not in str(await AuditEntry.all().values())
    # the secret works, as the viewer it belongs to, until it is revoked
    async with open_client(api_settings(db), secret) as target:
        assert (await target.ok("{ me { email } }"))["me"]["email"] == "target@kembar.test"
        revoked = await admin.ok(
            "mutation($input: RevokeTokenInput!) { revokeToken(input: $input) "
            "{ token { revokedAt } errors { code } } }",
            input={"id": token_id},
        )
        assert revoked["revokeToken"]["token"]["revokedAt"]
        refused = await target.http.post("/graphql", json={"query": "{ me { email } }"})
        assert refused.status_code == 401
        assert secret not in refused.text


@pytest.mark.parametrize(
    "header", ["Bearer kmb_not-a-real-token-at-all-xxxxxxxx", "Bearer", "Basic abc", "Bearer x"]
)
async def test_bad_tokens_get_401(header: str, client_as: ClientFactory) -> None:
    client = await client_as(None)
    response = await client.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": header}
    )
    assert response.status_code == 401


async def test_expired_and_deactivated_tokens_stop_working(
    client_as: ClientFactory, db: str
) -> None:
    account = await accounts.create_account(email="e@kembar.test", role=Role.VIEWER, actor="t")
    issued = await accounts.create_token(account_id=account.id, actor="t")
    later = issued.token.expires_at + timedelta(seconds=1)
    assert await accounts.authenticate(issued.secret) is not None
    assert await accounts.authenticate(issued.secret, now=later) is None
    await accounts.update_account(account_id=account.id, active=False, actor="t")
    assert await accounts.authenticate(issued.secret) is None


async def test_websocket_token_in_connection_init(db: str) -> None:
    from strawberry.exceptions import ConnectionRejectionError

    from api.graphql import KembarGraphQL
    from schema.context import Context

    view = KembarGraphQL(api_settings(db))
    account = await accounts.create_account(email="ws@kembar.test", role=Role.VIEWER, actor="t")
    issued = await accounts.create_token(account_id=account.id, actor="t")
    for params in ({"Authorization": f"Bearer {issued.secret}"}, {"token": issued.secret}):
        context = Context(connection_params=params)
        await view.on_ws_connect(context)
        assert context.principal.role is Role.VIEWER and context.actor == "ws@kembar.test"
    anonymous = Context(connection_params={})
    await view.on_ws_connect(anonymous)
    assert not anonymous.principal.authenticated
    for params in ({"token": "kmb_" + "x" * 40}, {"Authorization": "Basic x"}, {"token": 5}):
        with pytest.raises(ConnectionRejectionError):
            await view.on_ws_connect(Context(connection_params=params))


def test_websocket_handshake_refuses_a_bad_token(tmp_path: Any) -> None:
    """Over a real graphql-transport-ws handshake: acknowledged without a token, closed with
    4403 for a malformed one (no database is needed for either)."""
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    from api.app import create_app

    app = create_app(api_settings(f"sqlite://{tmp_path}/unused.sqlite3"), manage_db=False)
    with TestClient(app) as client:
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"Authorization": "Basic x"}})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4403
