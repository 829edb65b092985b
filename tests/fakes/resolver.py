"""A resolver that answers from a table, so tests never touch the real DNS, and records asks."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class StaticResolver:
    answers: Mapping[str, list[str]]
    asked: list[str] = field(default_factory=list)

    async def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"{host}: name not known to the test resolver")
        return list(self.answers[host])
