"""The committed SDL is a reviewed artefact: it must match what the code builds."""

from pathlib import Path

from schema import schema

SDL = Path(__file__).parents[2] / "schema" / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    committed = SDL.read_text(encoding="utf-8").strip()
    assert committed == schema.as_str().strip(), (
        "schema/schema.graphql is out of date: run `kembar export-schema` and review the diff"
    )
