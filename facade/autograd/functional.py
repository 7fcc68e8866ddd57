"""torch.autograd.functional: Jacobians, Hessians and vector products of a user function.

Each function calls `func` on fresh copies of `inputs` and differentiates the result with
`facade.autograd.grad`, so `func` may be any facade code, including closures over tensors
captured from outside (those are treated as constants, as in PyTorch).

Tensors and tuples follow PyTorch: a Tensor argument gives a Tensor back, a tuple gives a tuple
(and tuple inputs *and* outputs give a tuple of tuples). With `create_graph=False` the results
are detached; with `create_graph=True` they carry a graph back to the original inputs.

`vectorize=True` and `strategy="forward-mode"` are accepted with PyTorch's checks; the values
are computed row by row with reverse mode either way (the results are identical).
"""
from .._grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _pack(obj, arg_name, fn_name):
    """(was_tuple, tuple of tensors), with PyTorch's TypeError for anything else."""
    Tensor = _tensor_cls()
    if isinstance(obj, tuple):
        for i, el in enumerate(obj):
            if not isinstance(el, Tensor):
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                    f" value at index {i} has type {type(el)}.")
        return True, obj
    if not isinstance(obj, Tensor):
        raise TypeError(
            f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
            f" given {arg_name} has type {type(obj)}.")
    return False, (obj,)


def _unpack(res, was_tuple):
    return res if was_tuple else res[0]


def _unpack2(res, outer_tuple, inner_tuple):
    if not inner_tuple:
        res = tuple(row[0] for row in res)
    return res if outer_tuple else res[0]


def _fresh(inputs, create_graph, need_graph, reuse_leaves=False):
    """New tensor objects for the inputs: differentiable views when the caller wants a graph
    back to them, detached leaves otherwise (so captured originals are told apart).

    reuse_leaves (second derivatives with create_graph): facade's engine does not yet connect a
    create_graph gradient to a non-leaf tensor it was taken with respect to, so a leaf that
    requires grad is differentiated directly instead of through a view of it.
    """
    out = []
    for t in inputs:
        if reuse_leaves and create_graph and t.requires_grad and t.is_leaf:
            out.append(t)
        elif create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(tensors, create_graph):
    if create_graph:
        return tuple(tensors)
    return tuple(None if t is None else t.detach() for t in tensors)


def _check_v(v, refs, refs_tuple):
    if len(v) != len(refs):
        if refs_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, refs)):
        if a.size() != b.size():
            where = f"Entry {i} in " if refs_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {b.size()} but got {a.size()}.")


_STRICT_NEEDS_GRAD = {
    "outputs": lambda i: (f"Output {i} of the user-provided function does not require gradients. The outputs must"
                          " be computed in a differentiable manner from the input when running in strict mode."),
    "grad_inputs": lambda i: (f"The gradient with respect to input {i} is independent of the inputs of the"
                              " user-provided function. This is not allowed in strict mode."),
    "jacobian": lambda i: ("While computing the hessian, found that the jacobian of the user-provided function with"
                           f" respect to input {i} is independent of the input. This is not allowed in strict mode."
                           " You should ensure that your function is twice differentiable and that the jacobian"
                           " depends on the inputs (this would be violated by a linear function for example)."),
    "hessian": lambda i: (f"The hessian of the user-provided function with respect to input {i} is independent of"
                          " the input. This is not allowed in strict mode. You should ensure that your function is"
                          " thrice differentiable and that the hessian depends on the inputs."),
}


