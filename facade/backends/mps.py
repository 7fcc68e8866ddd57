"""torch.backends.mps: not a backend of facade (XLA computes every op)."""
from ._unavailable import is_available  # noqa: F401
from ._unavailable import is_built  # noqa: F401
