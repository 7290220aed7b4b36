"""What every resolver receives as ``info.context``: loaders for this request and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from schema.loaders import Loaders


@dataclass
class Context:
    actor: str = "anonymous"
    page_size_max: int = 100
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    response: Any = None


Info = StrawberryInfo[Context, None]
