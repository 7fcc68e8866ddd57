"""gradcheck / gradgradcheck: compare analytical gradients with finite differences.

The numerical Jacobian comes from central differences, (f(x + eps) - f(x - eps)) / 2eps, on
fresh copies of the inputs (the caller's tensors are never modified). The analytical one comes
from `facade.autograd.grad`, one backward pass per output element with a one-hot grad_output.
Both are laid out as PyTorch lays them out: one (input numel, output numel) matrix per
(input, output) pair, rows indexed by input elements.

`fast_mode=True` compares one number per (input, output) pair instead: u^T J v for random unit
vectors u (over the output) and v (over the input), numerically as a directional derivative
along v, analytically as a backward pass with grad_output u.
"""
import warnings

import numpy as np

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


def _differentiable(out):
    """Whether gradcheck differentiates this output: it requires grad and is floating point (or complex)."""
    return out.requires_grad and (out.dtype.is_floating_point or out.dtype.is_complex)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def _is_tensor(x):
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def _numpy(t):
    return np.array(t._array())


def _tensor(values, like, requires_grad=False):
    """A fresh leaf holding `values`, with `like`'s dtype and device."""
    from .. import tensor

    out = tensor(np.asarray(values).astype(like.dtype.np), dtype=like.dtype, device=like.device)
    return out.requires_grad_() if requires_grad else out


def _show(values, dtype):
    """A Jacobian printed as PyTorch prints it: a tensor of the given dtype."""
    from .. import tensor

    return repr(tensor(np.asarray(values).astype(dtype.np), dtype=dtype))


# ---- the function under test ---------------------------------------------------------------
class _Problem:
    """func, its inputs, which of them are differentiated, and its outputs at the inputs."""

    def __init__(self, func, inputs):
        self.func = func
        self.inputs = _as_tuple(inputs)
        self.wrt = [i for i, x in enumerate(self.inputs) if _is_tensor(x) and x.requires_grad]
        if not self.wrt:
            raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                             "but none of them have requires_grad=True.")
        self.outputs = self.call(self.inputs)
        for o in self.outputs:  # compute the forward now, so backward passes replay the same program
            o._value()

    def call(self, inputs):
        return tuple(o for o in _as_tuple(self.func(*inputs)) if _is_tensor(o))

    def diff_inputs(self):
        return [self.inputs[i] for i in self.wrt]

    def warn_precision(self):
        for k, i in enumerate(self.wrt):
            if self.inputs[i].dtype.name not in ("float64", "complex128"):
                warnings.warn(
                    f"Input #{k} requires gradient and is not a double precision floating point or complex. This "
                    "check will likely fail if all the inputs are not of double precision floating point or complex. ",
                    UserWarning, stacklevel=3)

    def perturbed(self, which, delta):
        """Outputs (as numpy arrays) at the inputs with input `which` (a position in wrt) moved by delta."""
        args = list(self.inputs)
        x = self.inputs[self.wrt[which]]
        args[self.wrt[which]] = _tensor(_numpy(x) + delta, x, requires_grad=True)
        return [_numpy(o).astype(np.float64) for o in self.call(args)]


