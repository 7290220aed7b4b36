"""Cities/regions and countries: create, update, search."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.enums import RegionLevel
from core.errors import DomainError, ErrorCode, Problem
from core.models import City, Country, Partnership
from core.pagination import Page, Window, paginate
from core.services import audit
from core.services.locking import locked
from core.validation import check_non_negative, limit_text, require_text


def search_text(name: str, alternate_names: list[str]) -> str:
    """What text search matches against: the name and every alternate name, lower-cased."""
    return "\n".join(dict.fromkeys(n.strip().lower() for n in [name, *alternate_names] if n))


def is_country_code(code: str) -> bool:
    """Whether ``code`` is shaped like an ISO 3166-1 alpha-2 code (the column holds two)."""
    return len(code) == 2 and code.isascii() and code.isalpha()


async def get(city_id: int) -> City:
    found = await City.get_or_none(id=city_id)
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such city", "id")
    return found


async def create_city(
    *,
    name: str,
    level: RegionLevel,
    country_code: str,
    alternate_names: list[str] | None = None,
    parent_id: int | None = None,
    population: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    timezone: str | None = None,
    geonames_id: int | None = None,
    actor: str = "system",
) -> City:
    """Add a city or region."""
    values = await _checked(
        name=name,
        alternate_names=alternate_names or [],
        country_code=country_code,
        parent_id=parent_id,
        population=population,
        latitude=latitude,
        longitude=longitude,
        timezone=timezone,
        geonames_id=geonames_id,
        city_id=None,
    )
    try:
        async with in_transaction():
            city = await City.create(level=level, **values)
            await audit.record(actor=actor, action="city.create", entity=city)
            return city
    except IntegrityError as exc:
        raise _duplicate_geonames() from exc


async def update_city(*, city_id: int, actor: str = "system", **changes: object) -> City:
    """Change a city; ``changes`` holds only the fields given (None means unchanged)."""
    try:
        async with in_transaction():
            city = await locked(City, city_id, "city")
            before = audit.snapshot(city)
            given = {k: v for k, v in changes.items() if v is not None}
            merged = {
                "name": city.name,
                "alternate_names": city.alternate_names,
                "country_code": city.country_id,
                "parent_id": city.parent_id,
                "population": city.population,
                "latitude": city.latitude,
                "longitude": city.longitude,
                "timezone": city.timezone,
                "geonames_id": city.geonames_id,
            }
            level = given.pop("level", city.level)
            unknown = set(given) - set(merged)
            if unknown:
                raise TypeError(f"unknown city fields: {sorted(unknown)}")
            merged.update(given)
            values = await _checked(city_id=city.id, **merged)  # type: ignore[arg-type]
            if values["country_id"] != city.country_id:
                await _check_country_change(city.id)
            await City.filter(id=city.id).update(level=level, **values)
            await city.refresh_from_db()
            await audit.record(actor=actor, action="city.update", entity=city, before=before)
            return city
    except IntegrityError as exc:
        raise _duplicate_geonames() from exc


async def _check_country_change(city_id: int) -> None:
    """A region with subregions, or one side of a partnership, keeps its country: subregions
    would have a parent abroad, and a partnership's Indonesian side must stay in Indonesia (its
    foreign side outside), as proposing requires."""
    if await City.exists(parent_id=city_id):
        raise DomainError.one(
            ErrorCode.INVALID, "a region with subregions cannot change country", "countryCode"
        )
    if await Partnership.filter(
        Q(indonesian_region_id=city_id) | Q(foreign_region_id=city_id)
    ).exists():
        raise DomainError.one(
            ErrorCode.INVALID,
            "a region that is one side of a partnership cannot change country",
            "countryCode",
        )


async def search(
    *,
    window: Window,
    country_code: str | None = None,
    parent_id: int | None = None,
    level: RegionLevel | None = None,
    text: str | None = None,
) -> Page[City]:
    """Cities matching every filter given, by id."""
    code = (country_code or "").strip().upper()
    if code and not is_country_code(code):
        raise DomainError.one(
            ErrorCode.INVALID, "countryCode must be a two-letter ISO code", "filter.countryCode"
        )
    query = City.all()
    if code:
        query = query.filter(country_id=code)
    if parent_id is not None:
        query = query.filter(parent_id=parent_id)
    if level is not None:
        query = query.filter(level=level)
    if text and text.strip():
        query = query.filter(search_text__contains=text.strip().lower())
    return await paginate(query, window)


async def countries(*, with_relations: bool | None = None) -> list[Country]:
    query = Country.all().order_by("name")
    if with_relations is not None:
        query = query.filter(diplomatic_relations=with_relations)
    return list(await query)


async def set_diplomatic_relations(
    *, country_code: str, has_relations: bool, actor: str = "system"
) -> Country:
    """Record whether Indonesia has diplomatic relations with a country (a stage-1 guard)."""
    code = country_code.strip().upper()
    country = await Country.get_or_none(code=code) if is_country_code(code) else None
    if country is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such country", "countryCode")
    before = audit.snapshot(country)
    country.diplomatic_relations = has_relations
    async with in_transaction():
        await country.save(update_fields=["diplomatic_relations"])
        await audit.record(actor=actor, action="country.relations", entity=country, before=before)
    return country


async def _checked(
    *,
    city_id: int | None,
    name: str,
    alternate_names: list[str],
    country_code: str,
    parent_id: int | None,
    population: int | None,
    latitude: float | None,
    longitude: float | None,
    timezone: str | None,
    geonames_id: int | None,
) -> dict[str, object]:
    problems: list[Problem] = []
    name = require_text(name, "name", max_length=200)
    alternates = [limit_text(a.strip(), "alternateNames", max_length=200) for a in alternate_names]
    alternates = [a for a in dict.fromkeys(alternates) if a]
    check_non_negative(population, "population")
    if latitude is not None and not -90 <= latitude <= 90:
        problems.append(Problem(ErrorCode.INVALID, "latitude must be within ±90", "latitude"))
    if longitude is not None and not -180 <= longitude <= 180:
        problems.append(Problem(ErrorCode.INVALID, "longitude must be within ±180", "longitude"))
    if (latitude is None) != (longitude is None):
        problems.append(
            Problem(ErrorCode.INVALID, "give both latitude and longitude, or neither", "longitude")
        )
    if timezone is not None:
        limit_text(timezone, "timezone", max_length=64)
    code = country_code.strip().upper()
    if not is_country_code(code) or not await Country.exists(code=code):
        problems.append(Problem(ErrorCode.NOT_FOUND, "no such country", "countryCode"))
    if parent_id is not None:
        problems += await _parent_problems(city_id, parent_id, code)
    if problems:
        raise DomainError(problems)
    return {
        "name": name,
        "alternate_names": alternates,
        "search_text": search_text(name, alternates),
        "country_id": code,
        "parent_id": parent_id,
        "population": population,
        "latitude": latitude,
        "longitude": longitude,
        "timezone": timezone,
        "geonames_id": geonames_id,
    }


async def _parent_problems(city_id: int | None, parent_id: int, code: str) -> list[Problem]:
    parent = await City.get_or_none(id=parent_id)
    if parent is None:
        return [Problem(ErrorCode.NOT_FOUND, "no such parent region", "parentId")]
    if parent.country_id != code:
        return [Problem(ErrorCode.INVALID, "the parent is in another country", "parentId")]
    # Walk up from the parent: meeting the city itself would make a cycle.
    seen, current = set(), parent
    while current is not None and current.id not in seen:
        if current.id == city_id:
            return [Problem(ErrorCode.INVALID, "a region cannot be its own ancestor", "parentId")]
        seen.add(current.id)
        current = await City.get_or_none(id=current.parent_id) if current.parent_id else None
    return []


def _duplicate_geonames() -> DomainError:
    return DomainError.one(ErrorCode.DUPLICATE, "another city has this GeoNames id", "geonamesId")
