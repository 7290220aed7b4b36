"""The closed vocabularies of the domain (stored as their lower-case values)."""

from __future__ import annotations

from enum import StrEnum


class RegionLevel(StrEnum):
    """Administrative level of a region, Indonesian and foreign."""

    PROVINCE = "province"  # provinsi; abroad: state / province / prefecture
    REGENCY = "regency"  # kabupaten
    CITY = "city"  # kota; abroad: city, town, municipality
    COUNTY = "county"  # abroad: county / district


class PartnershipKind(StrEnum):
    SISTER_CITY = "sister_city"
    SISTER_PROVINCE = "sister_province"
    FRIENDSHIP = "friendship"  # "stepping stone" before sister status
    OTHER = "other"


class Area(StrEnum):
    """Areas of cooperation (PP 28/2018, the 1993 Home Affairs circular, the article)."""

    EDUCATION = "education"
    CULTURE = "culture"
    ECONOMY = "economy"  # economy, trade and investment
    TOURISM = "tourism"
    ENVIRONMENT = "environment"
    INFRASTRUCTURE = "infrastructure"  # infrastructure and spatial planning
    HEALTH = "health"
    HUMAN_RESOURCES = "human_resources"
    SCIENCE_TECHNOLOGY = "science_technology"
    YOUTH_SPORT = "youth_sport"
    SOCIAL_WELFARE = "social_welfare"
    DISASTER_MANAGEMENT = "disaster_management"
    GOVERNMENT = "government"  # government capacity
    OTHER = "other"


class DocumentType(StrEnum):
    OFFER_LETTER = "offer_letter"  # surat penawaran
    FEASIBILITY_STUDY = "feasibility_study"  # kajian
    LETTER_OF_INTENT = "letter_of_intent"  # Pernyataan Kehendak
    WORK_PLAN = "work_plan"  # Rencana Kerja Sama
    PLAN_OF_ACTION = "plan_of_action"
    DRAFT_AGREEMENT = "draft_agreement"  # rancangan naskah
    SIGNED_AGREEMENT = "signed_agreement"  # Naskah Kerja Sama (MoU)
    EVALUATION_REPORT = "evaluation_report"
    TERMINATION_NOTICE = "termination_notice"


class ApprovalType(StrEnum):
    DPRD = "dprd"  # regional parliament
    KEMENDAGRI_VERIFICATION = "kemendagri_verification"  # Ministry of Home Affairs
    GOVERNMENT_APPROVAL = "government_approval"
    FULL_POWERS = "full_powers"  # from the Foreign Minister (Kemlu)
    PARTNER = "partner"  # the foreign partner's own decision


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class ProgramType(StrEnum):
    STUDENT_EXCHANGE = "student_exchange"
    TEACHER_EXCHANGE = "teacher_exchange"
    YOUTH_EXCHANGE = "youth_exchange"
    CIVIL_SERVANT_EXCHANGE = "civil_servant_exchange"
    TRAINING = "training"
    DELEGATION_VISIT = "delegation_visit"
    CULTURAL_FESTIVAL = "cultural_festival"
    TRADE_MISSION = "trade_mission"
    TECHNICAL_PROJECT = "technical_project"
    ACADEMIC_RESEARCH = "academic_research"
    GRANT = "grant"
    OTHER = "other"


class FundingSource(StrEnum):
    APBD = "apbd"  # regional budget
    APBN = "apbn"  # national budget
    PARTNER = "partner"
    BOTH_PARTIES = "both_parties"
    THIRD_PARTY = "third_party"


class ProgramStatus(StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