def _strict_requires_grad(tensors, kind, strict):
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}."
                               " This is not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_STRICT_NEEDS_GRAD[kind](i))


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that take part in a graph; None where an input is unused."""
    from . import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gos = zip(*pairs)
    if all(g is None for g in gos):
        gos = None
    return grad(outs, inputs, gos, retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


_FILL_MESSAGES = {
    "back": lambda i: (f"The output of the user-provided function is independent of input {i}."
                       " This is not allowed in strict mode."),
    "back_trick": lambda i: (f"The gradient with respect to the input is independent of entry {i} in the"
                             " grad_outputs when using the double backward trick to compute forward mode"
                             " gradients. This is not allowed in strict mode."),
    "double_back": lambda i: (f"The jacobian of the user-provided function is independent of input {i}."
                              " This is not allowed in strict mode."),
    "double_back_trick": lambda i: (f"The hessian of the user-provided function is independent of entry {i} in"
                                    " the grad_jacobian. This is not allowed in strict mode as it prevents from"
                                    " using the double backward trick to replace forward mode AD."),
}


def _zeros_for_none(grads, refs, strict, create_graph, stage):
    from .._creation import zeros_like
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_FILL_MESSAGES[stage](i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}."
                               " This is not allowed in strict mode when create_graph=True.")
        out.append(g)
    return tuple(out)


def _need_scalar(tensors, message):
    if len(tensors) != 1 or tensors[0].nelement() != 1:
        raise RuntimeError(message)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(*inputs), v^T J): the vector-Jacobian product at `inputs`.

    `v` has the shape of func's output (it may be omitted when that output has one element).
    """
    with enable_grad():
        in_tuple, inputs = _pack(inputs, "inputs", "vjp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        out_tuple, outputs = _pack(func(*inputs), "outputs of the user-provided function", "vjp")
        _strict_requires_grad(outputs, "outputs", strict)
        if v is None:
            _need_scalar(outputs, "The vector v can only be None if the user-provided function returns a single"
                                  " Tensor with a single element.")
        else:
            _, v = _pack(v, "v", "vjp")
            v = _fresh(v, create_graph, need_graph=False)
            _check_v(v, outputs, out_tuple)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(outputs, inputs, v, create_graph=create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "back")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(*inputs), J v): the Jacobian-vector product at `inputs`.

    Computed as in PyTorch with the double-backward trick (two reverse passes).
    """
    from .._creation import zeros_like
    with enable_grad():
        in_tuple, inputs = _pack(inputs, "inputs", "jvp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        if v is None:
            _need_scalar(inputs, "The vector v can only be None if the input to the user-provided function is a"
                                 " single Tensor with a single element.")
        else:
            _, v = _pack(v, "v", "jvp")
            v = _fresh(v, create_graph, need_graph=False)
            _check_v(v, inputs, in_tuple)
        out_tuple, outputs = _pack(func(*inputs), "outputs of the user-provided function", "jvp")
        _strict_requires_grad(outputs, "outputs", strict)
        # the backward pass is linear in these, so their (zero) value never matters
        dummies = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, dummies, create_graph=True)
        _strict_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(grad_inputs, dummies, v, create_graph=create_graph)
        res = _zeros_for_none(res, outputs, strict, create_graph, "back_trick")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), in_tuple)


def _check_strategy(strategy, vectorize, create_graph, strict):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function has more'
            ' outputs than inputs, "forward-mode" tends to be more performant. Otherwise, prefer to use'
            ' "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are not"
                " supported together (yet). Please either set `create_graph=False` or"
                " `strategy=\"reverse-mode\"`.")
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` are not"
                " supported together (yet). Please either set `strict=False` or `strategy=\"reverse-mode\"`.")
        if not vectorize:
            # PyTorch's message, missing space included
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of `func` at `inputs`.

    Entry [i][j] has shape ``outputs[i].shape + inputs[j].shape``; the nesting is dropped for a
    Tensor (rather than tuple) input or output, as in PyTorch. With strategy="forward-mode"
    the result is a list of lists, as PyTorch returns it.
    """
    return _jacobian(func, inputs, create_graph, strict, vectorize, strategy)


