"""torch.special: aliases of facade's ops where PyTorch's are aliases (expit is sigmoid, psi is digamma, ...),
ndtr as PyTorch's chain of ops, and the native ops declared in facade/_ops/special_ops.py."""
import math as _math

from . import _api  # noqa: F401 - the op table and its frontends
from ._dispatch import record as _record
from ._ops import special_ops as _ops
from ._ops.frontend import FUNCTIONS as _F
from ._ops.frontend import promote as _promote
from ._ops.frontend import type_name as _type_name
from ._ops.margin_ops import ADD_NUMBER as _ADD_NUMBER
from ._ops.scans import _times


def _alias(name):
    fn = _F[name]

    def alias(input, *args, out=None, **kwargs):
        _ops._no_out(out)
        return fn(input, *args, **kwargs)

    return alias


expit = _alias("sigmoid")
erf = _alias("erf")
erfc = _alias("erfc")
erfinv = _alias("erfinv")
exp2 = _alias("exp2")
expm1 = _alias("expm1")
log1p = _alias("log1p")
sinc = _alias("sinc")
gammaln = _alias("lgamma")
digamma = _alias("digamma")
psi = _alias("digamma")
i0 = _alias("i0")
xlogy = _alias("xlogy")
logit = _alias("logit")
multigammaln = _alias("mvlgamma")


def round(input, *, decimals=0, out=None):
    _ops._no_out(out)
    if input.dtype.category < 2:  # unlike torch.round, which returns integers unchanged
        raise NotImplementedError(f'"round_vml_cpu" not implemented for \'{_type_name(input.dtype)}\'')
    return _F["round"](input, decimals=decimals)


def polygamma(n, input, *, out=None):
    _ops._no_out(out)
    return _F["polygamma"](n, input)


def logsumexp(input, dim, keepdim=False, *, out=None):
    _ops._no_out(out)
    return _F["logsumexp"](input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    return _F["softmax"](input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _F["log_softmax"](input, dim, dtype=dtype)


def ndtr(input, *, out=None):
    """(1 + erf(x / sqrt 2)) / 2, as PyTorch: MulBackward1 <- AddBackward1 <- ErfBackward0 <- MulBackward1."""
    _ops._no_out(out)
    e = _times(input, _math.sqrt(0.5)).erf()
    return _times(_record(_ADD_NUMBER, (e, 1.0), (_promote(e, 1.0).np,)), 0.5)


xlog1py = _ops.xlog1py
zeta = _ops.zeta
gammainc = _ops.gammainc
gammaincc = _ops.gammaincc

entr = _ops.unary("entr")
erfcx = _ops.unary("erfcx")
i0e = _ops.unary("i0e")
i1 = _ops.unary("i1")
i1e = _ops.unary("i1e")
ndtri = _ops.unary("ndtri")
log_ndtr = _ops.unary("log_ndtr")
bessel_j0 = _ops.unary("bessel_j0")
bessel_j1 = _ops.unary("bessel_j1")
bessel_y0 = _ops.unary("bessel_y0")
bessel_y1 = _ops.unary("bessel_y1")
modified_bessel_i0 = _ops.unary("modified_bessel_i0")
modified_bessel_i1 = _ops.unary("modified_bessel_i1")
modified_bessel_k0 = _ops.unary("modified_bessel_k0")
modified_bessel_k1 = _ops.unary("modified_bessel_k1")
scaled_modified_bessel_k0 = _ops.unary("scaled_modified_bessel_k0")
scaled_modified_bessel_k1 = _ops.unary("scaled_modified_bessel_k1")
spherical_bessel_j0 = _ops.unary("spherical_bessel_j0")
airy_ai = _ops.unary("airy_ai")
chebyshev_polynomial_t = _ops.polynomial("chebyshev_polynomial_t")
chebyshev_polynomial_u = _ops.polynomial("chebyshev_polynomial_u")
chebyshev_polynomial_v = _ops.polynomial("chebyshev_polynomial_v")
chebyshev_polynomial_w = _ops.polynomial("chebyshev_polynomial_w")
shifted_chebyshev_polynomial_t = _ops.polynomial("shifted_chebyshev_polynomial_t")
shifted_chebyshev_polynomial_u = _ops.polynomial("shifted_chebyshev_polynomial_u")
shifted_chebyshev_polynomial_v = _ops.polynomial("shifted_chebyshev_polynomial_v")
shifted_chebyshev_polynomial_w = _ops.polynomial("shifted_chebyshev_polynomial_w")
hermite_polynomial_h = _ops.polynomial("hermite_polynomial_h")
hermite_polynomial_he = _ops.polynomial("hermite_polynomial_he")
laguerre_polynomial_l = _ops.polynomial("laguerre_polynomial_l")
legendre_polynomial_p = _ops.polynomial("legendre_polynomial_p")

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
