"""Bessel and Airy functions for torch.special, in pure JAX (jax.scipy.special lacks most of them).

PyTorch does not differentiate these (their outputs never require grad), so the implementations only
need values. Each is computed in float64 and cast to the result dtype by its op:
* J0, J1, Y0, Y1: power series up to |x| = 8, Miller's backward recurrence (normalised by
  J0 + 2 (J2 + J4 + ...) = 1) with Neumann's series for Y up to 25, Hankel's expansion beyond;
* K0, K1 (and e^x K): the trapezoidal rule on K_v(x) = int_0^inf exp(-x cosh t) cosh(v t) dt, exact to
  rounding for an integrand this smooth;
* Ai: its Maclaurin series on [-7, 1], K_{1/3} for x > 1, the oscillatory expansion below -7.
"""
import math

import jax.numpy as jnp

_EULER = 0.5772156649015329
_SMALL, _LARGE = 8.0, 25.0


def _f64(x):
    return jnp.asarray(x).astype(jnp.float64)


# ---- J and Y -------------------------------------------------------------------------------------
def _series_j(x, n, terms=40):
    """J_n(x) = sum_k (-1)^k (x/2)^(2k+n) / (k! (k+n)!), n in {0, 1}."""
    q = -(x * x) / 4
    term = jnp.where(n == 0, jnp.ones_like(x), x / 2)
    total = term
    for k in range(1, terms):
        term = term * q / (k * (k + n))
        total = total + term
    return total


def _series_y0(x, terms=40):
    """Y0(x) = (2/pi) [(log(x/2) + gamma) J0(x) + sum_k (-1)^(k+1) H_k (x^2/4)^k / (k!)^2]."""
    q = (x * x) / 4
    term, harmonic, tail = jnp.ones_like(x), 0.0, jnp.zeros_like(x)
    for k in range(1, terms):
        term = -term * q / (k * k)
        harmonic += 1.0 / k
        tail = tail - harmonic * term
    return (2 / math.pi) * ((jnp.log(x / 2) + _EULER) * _series_j(x, 0) + tail)


def _series_y1(x, terms=40):
    """Y1(x) = (2/pi) (log(x/2) + gamma) J1 - 2/(pi x) - (1/pi) sum_k (-1)^k (H_k + H_(k+1)) (x/2)^(2k+1) / (k! (k+1)!),
    H_k the harmonic numbers (H_0 = 0)."""
    q = -(x * x) / 4
    term = x / 2
    h_k, h_k1 = 0.0, 1.0
    total = term * (h_k + h_k1)
    for k in range(1, terms):
        term = term * q / (k * (k + 1))
        h_k, h_k1 = h_k1, h_k1 + 1.0 / (k + 1)
        total = total + term * (h_k + h_k1)
    j1 = _series_j(x, 1)
    return (2 / math.pi) * ((jnp.log(x / 2) + _EULER) * j1) - 2 / (math.pi * x) - total / math.pi


def _miller(x, top=96):
    """J_0 .. J_top(x) by backward recurrence, normalised (list of arrays)."""
    nxt, cur = jnp.zeros_like(x), jnp.full_like(x, 1e-30)
    vals = [None] * (top + 1)
    vals[top] = cur
    for k in range(top, 0, -1):
        nxt, cur = cur, (2 * k / x) * cur - nxt
        vals[k - 1] = cur
    norm = vals[0] + 2 * sum(vals[k] for k in range(2, top + 1, 2))
    return [v / norm for v in vals]


