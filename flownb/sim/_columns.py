"""A table without pandas: a dataclass of equal-length numpy arrays, one per field."""

from __future__ import annotations

from dataclasses import fields
from typing import Self

import numpy as np


class Columns:
    """Base of the twin's column sets (connections, legs, records): length, concatenation, selection.

    Subclasses are dataclasses whose fields are all numpy arrays of one length.
    """

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    @classmethod
    def concat(cls, parts: list[Self]) -> Self:
        """The rows of all parts, in order."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})

    def take(self, idx: np.ndarray) -> Self:
        """The rows at ``idx`` (indices or a boolean mask)."""
        return type(self)(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})
