"""GraphiQL works offline: its page loads only assets that Kembar serves itself, and a
non-editable install ships them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from api.graphql import GRAPHIQL_ASSETS
from tests.api.conftest import GraphQLClient

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "api" / "static" / "graphiql"
REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""")


async def graphiql_page(client: GraphQLClient) -> str:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def test_the_page_references_only_local_assets(client_as) -> None:
    html = await graphiql_page(await client_as(None))
    references = [url for url in REFERENCE.findall(html) if not url.startswith("data:")]
    assert len(references) == len(GRAPHIQL_ASSETS) == 7
    assert all(url.startswith("/static/graphiql/") for url in references), references
    for banned in ("unpkg", "jsdelivr", "cdn", "integrity=", "http://cdn", "https://"):
        assert banned not in html.replace("http://www.w3.org/2000/svg", ""), banned


async def test_each_asset_is_served_with_a_script_or_style_type(client_as) -> None:
    client = await client_as(None)
    html = await graphiql_page(client)
    for url in REFERENCE.findall(html):
        if url.startswith("data:"):
            continue
        response = await client.http.get(url)
        assert response.status_code == 200, url
        kind = response.headers["content-type"]
        expected = "text/css" if url.endswith(".css") else "javascript"
        assert expected in kind, (url, kind)
        assert len(response.content) == (ASSETS / url.removeprefix("/static/graphiql/")).stat(
        ).st_size  # fmt: skip
    assert (await client.http.get("/static/graphiql/nope.js")).status_code == 404


def test_assets_are_package_data_with_their_licences() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["api"]
    files = [p.relative_to(ROOT / "api") for p in ASSETS.rglob("*") if p.is_file()]
    unshipped = [f for f in files if not any(f.match(pattern) for pattern in patterns)]
    assert not unshipped, unshipped
    for directory in {p.parent for p in ASSETS.rglob("*.js")}:
        assert (directory / "LICENSE").is_file(), directory
    assert sum(p.stat().st_size for p in ASSETS.rglob("*") if p.is_file()) < 5 * 1024 * 1024