# ---- numerical ------------------------------------------------------------------------------
def _numerical(problem, eps):
    """J[input k][output j]: a (numel of input, numel of output) array of central differences."""
    jac = []
    for k, i in enumerate(problem.wrt):
        x = problem.inputs[i]
        rows = []
        for e in range(x.numel()):
            delta = np.zeros(tuple(x.shape))
            delta.reshape(-1)[e] = eps
            plus, minus = problem.perturbed(k, delta), problem.perturbed(k, -delta)
            rows.append([((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)])
        jac.append([np.array([r[j] for r in rows]).reshape(x.numel(), problem.outputs[j].numel())
                    for j in range(len(problem.outputs))])
    return jac


def _directional(problem, eps, v):
    """d(outputs)/d(input k) along v[k], per input: a list (per output) of flat arrays."""
    out = []
    for k in range(len(problem.wrt)):
        plus, minus = problem.perturbed(k, eps * v[k]), problem.perturbed(k, -eps * v[k])
        out.append([((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)])
    return out


# ---- analytical -----------------------------------------------------------------------------
def _backward(problem, j, cotangent):
    """Gradients of output j with grad_output `cotangent` w.r.t. every differentiated input."""
    from . import grad

    out = problem.outputs[j]
    grads = grad(out, problem.diff_inputs(), _tensor(cotangent, out), retain_graph=True, allow_unused=True)
    return grads


def _check_grads(problem, grads, check_grad_dtypes):
    for g, x in zip(grads, problem.diff_inputs()):
        if g is None:
            continue
        if check_grad_dtypes and g.dtype is not x.dtype:
            raise GradcheckError("Gradient has dtype mismatch")
        if tuple(g.shape) != tuple(x.shape):
            raise GradcheckError("Analytical gradient has incorrect size")


def _grad_values(grads, problem):
    return [np.zeros(x.numel()) if g is None else _numpy(g).astype(np.float64).reshape(-1)
            for g, x in zip(grads, problem.diff_inputs())]


def _analytical(problem, check_grad_dtypes, nondet_tol):
    """J[input k][output j] from one backward pass per output element."""
    sizes = [x.numel() for x in problem.diff_inputs()]
    jac = [[np.zeros((n, o.numel())) for o in problem.outputs] for n in sizes]
    for j, out in enumerate(problem.outputs):
        if not _differentiable(out):
            continue
        for e in range(out.numel()):
            onehot = np.zeros(tuple(out.shape))
            onehot.reshape(-1)[e] = 1.0
            grads = _backward(problem, j, onehot)
            _check_grads(problem, grads, check_grad_dtypes)
            for k, g in enumerate(_grad_values(grads, problem)):
                jac[k][j][:, e] = g
            if e == 0:
                _check_reentrant(problem, j, onehot, _grad_values(grads, problem), nondet_tol)
    return jac


def _check_reentrant(problem, j, cotangent, first, nondet_tol):
    """Two more backward passes with the same grad_output must agree to nondet_tol.

    Not compared with `first`: facade runs a graph op by op the first time and compiled after,
    and the two may differ in the last bit (XLA fuses); two compiled replays may not differ.
    """
    first = _grad_values(_backward(problem, j, cotangent), problem)
    again = _grad_values(_backward(problem, j, cotangent), problem)
    for a, b in zip(first, again):
        if a.size and np.max(np.abs(a - b)) > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and grad_output multiple times "
                "gives different values, although analytical gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}.")


# ---- comparing ------------------------------------------------------------------------------
def _close(a, n, rtol, atol):
    return np.all(np.abs(a - n) <= atol + rtol * np.abs(n))


def _element(shape, flat):
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _mismatch_message(problem, k, j, num, ana):
    x, out = problem.diff_inputs()[k], problem.outputs[j]
    diff = np.abs(ana - num)
    r, c = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return (f"Jacobian mismatch for output {j} with respect to input {k},\n"
            f"numerical:{_show(num, out.dtype)}\nanalytical:{_show(ana, x.dtype)}\n\n"
            f"The largest difference is for input {k} element {_element(tuple(x.shape), r)} and output {j} element "
            f"{_element(tuple(out.shape), c)}: numerical {float(num[r, c])!r}, analytical {float(ana[r, c])!r}.\n")


def _check_nondifferentiable_outputs(problem, num, atol):
    for k in range(len(problem.wrt)):
        for j, out in enumerate(problem.outputs):
            if not _differentiable(out) and not np.allclose(num[k][j], 0.0, rtol=0.0, atol=atol):
                raise GradcheckError("Numerical gradient for function expected to be zero")


def _slow_check(problem, eps, atol, rtol, check_grad_dtypes, nondet_tol):
    num = _numerical(problem, eps)
    _check_nondifferentiable_outputs(problem, num, atol)
    ana = _analytical(problem, check_grad_dtypes, nondet_tol)
    for j, out in enumerate(problem.outputs):
        if not _differentiable(out):
            continue
        for k in range(len(problem.wrt)):
            if not _close(ana[k][j], num[k][j], rtol, atol):
                raise GradcheckError(_mismatch_message(problem, k, j, num[k][j], ana[k][j]))


def _unit(rng, shape):
    v = rng.standard_normal(shape)
    n = np.linalg.norm(v)
    return v / n if n else v


def _fast_check(problem, eps, atol, rtol, check_grad_dtypes, nondet_tol):
    rng = np.random.default_rng(0)
    v = [_unit(rng, tuple(x.shape)) for x in problem.diff_inputs()]
    u = [_unit(rng, tuple(o.shape)) for o in problem.outputs]
    num = _directional(problem, eps, v)
    for j, out in enumerate(problem.outputs):
        if not _differentiable(out):
            if any(not np.allclose(num[k][j], 0.0, rtol=0.0, atol=atol) for k in range(len(v))):
                raise GradcheckError("Numerical gradient for function expected to be zero")
            continue
        grads = _backward(problem, j, u[j])
        _check_grads(problem, grads, check_grad_dtypes)
        for k, g in enumerate(_grad_values(grads, problem)):
            a = float(g @ v[k].reshape(-1))
            n = float(num[k][j] @ u[j].reshape(-1))
            if not abs(a - n) <= atol + rtol * abs(n):
                raise GradcheckError(_fast_message(problem, k, j, n, a, eps, check_grad_dtypes, nondet_tol))


def _fast_message(problem, k, j, n, a, eps, check_grad_dtypes, nondet_tol):
    num = _numerical(problem, eps)[k][j]
    ana = _analytical(problem, check_grad_dtypes, nondet_tol)[k][j]
    slow = _mismatch_message(problem, k, j, num, ana).split("\n\n", 1)[1]
    return (f"Jacobian mismatch for output {j} with respect to input {k},\nnumerical:{n!r}\nanalytical:{a!r}\n\n"
            "The above quantities relating the numerical and analytical jacobians are computed \n"
            "in fast mode (u^T J v for random unit vectors u and v). Below, we recompute numerical and analytical "
            "jacobians in slow mode:\n\n"
            f"Numerical:\n {_show(num, problem.outputs[j].dtype)}\nAnalytical:\n{_show(ana, problem.inputs[problem.wrt[k]].dtype)}\n\n"
            f"The max per-element difference (slow mode) is: {float(np.max(np.abs(num - ana)))}.\n{slow}")


def _check_undefined_grad(problem):
    """Zero grad_outputs (PyTorch's stand-in for undefined ones) must give zero input gradients."""
    for j, out in enumerate(problem.outputs):
        if not _differentiable(out):
            continue
        for g in _grad_values(_backward(problem, j, np.zeros(tuple(out.shape))), problem):
            if np.any(g != 0):
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are undefined or zero. "
                    'Please look at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"')


