from tests import factories


async def test_partnership_page_with_nested_fields(gql) -> None:
    p = await factories.pair()
    data = await gql.ok(
        """{ partnerships(first: 5) { totalCount edges { cursor node { id stage version
             indonesianRegion { name country { name } } foreignRegion { name }
             areas history { action toStage actor } programs { title } } } } }"""
    )
    node = data["partnerships"]["edges"][0]["node"]
    assert data["partnerships"]["totalCount"] == 1
    assert node["indonesianRegion"]["name"] == "Bandung"
    assert node["indonesianRegion"]["country"]["name"] == "Indonesia"
    assert node["areas"] == ["CULTURE", "EDUCATION"]
    assert node["history"][0]["action"] == "PROPOSE"
    assert p.version == node["version"]
