"""Running the same layer in PyTorch and facade and comparing values, gradients, grad_fn names.

Weights are copied from the torch module into the facade one through numpy; inputs are
numpy arrays turned into a tensor of each library."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import facade

TOL = {np.dtype("float32"): dict(rtol=1e-5, atol=1e-5), np.dtype("float64"): dict(rtol=1e-10, atol=1e-12)}


def to_torch(a, requires_grad=False):
    return torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")


def to_facade(a, requires_grad=False):
    return facade.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")


def numpy_of(t):
    return t.detach().numpy() if t is not None else None


def grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def assert_close(actual, expected, dtype=None, scale=1.0, what=""):
    """actual (facade) against expected (torch); tolerances from the dtype, times scale."""
    a, e = np.asarray(numpy_of(actual)), np.asarray(numpy_of(expected))
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    tol = TOL.get(np.dtype(dtype or e.dtype), dict(rtol=0, atol=0))
    np.testing.assert_allclose(a, e, rtol=tol["rtol"] * scale, atol=tol["atol"] * scale, err_msg=what)


def copy_weights(torch_module, facade_module):
    state = {k: facade.tensor(v.detach().numpy()) for k, v in torch_module.state_dict().items()}
    facade_module.load_state_dict(state)


def run_both(tfn, ffn, arrays, grad=True, seed=0, scale=1.0, check_grad_fn=True, params=None):
    """Call tfn / ffn on the arrays (as tensors of each library), compare outputs, grad_fn names
    and, after backward with the same random output gradient, the gradients of the float
    inputs and of the (torch, facade) parameter pairs given."""
    t_in = [to_torch(a, grad) for a in arrays]
    f_in = [to_facade(a, grad) for a in arrays]
    t_out, f_out = tfn(*t_in), ffn(*f_in)
    assert_close(f_out, t_out, scale=scale, what="forward")
    if check_grad_fn:
        assert grad_fn_name(f_out) == grad_fn_name(t_out)
    if not grad or not t_out.requires_grad:
        return t_out, f_out
    g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(numpy_of(t_out).dtype)
    t_out.backward(torch.tensor(g))
    f_out.backward(facade.tensor(g))
    for i, (ti, fi) in enumerate(zip(t_in, f_in)):
        if ti.requires_grad:
            assert_close(fi.grad, ti.grad, scale=scale, what=f"grad of input {i}")
    for name, (tp, fp) in (params or {}).items():
        assert_close(fp.grad, tp.grad, scale=scale, what=f"grad of {name}")
    return t_out, f_out


def run_modules(tm, fm, arrays, grad=True, seed=0, scale=1.0):
    """run_both for a torch module and its facade twin (weights copied first)."""
    copy_weights(tm, fm)
    tparams, fparams = dict(tm.named_parameters()), dict(fm.named_parameters())
    assert list(tparams) == list(fparams)
    out = run_both(tm, fm, arrays, grad, seed, scale, params={k: (tparams[k], fparams[k]) for k in tparams})
    for (tk, tb), (fk, fb) in zip(tm.named_buffers(), fm.named_buffers()):
        assert tk == fk
        assert_close(fb, tb, scale=scale, what=f"buffer {tk}")
    return out


def raises_like(tfn, ffn):
    """Both raise, with the same exception type and message."""
    with pytest.raises(Exception) as te:
        tfn()
    with pytest.raises(Exception) as fe:
        ffn()
    assert type(fe.value) is type(te.value), (fe.value, te.value)
    assert str(fe.value) == str(te.value), f"facade: {fe.value!s}\n torch: {te.value!s}"


def data(seed, shape, dtype="float32", low=-3.0, high=3.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)
