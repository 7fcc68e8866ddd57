"""facade.testing: torch.testing's helpers, plus facade's own testing tools.

* `assert_close`, `make_tensor` — as torch.testing.
* `compare_with_torch` — run one function against facade and PyTorch, compare everything.
* `facade.testing.strategies` — hypothesis strategies for tensors, shapes, dims, indices and
  the arguments of every op (imported on demand: it needs hypothesis).
"""
from ._comparison import assert_close, default_tolerances
from ._make_tensor import make_tensor

__all__ = ["assert_close", "make_tensor", "compare_with_torch", "default_tolerances", "strategies"]


def __getattr__(name):
    import importlib

    if name == "compare_with_torch":
        from ._differential import compare_with_torch

        return compare_with_torch
    if name == "strategies":
        return importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(f"module 'facade.testing' has no attribute '{name}'")
