"""Countries and cities/regions. Names are not unique (two Gwangju in Korea): identity is the id."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import RegionLevel


class Country(Model):
    code = fields.CharField(max_length=2, primary_key=True)  # ISO 3166-1 alpha-2
    name = fields.CharField(max_length=100)
    diplomatic_relations = fields.BooleanField(default=True)  # with Indonesia

    class Meta:
        table = "country"


class City(Model):
    """A city or region, Indonesian or foreign, at any administrative level."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, db_index=True)
    alternate_names: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    search_text = fields.TextField()  # lower-cased name and alternate names, for text search
    level = fields.CharEnumField(RegionLevel, max_length=16)
    country: fields.ForeignKeyRelation[Country] = fields.ForeignKeyField(
        "kembar.Country", related_name="cities", on_delete=fields.RESTRICT
    )
    country_id: str
    parent: fields.ForeignKeyNullableRelation[City] = fields.ForeignKeyField(
        "kembar.City", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    population = fields.BigIntField(null=True)
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    timezone = fields.CharField(max_length=64, null=True)
    geonames_id = fields.BigIntField(null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "city"
