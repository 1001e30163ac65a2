"""The one error bad configuration raises: it names the file, the key path and the problem."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError"]


class ConfigError(Exception):
    """Raised at start-up (or by `portalgate check`) for configuration that cannot work."""

    def __init__(self, file: Path | str | None, key: str, problem: str) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.problem = problem
        where = f"{self.file}: " if self.file else ""
        super().__init__(f"{where}{key}: {problem}" if key else f"{where}{problem}")
