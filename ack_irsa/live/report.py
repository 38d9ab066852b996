"""What verify reports: each check passes, fails with a fix, or is skipped with why."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["pass", "fail", "warn", "skipped"]
"""``warn``: something the stack did not ask for, accepted because ``--allow-extra`` was given."""


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass
class Report:
    """Checks of the cluster and its provider, then of each controller."""

    cluster: list[Check] = field(default_factory=list)
    controllers: dict[str, list[Check]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when no check failed (checks skipped on request do not count against it)."""
        return all(c.status != "fail" for c in self.all_checks())

    def all_checks(self) -> Iterable[Check]:
        yield from self.cluster
        for checks in self.controllers.values():
            yield from checks

    def to_json(self) -> str:
        document = {
            "passed": self.passed,
            "cluster": [asdict(c) for c in self.cluster],
            "controllers": {name: [asdict(c) for c in checks] for name, checks in self.controllers.items()},
        }
        return json.dumps(document, indent=2) + "\n"

    def to_table(self) -> str:
        rows = [("", c) for c in self.cluster]
        rows += [(name, c) for name, checks in self.controllers.items() for c in checks]
        width = max([len(f"{n} {c.name}".strip()) for n, c in rows] + [5])
        lines = [f"{'CHECK':<{width}}  RESULT   DETAIL"]
        for name, check in rows:
            lines.append(f"{f'{name} {check.name}'.strip():<{width}}  {check.status:<7}  {check.detail}")
            if check.fix:
                lines.append(f"{'':<{width}}  {'':<7}  fix: {check.fix}")
        verdict = "every check passed" if self.passed else "some checks failed"
        return "\n".join([*lines, "", verdict]) + "\n"


def skipped(names: Iterable[str], why: str) -> list[Check]:
    return [Check(name, "skipped", why) for name in names]
