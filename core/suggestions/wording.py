"""The words of the reasons, in Indonesian and English: numbers, latitudes, areas, climate bands."""

from __future__ import annotations

from core.enums import Area

AREA_WORDS: dict[Area, tuple[str, str]] = {  # (Indonesian, English)
    Area.EDUCATION: ("pendidikan", "education"),
    Area.CULTURE: ("kebudayaan", "culture"),
    Area.ECONOMY: ("ekonomi, perdagangan dan investasi", "economy, trade and investment"),
    Area.TOURISM: ("pariwisata", "tourism"),
    Area.ENVIRONMENT: ("lingkungan hidup", "environment"),
    Area.INFRASTRUCTURE: ("infrastruktur dan tata ruang", "infrastructure and spatial planning"),
    Area.HEALTH: ("kesehatan", "health"),
    Area.HUMAN_RESOURCES: ("pengembangan SDM", "human resources"),
    Area.SCIENCE_TECHNOLOGY: ("ilmu pengetahuan dan teknologi", "science and technology"),
    Area.YOUTH_SPORT: ("pemuda dan olahraga", "youth and sport"),
    Area.SOCIAL_WELFARE: ("kesejahteraan sosial", "social welfare"),
    Area.DISASTER_MANAGEMENT: ("penanggulangan bencana", "disaster management"),
    Area.GOVERNMENT: ("kapasitas pemerintahan", "government capacity"),
    Area.OTHER: ("lainnya", "other"),
}

_UNITS = ((1e9, "M", "B"), (1e6, "jt", "M"), (1e3, "rb", "k"))  # (size, Indonesian, English)


def population(value: float, *, indonesian: bool) -> str:
    """1,2 jt / 1.2 M; 120 rb / 120 k; 850. One decimal below 10 of a unit."""
    for size, unit_id, unit_en in _UNITS:
        if value >= size:
            scaled = value / size
            text = f"{scaled:.1f}" if round(scaled, 1) < 10 else f"{scaled:.0f}"
            text = text.removesuffix(".0")
            if indonesian:
                text = text.replace(".", ",")
            return f"{text} {unit_id if indonesian else unit_en}"
    return f"{value:.0f}"


def latitude(value: float, *, indonesian: bool) -> str:
    """7,3° LS / 7.3° S; 52,3° LU / 52.3° N."""
    text = f"{abs(value):.1f}"
    if indonesian:
        return f"{text.replace('.', ',')}° {'LU' if value >= 0 else 'LS'}"
    return f"{text}° {'N' if value >= 0 else 'S'}"


def decimal(value: float, *, indonesian: bool) -> str:
    """0,82 / 0.82."""
    text = f"{value:.2f}"
    return text.replace(".", ",") if indonesian else text


def areas(found: list[Area], *, indonesian: bool) -> str:
    """Area names joined with commas, in the order of the Area enum."""
    ordered = [a for a in Area if a in found]
    return ", ".join(AREA_WORDS[a][0 if indonesian else 1] for a in ordered)
