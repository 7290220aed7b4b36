"""What every resolver receives as ``info.context``: loaders for this request and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from core.policy import ANONYMOUS, Principal
from schema.loaders import Loaders


@dataclass
class Context:
    actor: str = "anonymous"
    page_size_max: int = 100
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    response: Any = None
    principal: Principal = ANONYMOUS
    connection_params: dict[str, Any] | None = None  # websockets: the connection_init payload
    introspection: bool = True
    cost_limit: int = 10_000
    live: Any = None  # this process's core.fanout.Fanout (live subscriptions), if it serves them


Info = StrawberryInfo[Context, None]
