"""Op specs for the complex-number ops (see _op_specs.py for the format).

The op suite draws real tensors, so each spec builds its complex values from them with
torch.complex and reads the result back as real numbers (view_as_real, .real, .abs()): the
values, the gradients (finite differences in float64, PyTorch's on the same inputs) and the
grad_fn names all go through the complex ops and PyTorch's convention for complex gradients.
"""
import numpy as np

from ._case_builders import REAL, binary, unary
from ._domains import Domain
from ._op_specs import POSITIVE, spec

_UPPER = Domain(0.25, 4.0)  # an imaginary part away from angle's branch cut


def _pairs(a, b):
    return np.stack([a, b], axis=-1)


spec("complex", lambda T, a, b: T.view_as_real(T.complex(a, b)), binary(same_shape=True), _pairs)
# products with 2j only: a general complex product rounds differently in PyTorch (fused multiply-adds)
spec("view_as_real", lambda T, a, b: T.view_as_real(T.complex(a, b) * 2j), binary(same_shape=True),
     lambda a, b: _pairs(-2 * b, 2 * a))
spec("view_as_complex", lambda T, a, b: (T.view_as_complex(T.stack([a, b], -1)) * 2j).real,
     binary(same_shape=True), lambda a, b: -2 * b)
spec("real.complex", lambda T, a, b: T.complex(a, b).real * 2, binary(same_shape=True), lambda a, b: a * 2)
spec("imag.complex", lambda T, a, b: T.complex(a, b).imag * 2, binary(same_shape=True), lambda a, b: b * 2)
spec("conj", lambda T, a, b: T.view_as_real(T.complex(a, b).conj() * 2j), binary(same_shape=True),
     lambda a, b: _pairs(2 * b, 2 * a))
spec("conj_physical", lambda T, a, b: T.view_as_real(T.complex(a, b).conj_physical()), binary(same_shape=True),
     lambda a, b: _pairs(a, -b))
spec("angle", lambda T, a, b: T.angle(T.complex(a, b)), binary(REAL, _UPPER, same_shape=True), lambda a, b: np.arctan2(b, a))
spec("angle.real", lambda T, x: T.angle(x), unary(Domain(exclude=(0.0,))), np.angle)
spec("polar", lambda T, r, t: T.view_as_real(T.polar(r, t)), binary(POSITIVE, REAL, same_shape=True),
     lambda r, t: _pairs(r * np.cos(t), r * np.sin(t)))
