"""A live partnership's health score (0-100) from its components, each with what to do about it.
Pure: the figures come from :mod:`core.services.signals`.

Components and weights (a partnership in preparation has no programs or evaluations yet, so only
activity and stage time count for it; the weights are then shared between those two):

- ``activity_recency`` (35): 100 up to 3 months since the last activity, down to 0 at the
  dormancy period (12 months by default);
- ``programs`` (20): programs not cancelled: 0 → 0, 1 → 60, 2 → 80, 3 or more → 100;
- ``participants`` (15): people in activities of the last 12 months, 2 points each (50 → 100);
- ``evaluation`` (20): the latest scored evaluation's score; 50 while none is scored; at most 20
  when it recommends termination;
- ``stage_time`` (10): 100 within the usual time for the stage, down to 0 at three times it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.stages import Stage, Status

DAYS_PER_MONTH = 30.44
FRESH_MONTHS = 3
FULL_PARTICIPANTS = 50
NEUTRAL_EVALUATION = 50
USUAL_MONTHS = {  # how long a stage usually takes (implementation: an evaluation every year)
    Stage.IDENTIFICATION: 6,
    Stage.EXPLORATION: 6,
    Stage.NEGOTIATION: 12,
    Stage.IMPLEMENTATION: 12,
    Stage.EVALUATION: 3,
}
STAGE_NAMES = {  # English, Indonesian
    Stage.IDENTIFICATION: ("identification", "identifikasi potensi"),
    Stage.EXPLORATION: ("exploration", "penjajakan awal"),
    Stage.NEGOTIATION: ("negotiation", "perundingan"),
    Stage.IMPLEMENTATION: ("implementation", "pelaksanaan program"),
    Stage.EVALUATION: ("evaluation", "evaluasi"),
}
NEXT_STEP = {  # what moves a stalled stage on: English, Indonesian
    Stage.IDENTIFICATION: (
        "record a feasibility study or an offer letter and move to exploration, or abandon it",
        "catat kajian atau surat penawaran lalu lanjut ke penjajakan, atau hentikan",
    ),
    Stage.EXPLORATION: (
        "obtain the letter of intent signed by both heads",
        "dapatkan Pernyataan Kehendak yang ditandatangani kedua kepala daerah",
    ),
    Stage.NEGOTIATION: (
        "complete the work plan, the approvals and the signed agreement",
        "lengkapi rencana kerja sama, persetujuan, dan naskah kerja sama",
    ),
    Stage.IMPLEMENTATION: (
        "an evaluation is due at least once a year",
        "evaluasi perlu dilakukan paling sedikit setahun sekali",
    ),
    Stage.EVALUATION: (
        "record the evaluation report and decide: continue, revise, renew or end",
        "catat laporan evaluasi dan putuskan: lanjut, revisi, perpanjang, atau akhiri",
    ),
}


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """What the score looks at, for one partnership at one moment."""

    stage: Stage
    status: Status
    stage_entered_at: datetime
    last_activity_at: datetime | None
    programs: int  # not cancelled
    participants_recent: int  # last 12 months, in and out
    evaluation_score: int | None  # the latest scored evaluation
    evaluation_recommendation: str | None


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    score: int  # 0..100
    weight: int
    detail: str  # English
    detail_id: str  # Indonesian


@dataclass(frozen=True, slots=True)
class Health:
    score: int  # 0..100, the weighted mean of the components
    components: tuple[Component, ...]


def assess(facts: HealthFacts, *, now: datetime, dormancy_months: int = 12) -> Health | None:
    """The partnership's health, or None once it is closed (abandoned, terminated, expired)."""
    if facts.status is Status.IN_PREPARATION:
        parts = [_recency(facts, now, dormancy_months), _stage_time(facts, now)]
    elif facts.status is Status.ACTIVE:
        parts = [
            _recency(facts, now, dormancy_months),
            _programs(facts),
            _participants(facts),
            _evaluation(facts),
            _stage_time(facts, now),
        ]
    else:
        return None
    total = sum(c.weight for c in parts)
    score = round(sum(c.score * c.weight for c in parts) / total)
    return Health(score=score, components=tuple(parts))


def _months(since: datetime, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds() / 86400 / DAYS_PER_MONTH)


