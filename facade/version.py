"""torch.version: build information, and TorchVersion, the str that torch.__version__ is.

facade follows PyTorch 2.13's API and has no CUDA/ROCm/XPU build of its own (it reaches GPUs through
JAX), so cuda, hip, rocm and xpu are None as in PyTorch's CPU build. TorchVersion compares as a
version against strings and tuples, as PyTorch's does: `torch.__version__ >= "2.9"` and
`torch.__version__ >= (2, 1)` are True.
"""
import re

__all__ = ["TorchVersion", "__version__", "cuda", "hip", "rocm", "xpu", "git_version", "debug"]

_PEP440 = re.compile(r"v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|rc|c|pre|preview)[-_.]?(\d*))?"
                     r"(?:[-_.]?post[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?",
                     re.IGNORECASE)
_PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


def _key(text):
    """A sort key for a PEP 440 version (release, pre-release, post, dev, local), or None if it is not one."""
    m = _PEP440.fullmatch(text.strip())
    if m is None:
        return None
    release, pre, pre_n, post, dev, local = m.groups()
    nums = [int(p) for p in release.split(".")]
    while len(nums) > 1 and nums[-1] == 0:
        nums.pop()
    if pre is not None:
        pre_key = (0, _PRE[pre.lower()], int(pre_n or 0))
    elif dev is not None and post is None:
        pre_key = (-1,)
    else:
        pre_key = (1,)
    post_key = (-1,) if post is None else (int(post or 0),)
    dev_key = (1,) if dev is None else (0, int(dev or 0))
    local_key = () if local is None else tuple(
        (1, int(s)) if s.isdigit() else (0, s.lower()) for s in re.split(r"[-_.]", local))
    return (tuple(nums), pre_key, post_key, dev_key, local_key)


class TorchVersion(str):
    """A str that compares as a version against strings and tuples ((2, 1) means "2.1")."""

    __slots__ = ()

    def _cmp(self, other, op):
        if isinstance(other, (tuple, list)):
            other = ".".join(str(p) for p in other)
        if isinstance(other, str):
            a, b = _key(self), _key(other)
            if a is not None and b is not None:
                return op(a, b)
        return getattr(str, f"__{op.__name__}__")(self, other)

    def __lt__(self, other):
        return self._cmp(other, _lt)

    def __le__(self, other):
        return self._cmp(other, _le)

    def __gt__(self, other):
        return self._cmp(other, _gt)

    def __ge__(self, other):
        return self._cmp(other, _ge)

    def __eq__(self, other):
        return self._cmp(other, _eq)

    __hash__ = str.__hash__


def _lt(a, b):
    return a < b


def _le(a, b):
    return a <= b


def _gt(a, b):
    return a > b


def _ge(a, b):
    return a >= b


def _eq(a, b):
    return a == b


_lt.__name__, _le.__name__, _gt.__name__, _ge.__name__, _eq.__name__ = "lt", "le", "gt", "ge", "eq"

__version__ = TorchVersion("2.13.0+facade.0.1.0")  # the PyTorch API it follows, then facade's own version
cuda = None
hip = None
rocm = None
xpu = None
debug = False
git_version = "Unknown"
