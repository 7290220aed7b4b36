from core.models import Country, OutboxEvent
from tests import factories


async def test_migrated_database_has_countries_and_takes_a_partnership(db: str) -> None:
    assert await Country.filter(code="ID").exists()
    p = await factories.pair()
    assert p.stage == "identification"
    assert await OutboxEvent.filter(aggregate_id=str(p.id)).count() == 1
