"""A plant's own label formats, described as regular expressions with named groups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from traceapp.domain.codes.errors import InvalidInternalPattern

GROUPS = frozenset({"part", "lot", "serial"})


@dataclass(frozen=True, slots=True)
class InternalPattern:
    """One internal label format, e.g. InternalPattern("lot label", r"(?P<part>[A-Z]{3}\\d{2})-(?P<lot>L\\d{4})").

    The regex must match the whole payload. Named groups may only be part, lot and serial, so a
    typo ("Lot") fails when the settings are loaded rather than silently losing the lot.
    """

    name: str
    regex: str
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            compiled = re.compile(self.regex)
        except re.error as exc:
            raise InvalidInternalPattern(
                f"The internal code pattern {self.name!r} is not a valid regular expression: {exc}.",
                hint="Fix the pattern in the settings.",
            ) from None
        unknown = set(compiled.groupindex) - GROUPS
        if unknown:
            raise InvalidInternalPattern(
                f"The internal code pattern {self.name!r} has groups {sorted(unknown)}; only"
                f" {sorted(GROUPS)} are read.",
                hint="Rename the groups in the settings, e.g. (?P<lot>...).",
            )
        object.__setattr__(self, "compiled", compiled)

    def match(self, text: str) -> dict[str, str | None] | None:
        """The part, lot and serial of a payload in this format, or None if it is not one."""
        found = self.compiled.fullmatch(text)
        if found is None:
            return None
        return {name: found.groupdict().get(name) or None for name in GROUPS}
