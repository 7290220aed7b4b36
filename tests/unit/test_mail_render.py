"""E-mail texts without a database or a server: every event type in both languages, the domain's
words translated, hostile names escaped in HTML, and a template that misses a value fails."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum

import jinja2
import pytest

from core.enums import (
    ApprovalType,
    Area,
    Decision,
    Direction,
    DocumentType,
    PartnershipKind,
    ProgramStatus,
    RegionLevel,
)
from core.envelope import Envelope
from core.events import EVENT_TYPES
from core.mail.context import Current, MailContext, Region, assemble
from core.mail.render import Rendered, UnknownEventType, UnknownLocale, render
from core.mail.vocabulary import LOCALES, TERMS
from core.models.evaluation import Recommendation
from core.services.programs import FIELDS as PROGRAM_FIELDS
from core.settings import Settings
from core.stages import Stage, Status

# A realistic payload for every event type (the values a service would write).
SAMPLES: dict[str, dict[str, object]] = {
    "partnership.proposed": {
        "indonesian_region_id": 1,
        "foreign_region_id": 2,
        "kind": "sister_city",
        "stage": "identification",
    },
    "partnership.stage_advanced": {
        "from_stage": "exploration",
        "to_stage": "negotiation",
        "status": "in_preparation",
        "round": 1,
        "reason": "Pernyataan Kehendak telah ditandatangani kedua kepala daerah",
    },
    "partnership.abandoned": {"stage": "exploration", "reason": "Mitra tidak menanggapi"},
    "partnership.terminated": {"stage": "implementation", "reason": "Pemberitahuan 6 bulan"},
    "partnership.expired": {"stage": "implementation", "valid_until": "2026-05-31"},
    "partnership.document_added": {"document_id": 4, "document_type": "letter_of_intent"},
    "partnership.approval_recorded": {
        "approval_id": 5,
        "approval_type": "dprd",
        "decision": "approved",
    },
    "program.created": {"program_id": 6, "area": "environment", "status": "planned"},
    "program.updated": {"program_id": 6, "changed": ["budget", "ends_on"]},
    "program.activity_recorded": {
        "program_id": 6,
        "activity_id": 7,
        "direction": "inbound",
        "participants": 12,
        "occurred_on": "2026-03-14",
    },
    "evaluation.opened": {
        "evaluation_id": 8,
        "period_start": "2025-01-10",
        "period_end": "2026-06-01",
    },
    "evaluation.closed": {
        "evaluation_id": 8,
        "outcome": "implementation",
        "recommendation": "continue",
        "score": 82,
    },
    "evaluation.filled": {"evaluation_id": 8, "recommendation": None, "score": None},
    "partnership.dormant": {
        "dormant_since": "2026-05-31T17:30:00+00:00",
        "last_activity_at": "2025-05-31T17:30:00+00:00",
        "months": 12,
    },
    "partnership.reactivated": {
        "dormant_since": "2026-05-31T17:30:00+00:00",
        "last_activity_at": "2026-06-01T03:00:00+00:00",
    },
    "partnership.expiry_reminder": {"months_before": 6, "valid_until": "2026-12-01"},
}

BANDUNG = Region(name="Bandung", level="city", country_code="ID", country_name="Indonesia")
BRAUNSCHWEIG = Region(name="Braunschweig", level="city", country_code="DE", country_name="Germany")
HOSTILE = '<script>alert("x")</script> & <b>'


def envelope(event_type: str, **payload: object) -> Envelope:
    cls = EVENT_TYPES[event_type]
    return Envelope(
        event_id=uuid.UUID("6f1c1d9e-1b7e-4d7a-9a50-0a4f3a0c2b11"),
        type=event_type,
        version=cls.VERSION,
        occurred_at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        aggregate_type=cls.AGGREGATE,
        aggregate_id="3",
        actor="siti.rahma@bandung.go.id",
        correlation_id="test",
        payload={"partnership_id": 3, **SAMPLES[event_type], **payload},
    )


def context(
    event_type: str,
    *,
    indonesian: Region = BANDUNG,
    foreign: Region = BRAUNSCHWEIG,
    actor_name: str | None = "Siti Rahma",
    program_title: str | None = "Pengelolaan sampah",
    actor: str | None = None,
    **payload: object,
) -> MailContext:
    env = envelope(event_type, **payload)
    if actor is not None:
        env = Envelope.from_dict({**env.to_dict(), "actor": actor})
    current = Current(
        id=3,
        kind="sister_city",
        stage="implementation",
        status="active",
        round=1,
        indonesian=indonesian,
        foreign=foreign,
    )
    return assemble(
        envelope=env,
        current=current,
        actor_name=actor_name,
        program_title=program_title if env.aggregate_type == "program" else None,
        settings=Settings(public_url="https://kembar.example.go.id/"),
    )


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_event_type_has_a_sample_that_builds_it():
    assert set(SAMPLES) == set(EVENT_TYPES)
    for event_type in EVENT_TYPES:
        assert type(envelope(event_type).event()) is EVENT_TYPES[event_type]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_renders_in_both_languages(event_type: str, locale: str):
    mail = render(context(event_type), locale)

    assert mail.subject.startswith("[Kembar] ")
    assert "Bandung" in mail.subject and "Braunschweig" in mail.subject
    assert "\n" not in mail.subject
    for body in (mail.text, mail.html):
        assert "https://kembar.example.go.id/partnerships/3" in body
        assert "Siti Rahma" in body
        assert "None" not in body
        # no stored code (in_preparation, letter_of_intent, ...) reaches the reader untranslated
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", body), re.findall(r"\b[a-z]+_[a-z_]+\b", body)
    assert "<html" in mail.html and "<html" not in mail.text


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_indonesian_and_english_differ(event_type: str):
    indonesian, english = render(context(event_type), "id"), render(context(event_type), "en")

    assert indonesian.subject != english.subject
    assert indonesian.text != english.text
    assert "Yth. Bapak/Ibu" in indonesian.text and "Dengan hormat" in indonesian.text
    assert "Dear Sir or Madam" in english.text


def test_a_stage_change_in_indonesian_reads_as_an_office_writes():
    mail = render(context("partnership.stage_advanced"), "id")

    assert mail.subject == (
        "[Kembar] Bandung \u2013 Braunschweig: "
        "Perubahan tahap menjadi Perundingan dan Penandatanganan"
    )
    text = flat(mail.text)
    assert (
        "bahwa kerja sama kota kembar (sister city) antara Bandung dan Braunschweig (Jerman) "
        "telah beralih dari tahap Penjajakan Awal ke tahap Perundingan dan Penandatanganan."
    ) in text
    assert "Status : Dalam persiapan" in text
    assert "Oleh : Siti Rahma <siti.rahma@bandung.go.id>" in text
    assert "Alasan : Pernyataan Kehendak telah ditandatangani kedua kepala daerah" in text
    assert "Waktu : Senin, 1 Juni 2026 pukul 19.00 WIB" in text  # 12:00 UTC
    assert "Demikian pemberitahuan ini kami sampaikan." in text


def test_a_renewal_says_so():
    mail = render(context("partnership.stage_advanced", from_stage="evaluation", round=2), "id")
    assert "pembaruan naskah kerja sama (periode ke-2)" in flat(mail.text)
    assert "term no. 2" in flat(render(context("partnership.stage_advanced", round=2), "en").text)


def test_the_event_not_the_current_row_says_what_happened():
    # the partnership is active in implementation now; the e-mail is about an older event
    mail = render(context("partnership.abandoned"), "en")
    text = flat(mail.text)
    assert "Stage : Initial exploration" in text
    assert "Status : Abandoned" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_html_escapes_hostile_names_and_text_keeps_them(locale: str):
    mail = render(
        context(
            "program.created",
            indonesian=Region(name=HOSTILE, level="city", country_code="ID", country_name="ID"),
            foreign=Region(name=HOSTILE, level="city", country_code="DE", country_name="DE"),
            actor_name=HOSTILE,
            program_title=HOSTILE,
        ),
        locale,
    )
    assert "<script>" not in mail.html and "<b>" not in mail.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in mail.html
    assert HOSTILE in mail.text and HOSTILE in mail.subject
    reason = render(context("partnership.terminated", reason=HOSTILE), locale)
    assert "<script>" not in reason.html and "&lt;script&gt;" in reason.html


def test_a_name_with_a_line_break_cannot_split_the_subject():
    region = Region(
        name="Bandung\r\nBcc: x@y.example",
        level="city",
        country_code="ID",
        country_name="Indonesia",
    )
    mail = render(context("partnership.proposed", indonesian=region), "id")
    assert "\n" not in mail.subject and "\r" not in mail.subject


@pytest.mark.parametrize(
    ("actor", "actor_name", "expected"),
    [
        ("system:evaluations", None, "Oleh : sistem Kembar (otomatis)"),
        ("budi@bandung.go.id", None, "Oleh : budi@bandung.go.id"),
        ("cli", None, "Oleh : cli"),
    ],
)
def test_who_made_the_change(actor: str, actor_name: str | None, expected: str):
    mail = render(context("partnership.proposed", actor=actor, actor_name=actor_name), "id")
    assert expected in flat(mail.text)


def test_the_watch_speaks_in_days_of_jakarta_and_says_when_nothing_happened():
    watch = context("partnership.dormant", actor="kembar-watch", actor_name=None)
    dormant = flat(render(watch, "id").text)
    # 17:30 UTC on 31 May is already 1 June in Jakarta
    assert "ditandai tidak aktif (dormant) sejak tanggal 1 Juni 2026" in dormant
    assert "kegiatan terakhir tercatat pada tanggal 1 Juni 2025" in dormant
    assert "Oleh : sistem Kembar (otomatis)" in dormant
    never = flat(render(context("partnership.dormant", last_activity_at=""), "en").text)
    assert "no activity has ever been recorded" in never
    reminder = render(context("partnership.expiry_reminder", months_before=1), "en")
    assert reminder.subject.endswith(": Agreement ends in 1 month")


def test_an_evaluation_without_recommendation_or_score_says_so():
    text = flat(render(context("evaluation.filled"), "id").text)
    assert "Rekomendasi: belum ada. Nilai: belum diberikan." in text
    closed = flat(render(context("evaluation.closed"), "en").text)
    assert "outcome: Program implementation. Recommendation: continue. Score: 82." in closed


def test_a_missing_value_fails_instead_of_sending_a_gap():
    broken = context("partnership.document_added")
    del broken.payload["document_type"]
    with pytest.raises(jinja2.UndefinedError):
        render(broken, "id")


def test_unknown_event_types_and_locales_are_refused():
    unknown = context("partnership.proposed")
    unknown = MailContext(**{**unknown.__dict__, "type": "partnership.renamed"})
    with pytest.raises(UnknownEventType):
        render(unknown, "id")
    with pytest.raises(UnknownLocale):
        render(context("partnership.proposed"), "jv")


VOCABULARY: dict[str, type[StrEnum]] = {
    "stage": Stage,
    "status": Status,
    "kind": PartnershipKind,
    "level": RegionLevel,
    "document": DocumentType,
    "approval": ApprovalType,
    "decision": Decision,
    "area": Area,
    "program_status": ProgramStatus,
    "direction": Direction,
    "recommendation": Recommendation,
}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_word_of_the_domain_is_translated(locale: str):
    assert set(TERMS) == {*VOCABULARY, "program_field"}
    for group, enum in VOCABULARY.items():
        assert set(TERMS[group][locale]) == {member.value for member in enum}, group
        assert all(TERMS[group][locale].values()), group
    assert set(TERMS["program_field"][locale]) == set(PROGRAM_FIELDS)


def test_rendered_is_plain_strings():
    mail = render(context("partnership.proposed"), "en")
    assert isinstance(mail, Rendered)
    assert type(mail.subject) is str and type(mail.text) is str and type(mail.html) is str
