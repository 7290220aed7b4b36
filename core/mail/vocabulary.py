"""The domain's words in the e-mail languages: every stage, status, kind, level, document, approval,
area and outcome, in Indonesian (as a regional cooperation office writes them) and English.

Keyed by the stored values, so a template can say ``{{ c.new_stage | term("stage") }}``; a value
with no word here is an error (a test enumerates every enum member), never a raw code in an e-mail.
"""

from __future__ import annotations

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
from core.models.evaluation import Recommendation
from core.stages import Stage, Status

LOCALES = ("id", "en")

TERMS: dict[str, dict[str, dict[str, str]]] = {
    "stage": {
        "id": {
            Stage.IDENTIFICATION: "Identifikasi Potensi",
            Stage.EXPLORATION: "Penjajakan Awal",
            Stage.NEGOTIATION: "Perundingan dan Penandatanganan",
            Stage.IMPLEMENTATION: "Pelaksanaan Program",
            Stage.EVALUATION: "Evaluasi dan Monitoring",
        },
        "en": {
            Stage.IDENTIFICATION: "Identification of potential partners",
            Stage.EXPLORATION: "Initial exploration",
            Stage.NEGOTIATION: "Negotiation and signing",
            Stage.IMPLEMENTATION: "Program implementation",
            Stage.EVALUATION: "Evaluation and monitoring",
        },
    },
    "status": {
        "id": {
            Status.IN_PREPARATION: "Dalam persiapan",
            Status.ACTIVE: "Aktif (naskah kerja sama berlaku)",
            Status.ABANDONED: "Tidak dilanjutkan",
            Status.TERMINATED: "Diakhiri",
            Status.EXPIRED: "Berakhir masa berlakunya",
        },
        "en": {
            Status.IN_PREPARATION: "In preparation",
            Status.ACTIVE: "Active (agreement in force)",
            Status.ABANDONED: "Abandoned",
            Status.TERMINATED: "Terminated",
            Status.EXPIRED: "Expired",
        },
    },
    "kind": {
        "id": {
            PartnershipKind.SISTER_CITY: "kota kembar (sister city)",
            PartnershipKind.SISTER_PROVINCE: "provinsi kembar (sister province)",
            PartnershipKind.FRIENDSHIP: "kota sahabat (friendship city)",
            PartnershipKind.OTHER: "kerja sama daerah",
        },
        "en": {
            PartnershipKind.SISTER_CITY: "sister city",
            PartnershipKind.SISTER_PROVINCE: "sister province",
            PartnershipKind.FRIENDSHIP: "friendship city",
            PartnershipKind.OTHER: "cooperation",
        },
    },
    "level": {
        "id": {
            RegionLevel.PROVINCE: "provinsi",
            RegionLevel.REGENCY: "kabupaten",
            RegionLevel.CITY: "kota",
            RegionLevel.COUNTY: "county/distrik",
        },
        "en": {
            RegionLevel.PROVINCE: "province",
            RegionLevel.REGENCY: "regency",
            RegionLevel.CITY: "city",
            RegionLevel.COUNTY: "county",
        },
    },
    "document": {
        "id": {
            DocumentType.OFFER_LETTER: "Surat Penawaran",
            DocumentType.FEASIBILITY_STUDY: "Kajian Kelayakan",
            DocumentType.LETTER_OF_INTENT: "Pernyataan Kehendak (Letter of Intent)",
            DocumentType.WORK_PLAN: "Rencana Kerja Sama",
            DocumentType.PLAN_OF_ACTION: "Rencana Aksi (Plan of Action)",
            DocumentType.DRAFT_AGREEMENT: "Rancangan Naskah Kerja Sama",
            DocumentType.SIGNED_AGREEMENT: "Naskah Kerja Sama yang telah ditandatangani",
            DocumentType.EVALUATION_REPORT: "Laporan Evaluasi",
            DocumentType.TERMINATION_NOTICE: "Surat Pemberitahuan Pengakhiran",
        },
        "en": {
            DocumentType.OFFER_LETTER: "offer letter",
            DocumentType.FEASIBILITY_STUDY: "feasibility study",
            DocumentType.LETTER_OF_INTENT: "letter of intent",
            DocumentType.WORK_PLAN: "work plan",
            DocumentType.PLAN_OF_ACTION: "plan of action",
            DocumentType.DRAFT_AGREEMENT: "draft agreement",
            DocumentType.SIGNED_AGREEMENT: "signed agreement",
            DocumentType.EVALUATION_REPORT: "evaluation report",
            DocumentType.TERMINATION_NOTICE: "termination notice",
        },
    },
    "approval": {
        "id": {
            ApprovalType.DPRD: "Persetujuan DPRD",
            ApprovalType.KEMENDAGRI_VERIFICATION: "Verifikasi Kementerian Dalam Negeri",
            ApprovalType.GOVERNMENT_APPROVAL: "Persetujuan Pemerintah",
            ApprovalType.FULL_POWERS: "Surat Kuasa Penuh (Full Powers) dari Menteri Luar Negeri",
            ApprovalType.PARTNER: "Keputusan pihak mitra",
        },
        "en": {
            ApprovalType.DPRD: "approval of the regional parliament (DPRD)",
            ApprovalType.KEMENDAGRI_VERIFICATION: "verification by the Ministry of Home Affairs",
            ApprovalType.GOVERNMENT_APPROVAL: "government approval",
            ApprovalType.FULL_POWERS: "full powers from the Minister of Foreign Affairs",
            ApprovalType.PARTNER: "the partner's decision",
        },
    },
    "decision": {
        "id": {Decision.APPROVED: "disetujui", Decision.REJECTED: "ditolak"},
        "en": {Decision.APPROVED: "approved", Decision.REJECTED: "rejected"},
    },
    "area": {
        "id": {
            Area.EDUCATION: "pendidikan",
            Area.CULTURE: "kebudayaan",
            Area.ECONOMY: "ekonomi, perdagangan, dan investasi",
            Area.TOURISM: "pariwisata",
            Area.ENVIRONMENT: "lingkungan hidup",
            Area.INFRASTRUCTURE: "infrastruktur dan penataan ruang",
            Area.HEALTH: "kesehatan",
            Area.HUMAN_RESOURCES: "peningkatan kapasitas sumber daya manusia",
            Area.SCIENCE_TECHNOLOGY: "ilmu pengetahuan dan teknologi",
            Area.YOUTH_SPORT: "kepemudaan dan olahraga",
            Area.SOCIAL_WELFARE: "kesejahteraan sosial",
            Area.DISASTER_MANAGEMENT: "penanggulangan bencana",
            Area.GOVERNMENT: "peningkatan kapasitas pemerintahan",
            Area.OTHER: "bidang lainnya",
        },
        "en": {
            Area.EDUCATION: "education",
            Area.CULTURE: "culture",
            Area.ECONOMY: "economy, trade and investment",
            Area.TOURISM: "tourism",
            Area.ENVIRONMENT: "environment",
            Area.INFRASTRUCTURE: "infrastructure and spatial planning",
            Area.HEALTH: "health",
            Area.HUMAN_RESOURCES: "human-resource capacity",
            Area.SCIENCE_TECHNOLOGY: "science and technology",
            Area.YOUTH_SPORT: "youth and sport",
            Area.SOCIAL_WELFARE: "social welfare",
            Area.DISASTER_MANAGEMENT: "disaster management",
            Area.GOVERNMENT: "government capacity",
            Area.OTHER: "other areas",
        },
    },
    "program_status": {
        "id": {
            ProgramStatus.PLANNED: "direncanakan",
            ProgramStatus.ONGOING: "sedang berjalan",
            ProgramStatus.COMPLETED: "selesai",
            ProgramStatus.CANCELLED: "dibatalkan",
        },
        "en": {
            ProgramStatus.PLANNED: "planned",
            ProgramStatus.ONGOING: "ongoing",
            ProgramStatus.COMPLETED: "completed",
            ProgramStatus.CANCELLED: "cancelled",
        },
    },
    "direction": {
        "id": {Direction.INBOUND: "kunjungan masuk", Direction.OUTBOUND: "kunjungan keluar"},
        "en": {Direction.INBOUND: "inbound", Direction.OUTBOUND: "outbound"},
    },
    "recommendation": {
        "id": {
            Recommendation.CONTINUE: "dilanjutkan",
            Recommendation.REVISE: "direvisi",
            Recommendation.RENEW: "diperpanjang",
            Recommendation.TERMINATE: "diakhiri",
        },
        "en": {
            Recommendation.CONTINUE: "continue",
            Recommendation.REVISE: "revise",
            Recommendation.RENEW: "renew",
            Recommendation.TERMINATE: "terminate",
        },
    },
    # The fields a program update names (core.services.programs.FIELDS).
    "program_field": {
        "id": {
            "title": "judul",
            "area": "bidang",
            "type": "jenis",
            "status": "status",
            "starts_on": "tanggal mulai",
            "ends_on": "tanggal selesai",
            "budget": "anggaran",
            "currency": "mata uang",
            "funding_source": "sumber dana",
            "lead_agency": "perangkat daerah pelaksana",
            "description": "uraian",
        },
        "en": {
            "title": "title",
            "area": "area",
            "type": "type",
            "status": "status",
            "starts_on": "start date",
            "ends_on": "end date",
            "budget": "budget",
            "currency": "currency",
            "funding_source": "funding source",
            "lead_agency": "lead agency",
            "description": "description",
        },
    },
}


def term(value: str, group: str, locale: str) -> str:
    """The word for ``value`` of ``group`` in ``locale``; KeyError for one with no word."""
    return TERMS[group][locale][value]


def outcome_term(value: str, locale: str) -> str:
    """An evaluation's outcome: the stage the partnership moved to, or the status it ended in."""
    group = "stage" if value in {stage.value for stage in Stage} else "status"
    return term(value, group, locale)
