"""torch.backends.mkl: not a backend of facade (XLA computes every op)."""
from ._unavailable import is_available  # noqa: F401
