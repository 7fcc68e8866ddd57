"""The orthogonal polynomials of torch.special, P_n(x) elementwise for a tensor (or number) of degrees n.

Each is its three-term recurrence, run to the largest degree present with `lax.while_loop` and read off
where the step equals an element's degree, with PyTorch's special cases: degree < 0 gives 0, a degree
that is not an integer is truncated, x = +-1 (the end of the interval) is exact, and Chebyshev's
polynomials of high degree inside (-1, 1) come from their trigonometric forms. Not differentiable.
"""
import jax.numpy as jnp
from jax import lax


def _recurrence(n, p0, p1, step):
    """P_n from P_0 = p0, P_1 = p1 and P_(k+1) = step(k, P_(k-1), P_k), elementwise in n (>= 0 integers)."""
    top = jnp.max(n, initial=1)

    def body(carry):
        k, prev, cur, out = carry
        nxt = step(k, prev, cur)
        out = jnp.where(n == k + 1, nxt, out)
        return k + 1, cur, nxt, out

    out = jnp.where(n == 0, p0, p1)
    start = (jnp.ones((), n.dtype), p0, p1, out)
    return lax.while_loop(lambda c: c[0] < top, body, start)[3]


def _degree(n):
    return jnp.trunc(n).astype(jnp.int64) if jnp.issubdtype(n.dtype, jnp.floating) else n.astype(jnp.int64)


def _prepare(x, n, dt):
    x, n = jnp.broadcast_arrays(jnp.asarray(x, dt), jnp.asarray(n))
    n = _degree(n)
    return x, n, jnp.maximum(n, 0)


def _finish(n, out):
    return jnp.where(n < 0, jnp.zeros_like(out), out)


def _two(x):
    return x + x


def _chebyshev(x, n, dt, kind):
    x, n, m = _prepare(x, n, dt)
    one = jnp.ones_like(x)
    first = {"t": x, "u": _two(x), "v": _two(x) - 1, "w": _two(x) + 1}[kind]
    out = _recurrence(m, one, first, lambda k, p, q: _two(x) * q - p)
    mf = m.astype(dt)
    odd = (m % 2) == 1
    theta = jnp.arccos(jnp.clip(x, -1, 1))
    inside = jnp.abs(x) < 1
    if kind == "t":
        edge = jnp.where((x > 0) | ~odd, one, -one)
        trig = jnp.cos(mf * theta)
        big = m > 6
    elif kind == "u":
        edge = jnp.where((x > 0) | ~odd, mf + 1, -(mf + 1))
        s = jnp.sin(theta)
        trig = jnp.where(s != 0, jnp.sin((mf + 1) * theta) / jnp.where(s != 0, s, 1),
                         (mf + 1) * jnp.cos((mf + 1) * theta) / x)
        big = m > 8
    elif kind == "v":
        edge = jnp.where(x > 0, one, jnp.where(~odd, mf + mf + 1, -(mf + mf + 1)))
        half = jnp.cos(theta / 2)
        trig = jnp.where(jnp.sin(theta / 2) != 1, jnp.cos((mf + 0.5) * theta) / jnp.where(half != 0, half, 1), edge)
        big = m > 8
    else:
        edge = jnp.where(x > 0, mf + mf + 1, jnp.where(~odd, one, -one))
        half = jnp.sin(theta / 2)
        trig = jnp.where(jnp.cos(theta / 2) != 1, jnp.sin((mf + 0.5) * theta) / jnp.where(half != 0, half, 1), edge)
        big = m > 8
    out = jnp.where(big & inside, trig, out)
    out = jnp.where(jnp.abs(x) == 1, edge, out)
    return _finish(n, out)


def chebyshev(kind, shifted=False):
    def impl(x, n, dt):
        if shifted:
            x = jnp.asarray(x, dt)
            x = x + x - 1
        return _chebyshev(x, n, dt, kind)

    return impl


def hermite_h(x, n, dt):
    x, n, m = _prepare(x, n, dt)
    out = _recurrence(m, jnp.ones_like(x), _two(x), lambda k, p, q: _two(x) * q - (2 * k).astype(dt) * p)
    return _finish(n, out)


def hermite_he(x, n, dt):
    x, n, m = _prepare(x, n, dt)
    out = _recurrence(m, jnp.ones_like(x), x, lambda k, p, q: x * q - k.astype(dt) * p)
    return _finish(n, out)


def laguerre_l(x, n, dt):
    x, n, m = _prepare(x, n, dt)
    one = jnp.ones_like(x)

    def step(k, p, q):
        kf = k.astype(dt)
        return ((kf + kf + (1 - x)) * q - kf * p) / (kf + 1)

    out = _recurrence(m, one, one - x, step)
    return _finish(n, jnp.where(x == 0, one, out))


def legendre_p(x, n, dt):
    x, n, m = _prepare(x, n, dt)
    one = jnp.ones_like(x)

    def step(k, p, q):
        kf = k.astype(dt)
        return ((kf + kf + 1) * x * q - kf * p) / (kf + 1)

    out = _recurrence(m, one, x, step)
    edge = jnp.where((x > 0) | (m % 2 == 0), one, -one)
    return _finish(n, jnp.where(jnp.abs(x) == 1, edge, out))


POLYNOMIALS = {
    "chebyshev_polynomial_t": chebyshev("t"), "chebyshev_polynomial_u": chebyshev("u"),
    "chebyshev_polynomial_v": chebyshev("v"), "chebyshev_polynomial_w": chebyshev("w"),
    "shifted_chebyshev_polynomial_t": chebyshev("t", True), "shifted_chebyshev_polynomial_u": chebyshev("u", True),
    "shifted_chebyshev_polynomial_v": chebyshev("v", True), "shifted_chebyshev_polynomial_w": chebyshev("w", True),
    "hermite_polynomial_h": hermite_h, "hermite_polynomial_he": hermite_he,
    "laguerre_polynomial_l": laguerre_l, "legendre_polynomial_p": legendre_p,
}