def _jacobian(func, inputs, create_graph, strict, vectorize, strategy, reuse_leaves=False, keep_graph=False):
    from .._creation import zeros_like
    from .._ops.shape import stack
    _check_strategy(strategy, vectorize, create_graph, strict)
    with enable_grad():
        in_tuple, inputs = _pack(inputs, "inputs", "jacobian")
        inputs = _fresh(inputs, create_graph, need_graph=True, reuse_leaves=reuse_leaves)
        out_tuple, outputs = _pack(func(*inputs), "outputs of the user-provided function", "jacobian")
        _strict_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported together."
                " Please either set `strict=False` or `vectorize=False`.")
        jac = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(out.nelement()):
                grads = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph or keep_graph)
                for j, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of input"
                                               f" {j}. This is not allowed in strict mode.")
                        g = zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        # PyTorch names the output index here
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}."
                                           " This is not allowed in strict mode when create_graph=True.")
                    rows[j].append(g)
            block = []
            for j, inp in enumerate(inputs):
                shape = tuple(out.shape) + tuple(inp.shape)
                if rows[j]:
                    block.append(stack(rows[j], 0).view(shape))
                else:
                    block.append(inp.new_zeros(shape))
            jac.append(_finish(block, create_graph or keep_graph))
    if strategy == "forward-mode":  # PyTorch builds (and returns) lists on this path
        return _unpack2([list(row) for row in jac], out_tuple, in_tuple)
    return _unpack2(tuple(jac), out_tuple, in_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of the scalar function `func` at `inputs`.

    Entry [i][j] has shape ``inputs[i].shape + inputs[j].shape`` (a single Tensor for a Tensor input).
    """
    in_tuple, inputs = _pack(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*xs):
        out = func(*xs)
        was_tuple, outs = _pack(out, "outputs of the user-provided function", "hessian")
        _strict_requires_grad(outs, "outputs", strict)
        if was_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def gradient(*xs):
        g = _jacobian(scalar_func, xs, True, False, False, "reverse-mode", reuse_leaves=True)
        _strict_requires_grad(g, "jacobian", strict)
        return g

    # PyTorch's forward-over-reverse result keeps the graph of the inner (create_graph) gradient
    res = _jacobian(gradient, inputs, create_graph, strict, vectorize, outer_jacobian_strategy, reuse_leaves=True,
                    keep_graph=outer_jacobian_strategy == "forward-mode")
    return _unpack2(res, in_tuple, in_tuple)


def _scalar_and_gradient(func, inputs, v, create_graph, strict, name):
    in_tuple, inputs = _pack(inputs, "inputs", name)
    inputs = _fresh(inputs, create_graph, need_graph=True, reuse_leaves=True)
    if v is None:
        _need_scalar(inputs, "The vector v can only be None if the input to the user-provided function is a single"
                             " Tensor with a single element.")
    else:
        _, v = _pack(v, "v", name)
        v = _fresh(v, create_graph, need_graph=False)
        _check_v(v, inputs, in_tuple)
    out_tuple, outputs = _pack(func(*inputs), "outputs of the user-provided function", name)
    _strict_requires_grad(outputs, "outputs", strict)
    if out_tuple:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
    jac = _grad(outputs, inputs, create_graph=True)
    _strict_requires_grad(jac, "jacobian", strict)
    return in_tuple, out_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(*inputs), v^T H) for a scalar `func`."""
    with enable_grad():
        in_tuple, out_tuple, inputs, v, outputs, jac = _scalar_and_gradient(func, inputs, v, create_graph, strict,
                                                                            "vhp")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(jac, inputs, v, create_graph=create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "double_back")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(*inputs), H v) for a scalar `func` (double-backward trick, as in PyTorch)."""
    from .._creation import zeros_like
    with enable_grad():
        in_tuple, out_tuple, inputs, v, outputs, jac = _scalar_and_gradient(func, inputs, v, create_graph, strict,
                                                                            "hvp")
        dummies = tuple(zeros_like(t, requires_grad=True) for t in inputs)
        double_back = _grad(jac, inputs, dummies, create_graph=True)
        _strict_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(double_back, dummies, v, create_graph=create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "double_back_trick")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), in_tuple)
