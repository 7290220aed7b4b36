"""The twinning-network factor: a candidate twinned with a partner of the region scores 1; one
twinned with an Indonesian city like the region (similar population, same coast when known)
scores 0.6 times how alike the two Indonesian cities are."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.suggestions.features import UNKNOWN
from core.suggestions.index import Index
from core.suggestions.scoring import Link, population_scores

PARTNER_SCORE = 1.0
LIKE_SCORE = 0.6
LIKE_MIN = 0.5  # population similarity from which an Indonesian city is "like" the region


@dataclass(frozen=True, slots=True)
class Network:
    index: Index
    scores: np.ndarray  # by city position
    partners: np.ndarray  # bool by city position: the region's partners
    like: np.ndarray  # by partnership row: what the row gives its foreign side (0: nothing)

    def link(self, position: int) -> Link | None:
        """Why the city at ``position`` scores what it does, or None when it scores nothing."""
        index = self.index
        into = index.world_from[(index.world_to == position) & self.partners[index.world_from]]
        if len(into):
            names = sorted({index.names[i] for i in into})
            return Link(via=names[0], partner=True, similarity=1.0, others=len(names) - 1)
        rows = np.flatnonzero((index.away == position) & (self.like > 0))
        if not len(rows):
            return None
        best = rows[np.argmax(self.like[rows])]
        return Link(
            via=index.names[index.home[best]],
            partner=False,
            similarity=float(self.like[best] / LIKE_SCORE),
            others=len(set(index.home[rows].tolist())) - 1,
        )


def build(index: Index, region: int, usable: np.ndarray) -> Network:
    """The network scores of every city for the region at position ``region``, counting only the
    partnership rows marked ``usable``."""
    scores = np.zeros(len(index.ids))
    partners = np.zeros(len(index.ids), dtype=bool)
    partners[index.away[usable & (index.home == region)]] = True
    scores[index.world_to[partners[index.world_from]]] = PARTNER_SCORE
    similarity = population_scores(index.log_population[region], index.log_population[index.home])
    home_coast, coast = index.coast[index.home], index.coast[region]
    other_coast = (coast != UNKNOWN) & (home_coast != UNKNOWN) & (home_coast != coast)
    alike = usable & (index.home != region) & (similarity >= LIKE_MIN) & ~other_coast
    like = np.where(alike, LIKE_SCORE * similarity, 0.0)
    np.maximum.at(scores, index.away, like)
    return Network(index=index, scores=scores, partners=partners, like=like)