def _ramp(value: float, full_until: float, zero_at: float) -> int:
    """100 up to ``full_until``, falling linearly to 0 at ``zero_at``."""
    if value <= full_until:
        return 100
    if value >= zero_at:
        return 0
    return round(100 * (zero_at - value) / (zero_at - full_until))


def _recency(facts: HealthFacts, now: datetime, dormancy_months: int) -> Component:
    name, weight = "activity_recency", 35
    if facts.last_activity_at is None:
        return Component(
            name, 0, weight,
            "Nothing has been recorded yet: record a program activity, a document or a stage move.",
            "Belum ada yang dicatat: catat kegiatan program, dokumen, atau perpindahan tahap.",
        )  # fmt: skip
    months = _months(facts.last_activity_at, now)
    days = int(months * DAYS_PER_MONTH)
    day = facts.last_activity_at.date().isoformat()
    score = _ramp(months, FRESH_MONTHS, max(dormancy_months, FRESH_MONTHS + 1))
    return Component(
        name, score, weight,
        f"Last activity {days} days ago ({day}). Record program activities, documents or an "
        f"evaluation; after {dormancy_months} months without any it is flagged dormant.",
        f"Aktivitas terakhir {days} hari yang lalu ({day}). Catat kegiatan program, dokumen, atau "
        f"evaluasi; tanpa aktivitas selama {dormancy_months} bulan kerja sama ditandai tidak "
        f"aktif (dormant).",
    )  # fmt: skip


def _programs(facts: HealthFacts) -> Component:
    n = facts.programs
    score = {0: 0, 1: 60, 2: 80}.get(n, 100)
    advice = (
        ("Start programs under the plan of action.", "Mulai program sesuai rencana aksi.")
        if n < 3
        else ("", "")
    )
    return Component(
        "programs", score, 20,
        f"{n} program(s), cancelled ones not counted; 3 or more score full. {advice[0]}".strip(),
        f"{n} program (yang dibatalkan tidak dihitung); 3 atau lebih bernilai penuh. "
        f"{advice[1]}".strip(),
    )  # fmt: skip


def _participants(facts: HealthFacts) -> Component:
    n = facts.participants_recent
    score = min(100, round(100 * n / FULL_PARTICIPANTS))
    return Component(
        "participants", score, 15,
        f"{n} participants (in and out) in activities of the last 12 months; "
        f"{FULL_PARTICIPANTS} or more score full. Record exchanges with their participant counts.",
        f"{n} peserta (masuk dan keluar) dalam kegiatan 12 bulan terakhir; {FULL_PARTICIPANTS} "
        f"atau lebih bernilai penuh. Catat pertukaran beserta jumlah pesertanya.",
    )  # fmt: skip


def _evaluation(facts: HealthFacts) -> Component:
    name, weight = "evaluation", 20
    if facts.evaluation_score is None:
        return Component(
            name, NEUTRAL_EVALUATION, weight,
            "No evaluation has been scored yet: fill in the score of the next evaluation.",
            "Belum ada evaluasi yang diberi nilai: isi nilai pada evaluasi berikutnya.",
        )  # fmt: skip
    score = facts.evaluation_score
    recommendation = facts.evaluation_recommendation
    if recommendation == "terminate":
        score = min(score, 20)
    said = f", recommending to {recommendation}" if recommendation else ""
    said_id = f", dengan rekomendasi {recommendation}" if recommendation else ""
    return Component(
        name, score, weight,
        f"The latest evaluation scored {facts.evaluation_score}/100{said}. Act on its findings.",
        f"Evaluasi terakhir bernilai {facts.evaluation_score}/100{said_id}. Tindak lanjuti "
        f"temuannya.",
    )  # fmt: skip


def _stage_time(facts: HealthFacts, now: datetime) -> Component:
    usual = USUAL_MONTHS[facts.stage]
    months = _months(facts.stage_entered_at, now)
    score = _ramp(months, usual, 3 * usual)
    stage, stage_id = STAGE_NAMES[facts.stage]
    step, step_id = NEXT_STEP[facts.stage]
    return Component(
        "stage_time", score, 10,
        f"In {stage} for {months:.0f} months; about {usual} is usual. To move on: {step}.",
        f"Dalam tahap {stage_id} selama {months:.0f} bulan; biasanya sekitar {usual} bulan. "
        f"Langkah berikutnya: {step_id}.",
    )  # fmt: skip
