"""Padding layers: Zero/Constant/Reflection/Replication/CircularPad{1,2,3}d over F.pad."""

from .. import functional as F
from .module import Module

__all__ = []


class _Pad(Module):
    _mode = "constant"
    _dims = 1  # how many trailing dimensions are padded

    def __init__(self, padding, value=0.0):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self._dims)
        self.padding = tuple(padding)
        if self._mode == "constant":
            self.value = value

    def forward(self, input):
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPad(_Pad):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


def _declare(prefix, base, mode):
    for n in (1, 2, 3):
        name = f"{prefix}{n}d"
        globals()[name] = type(name, (base,), {"_mode": mode, "_dims": n, "__module__": __name__})
        __all__.append(name)


_declare("ZeroPad", _ZeroPad, "constant")
_declare("ConstantPad", _ConstantPad, "constant")
_declare("ReflectionPad", _Pad, "reflect")
_declare("ReplicationPad", _Pad, "replicate")
_declare("CircularPad", _Pad, "circular")