def _miller_jy(x):
    j = _miller(x)
    log_term = jnp.log(x / 2) + _EULER
    neumann0 = sum(((-1) ** (k + 1)) * j[2 * k] / k for k in range(1, len(j) // 2))
    y0 = (2 / math.pi) * (log_term * j[0] + 2 * neumann0)
    neumann1 = sum(((-1) ** (k + 1)) * (j[2 * k - 1] - j[2 * k + 1]) / k for k in range(1, (len(j) - 1) // 2))
    y1 = (2 / math.pi) * (log_term * j[1] - j[0] / x - neumann1)
    return j[0], j[1], y0, y1


def _hankel(x, n, terms=20):
    """Hankel's expansion: (J_n, Y_n) = sqrt(2/(pi x)) (P cos w - Q sin w, P sin w + Q cos w), w = x - n pi/2 - pi/4."""
    mu = 4.0 * n * n
    p, q = jnp.ones_like(x), jnp.zeros_like(x)
    coef = 1.0
    for k in range(1, 2 * terms):
        coef = coef * (mu - (2 * k - 1) ** 2) / (k * 8)
        term = coef / x**k
        if k % 2:
            q = q + (term if k % 4 == 1 else -term)
        else:
            p = p + (term if k % 4 == 0 else -term)
    w = x - (n * math.pi / 2 + math.pi / 4)
    s = jnp.sqrt(2 / (math.pi * x))
    return s * (p * jnp.cos(w) - q * jnp.sin(w)), s * (p * jnp.sin(w) + q * jnp.cos(w))


def _pieces(a):
    """(small, middle, large) copies of a >= 0, each kept inside its method's range."""
    small = jnp.where(a <= _SMALL, a, 1.0)
    middle = jnp.where((a > _SMALL) & (a < _LARGE), a, 10.0)
    large = jnp.where(a >= _LARGE, a, 30.0)
    return small, middle, large


def _choose(a, s, m, l):
    return jnp.where(a <= _SMALL, s, jnp.where(a < _LARGE, m, l))


def bessel_j0(x):
    a = jnp.abs(_f64(x))
    s, m, l = _pieces(a)
    return _choose(a, _series_j(s, 0), _miller_jy(m)[0], _hankel(l, 0)[0])


def bessel_j1(x):
    x = _f64(x)
    a = jnp.abs(x)
    s, m, l = _pieces(a)
    return jnp.sign(x) * _choose(a, _series_j(s, 1), _miller_jy(m)[1], _hankel(l, 1)[0])


def _bessel_y(x, n):
    x = _f64(x)
    s, m, l = _pieces(jnp.where(x > 0, x, 1.0))
    series = _series_y0(s) if n == 0 else _series_y1(s)
    out = _choose(x, series, _miller_jy(m)[2 + n], _hankel(l, n)[1])
    return jnp.where(x > 0, out, jnp.where(x == 0, -jnp.inf, jnp.nan))


def bessel_y0(x):
    return _bessel_y(x, 0)


def bessel_y1(x):
    return _bessel_y(x, 1)


# ---- K -------------------------------------------------------------------------------------------
_NODES = jnp.arange(0, 300)


def _step(x):
    """the rule's step: 0.1 (nodes up to t = 30, where x (cosh t - 1) > 700 for x >= 1e-10), finer for large x, where the
    integrand is a bump of width about 1 / sqrt(x)"""
    return jnp.minimum(0.1, 0.3 / jnp.sqrt(x))


def scaled_k(x, v):
    """e^x K_v(x) for x > 0 (trapezoidal rule on the even integrand exp(-x (cosh t - 1)) cosh(v t))."""
    x = _f64(x)
    safe = jnp.where(x > 0, x, 1.0)[..., None]
    h = _step(safe)
    t = _NODES * h
    decay = jnp.exp(-safe * (jnp.cosh(t) - 1))
    f = decay * jnp.cosh(v * t)
    val = h[..., 0] * (jnp.sum(f, axis=-1) - f[..., 0] / 2)
    return jnp.where(x > 0, val, jnp.where(x == 0, jnp.inf, jnp.nan))


def modified_bessel_k(x, v):
    x = _f64(x)
    return scaled_k(x, v) * jnp.exp(-jnp.where(x > 0, x, 0.0))


# ---- Airy Ai -------------------------------------------------------------------------------------
_AI0 = 0.3550280538878172  # Ai(0) = 1 / (3^(2/3) Gamma(2/3))
_AI1 = 0.2588194037928068  # -Ai'(0) = 1 / (3^(1/3) Gamma(1/3))


def _airy_series(x, terms=70):
    """Ai(x) = Ai(0) f(x) + Ai'(0) g(x), f = sum x^(3k) / ((2*3)(5*6)...), g = sum x^(3k+1) / ((3*4)(6*7)...)."""
    x3 = x * x * x
    f_term, g_term = jnp.ones_like(x), x
    f, g = f_term, g_term
    for k in range(1, terms):
        f_term = f_term * x3 / ((3 * k - 1) * (3 * k))
        g_term = g_term * x3 / ((3 * k) * (3 * k + 1))
        f, g = f + f_term, g + g_term
    return _AI0 * f - _AI1 * g


def _airy_negative(x, terms=12):
    """Ai(-z), z > 0 large: pi^(-1/2) z^(-1/4) [sin(w + pi/4) sum (-1)^k u_2k w^-2k - cos(w + pi/4) sum (-1)^k u_(2k+1) w^-(2k+1)],
    w = (2/3) z^(3/2), u_k = u_(k-1) (6k-5)(6k-3)(6k-1) / ((2k-1) 216 k)."""
    z = -x
    w = (2.0 / 3.0) * z * jnp.sqrt(z)
    u, even, odd = 1.0, jnp.ones_like(z), jnp.zeros_like(z)
    for k in range(1, 2 * terms):
        u = u * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k)
        term = u / w**k
        sign = -1.0 if (k // 2) % 2 else 1.0
        if k % 2:
            odd = odd + sign * term
        else:
            even = even + sign * term
    phase = w + math.pi / 4
    return (jnp.sin(phase) * even - jnp.cos(phase) * odd) / (math.sqrt(math.pi) * z**0.25)


def airy_ai(x):
    x = _f64(x)
    neg = jnp.where(x < -7.0, x, -8.0)
    mid = jnp.where((x >= -7.0) & (x <= 1.0), x, 0.0)
    pos = jnp.where(x > 1.0, x, 2.0)
    w = (2.0 / 3.0) * pos * jnp.sqrt(pos)
    right = jnp.sqrt(pos / 3) / math.pi * scaled_k(w, 1.0 / 3.0) * jnp.exp(-w)
    out = jnp.where(x < -7.0, _airy_negative(neg), jnp.where(x <= 1.0, _airy_series(mid), right))
    return jnp.where(jnp.isinf(x), jnp.nan, out)  # PyTorch: NaN at both infinities