def _unsupported(check_forward_ad, check_batched_forward_grad):
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("facade has no forward-mode AD: check_forward_ad and check_batched_forward_grad "
                                  "are not supported")


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """Check the gradients of `func` at `inputs` against finite differences (see torch.autograd.gradcheck).

    Returns True, or raises GradcheckError (returns False when raise_exception=False).
    check_batched_grad is accepted and has nothing extra to check in facade (gradients are
    computed one grad_output at a time); masked is accepted for dense tensors.
    """
    _unsupported(check_forward_ad, check_batched_forward_grad)
    problem = _Problem(func, inputs)
    problem.warn_precision()
    if not check_backward_ad:
        return True
    try:
        check = _fast_check if fast_mode else _slow_check
        check(problem, eps, atol, rtol, check_grad_dtypes, nondet_tol)
        if check_undefined_grad:
            _check_undefined_grad(problem)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _random_like(out, seed):
    rng = np.random.default_rng(seed)
    return _tensor(rng.uniform(-1.0, 1.0, tuple(out.shape)), out, requires_grad=True)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """Check second derivatives: gradcheck of the function inputs, grad_outputs -> d(func)/d(inputs) . grad_outputs.

    Random grad_outputs (uniform in [-1, 1], fixed seed) are used when none are given.
    """
    from . import grad

    _unsupported(check_fwd_over_rev, False)
    inputs = _as_tuple(inputs)
    problem = _Problem(func, inputs)
    outs = [o for o in problem.outputs if _differentiable(o)]
    if grad_outputs is None:
        grad_outputs = tuple(_random_like(o, seed) for seed, o in enumerate(outs))
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n], args[n:]
        wrt = [x for x in ins if _is_tensor(x) and x.requires_grad]
        outputs = [o for o in _as_tuple(func(*ins)) if _is_tensor(o) and _differentiable(o)]
        grads = grad(outputs, wrt, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     masked=masked)
