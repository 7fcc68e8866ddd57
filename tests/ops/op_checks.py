"""The checks the op suite runs on every drawn case of every op spec.

Each check takes an `OpCase` (facade/testing/_op_spec.py) and raises AssertionError (or
GradcheckError) on failure. They are plain functions so other tests can run them on ops
declared on the spot (see test_broken_op.py).
"""
import re

import numpy as np

import facade
from engine_modes import compile_first
from facade.autograd.gradcheck import gradcheck
from facade.testing import assert_close, compare_with_torch
from facade.testing._differential import weighted_sum


def outputs(result):
    """The tensors of a result (a tensor, or a tuple / namedtuple of them), flattened."""
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in outputs(r)]
    return [result] if isinstance(result, facade.Tensor) else []


def as_numpy(result):
    if isinstance(result, (tuple, list)):
        return [as_numpy(r) for r in result]
    return np.array(result.detach().numpy()) if isinstance(result, facade.Tensor) else np.asarray(result)


def _reference_as_list(ref):
    if isinstance(ref, (tuple, list)):
        return [_reference_as_list(r) for r in ref]
    return np.asarray(ref)


def check_reference(case, result=None):
    """facade's value equals the numpy reference (computed in float64 from the same inputs)."""
    spec = case.spec
    result = case.run(facade) if result is None else result
    tol = {} if spec.rtol is None else {"rtol": spec.rtol, "atol": spec.atol}
    assert_close(as_numpy(result), _reference_as_list(case.reference()), check_dtype=False, equal_nan=True, **tol)


def check_invariants(case):
    """Run the op with inputs requiring grad and check everything autograd promises about it."""
    tensors = case.tensors(facade, requires_grad=case.spec.differentiable)
    result = case.run(facade, tensors)
    check_reference(case, result)
    _check_unchanged(case, tensors)
    outs = [t for t in outputs(result) if t.requires_grad]
    for t in outputs(result):
        if t.requires_grad:
            assert t.dtype.is_floating_point, f"an output of dtype {t.dtype} requires grad"
    if outs:
        weighted_sum(facade, outs).backward()  # the loss compare_with_torch uses: it replays this graph
        _check_unchanged(case, tensors)
        for i, t in enumerate(tensors):
            if t.requires_grad and t.grad is not None:
                assert tuple(t.grad.shape) == tuple(t.shape), f"input {i}: grad shape {t.grad.shape} != {t.shape}"
                assert t.grad.dtype is t.dtype, f"input {i}: grad dtype {t.grad.dtype} != {t.dtype}"
    _check_no_grad(case)


def _check_unchanged(case, tensors):
    for i, (t, a) in enumerate(zip(tensors, case.arrays)):
        assert t._version == 0, f"input {i} was modified in place (version {t._version})"
        assert np.array_equal(np.asarray(t.detach().numpy()), a, equal_nan=True), f"input {i} changed"


def _check_no_grad(case):
    tensors = case.tensors(facade, requires_grad=True)
    with facade.no_grad():
        result = case.run(facade, tensors)
    for t in outputs(result):
        if any(t is x for x in tensors):  # an op may return its input itself (flatten of one dim)
            continue
        # (as PyTorch's, a view made under no_grad of a tensor that requires grad requires grad too,
        # with no grad_fn; any other output does not)
        assert t._view is not None or not t.requires_grad, "an output requires grad under no_grad()"
        assert t.grad_fn is None, f"an output has grad_fn {t.grad_fn} under no_grad()"


def check_gradcheck(case):
    """Analytical gradients match finite differences in float64."""
    case = case.astype(np.float64)
    tensors = case.tensors(facade, requires_grad=True)
    if not any(t.requires_grad for t in tensors):
        return
    spec = case.spec
    with compile_first():
        gradcheck(lambda *ts: case.run(facade, list(ts)), tuple(tensors), eps=spec.grad_eps, atol=spec.grad_atol,
                  rtol=spec.grad_rtol)


def check_torch(case):
    """Same values, dtypes, gradients, grad_fn names, reprs and errors as PyTorch."""
    tol = {} if case.spec.rtol is None else {"rtol": case.spec.rtol, "atol": case.spec.atol}
    # version counters only where the spec writes in place: elsewhere they are PyTorch internals
    compare_with_torch(lambda T, *ts: case.run(T, list(ts)), *case.arrays, grad=case.spec.differentiable,
                       check_version=case.spec.name.endswith(".graph"), **tol)


def check_inplace(case):
    """x.op_(...) returns x itself, bumps its version once and holds the out-of-place value."""
    expected = case.run(facade)
    tensors = case.tensors(facade)
    x = tensors[0]
    before = x._version
    try:
        out = case.run_inplace(tensors)
    except RuntimeError:
        return check_torch_inplace(case)  # an error case (shape, dtype): it must be PyTorch's error
    assert out is x, "the in-place op did not return its input"
    assert x._version == before + 1, f"version went from {before} to {x._version}"
    assert_close(as_numpy(x), as_numpy(expected).astype(x.dtype.np), equal_nan=True)
    check_torch_inplace(case)


def check_torch_inplace(case):
    from facade.testing._differential import torch_or_none

    if torch_or_none() is not None:
        compare_with_torch(lambda T, *ts: case.run_inplace(list(ts)), *case.arrays, grad=False)


def check_torch_output_modified(case):
    """Modifying the op's outputs in place, then backward: the same result or error as PyTorch
    (this checks what the op saves for backward)."""
    def run(T, *ts):
        result = case.run(T, list(ts))
        for t in outputs_of(T, result):
            if t.requires_grad:
                t.mul_(1)
        return result

    compare_with_torch(run, *case.arrays, check_repr=False, check_version=False, error_text=_without_node_names)


def _without_node_names(error):
    """The message of a 'modified by an inplace operation' error without the node name and hint, whose
    wording differs from PyTorch's (a core bug with its own repro in test_core_bugs.py)."""
    text = str(error)
    if "modified by an inplace operation" in text:
        text = re.sub(r"output (\d+) of \w+,", r"output \1 of ...,", text).split(" Hint:")[0]
    return text


def outputs_of(T, result):
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in outputs_of(T, r)]
    return [result] if isinstance(result, T.Tensor) else []
