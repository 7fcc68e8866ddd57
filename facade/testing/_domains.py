"""`Domain`: where an op's input values may come from.

A Domain says which values are valid (an interval, minus excluded points), which of them are
kinks (points where the op is not differentiable, avoided only when `smooth`), and optionally
puts values on a grid (exact, well-separated values: ties on purpose, or never, between two
inputs drawn on offset grids).
"""
import dataclasses
import math

from hypothesis import strategies as st

__all__ = ["Domain"]

_MARGIN = 0.05  # how far values stay from excluded points and (when smooth) from kinks
# smaller magnitudes become 0: XLA on CPU flushes subnormal results to zero (PyTorch keeps them), and
# products of tiny inputs are subnormal
_TINY = 1e-6


@dataclasses.dataclass(frozen=True)
class Domain:
    lo: float = -4.0
    hi: float = 4.0
    exclude: tuple = ()  # never drawn (e.g. 0 for a divisor)
    kinks: object = ()  # points, or "integers" / "half-integers": avoided when smooth
    grid: float = None  # values lo <= offset + k * grid <= hi
    offset: float = 0.0
    choices: tuple = None  # values drawn from this tuple only
    special: bool = False  # mix in nan / ±inf (as enabled below)
    nan: bool = True
    inf: bool = True

    def elements(self, dtype, smooth=False):
        """Element strategy for a facade dtype."""
        if dtype.category == 0:
            return st.booleans()
        if self.choices is not None:
            values = st.sampled_from(self.choices)
            return values if dtype.category >= 2 else values.map(int)
        if dtype.category == 1:
            return self._integers(dtype)
        base = self._grid() if self.grid is not None else st.floats(self.lo, self.hi, allow_subnormal=False)
        base = base.map(lambda v: self._move(v, smooth))
        if self.special:
            extra = ([math.nan] if self.nan else []) + ([math.inf, -math.inf] if self.inf else [])
            base = st.one_of(base, st.sampled_from(extra)) if extra else base
        return base

    def _integers(self, dtype):
        lo, hi = math.ceil(self.lo), math.floor(self.hi)
        if dtype.name == "uint8":
            lo = max(lo, 0)
        ints = st.integers(lo, hi)
        if self.exclude:
            ints = ints.filter(lambda v: all(abs(v - p) >= _MARGIN for p in self.exclude))
        return ints

    def _grid(self):
        k_lo = math.ceil((self.lo - self.offset) / self.grid)
        k_hi = math.floor((self.hi - self.offset) / self.grid)
        return st.integers(k_lo, k_hi).map(lambda k: self.offset + k * self.grid)

    def _avoid(self, smooth):
        points = list(self.exclude)
        if smooth and not isinstance(self.kinks, str):
            points += list(self.kinks)
        return points

    def _move(self, v, smooth):
        """v, pushed away from excluded points and (when smooth) kinks, staying inside [lo, hi]."""
        if abs(v) < _TINY and self.lo <= 0 <= self.hi:
            v = 0.0
        if smooth and isinstance(self.kinks, str):
            base = 0.0 if self.kinks == "integers" else 0.5
            k = round(v - base) + base  # the nearest kink
            if abs(v - k) < _MARGIN:
                v = k + _MARGIN if k + _MARGIN <= self.hi else k - _MARGIN
        for p in self._avoid(smooth):
            if abs(v - p) < _MARGIN:
                v = p + 2 * _MARGIN if p + 2 * _MARGIN <= self.hi else p - 2 * _MARGIN
        return v
