"""The one error bad configuration raises: it names the file, the key path and the problem.

registry.yaml:14:5: connectors.crm.timout_s: unknown key (expected one of: ...)
^file         ^line and column, 1-based, when known
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError"]


class ConfigError(Exception):
    """Raised at start-up (or by `portalgate check`) for configuration that cannot work."""

    def __init__(
        self,
        file: Path | str | None,
        key: str,
        problem: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.problem = problem
        self.line = line
        self.column = column
        where = self.file or ""
        if where and line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        where = f"{where}: " if where else ""
        super().__init__(f"{where}{key}: {problem}" if key else f"{where}{problem}")
