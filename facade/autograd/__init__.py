"""torch.autograd: backward, grad, Function, grad modes and the graph objects."""
from .. import _dispatch
from .._dispatch import scalar_node
from .._grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from . import graph
from .function import Function, FunctionCtx, once_differentiable
from .hooks import HOOKED, run_hooks, run_post_accumulate
from .engine import plain_backward, run_backward
# imported here, not on first use: a later `import facade.autograd.gradcheck` (the submodule) would
# otherwise bind the package attribute to the module, and torch.autograd.gradcheck(...) would fail
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402
from . import functional  # noqa: E402,F401

__all__ = ["backward", "grad", "Function", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "gradcheck", "gradgradcheck", "graph", "Variable", "set_detect_anomaly", "detect_anomaly"]


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _make_grads(outputs, grads, is_grads_batched=False, create_graph=False):
    """The incoming gradient of each output, as a Node (a number node for the implicit 1)."""
    if grads is None and len(outputs) == 1:  # loss.backward(): only the implicit 1 to check
        t = outputs[0]
        n = t._node()
        if n.shape == () and n.dtype.category == 2:
            return (scalar_node(1.0),)
    from .._tensor import Tensor

    grads = _as_tuple(grads)
    if not grads:
        grads = (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} tensors and {len(outputs)} gradients")
    out = []
    for i, (t, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not t.dtype.is_floating_point and not t.dtype.is_complex:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
            out.append(scalar_node(1.0))
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        if tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape of {t.shape}."
            )
        if g.dtype.is_complex != t.dtype.is_complex:
            raise TypeError("For complex Tensors, both grad_output and output are required to have the same dtype.")
        out.append(g._input_node() if create_graph else g._node())
    return tuple(out)


def _roots(tensors):
    nodes = []
    for i, t in enumerate(tensors):
        if not t._rg and t._grad_fn is None and not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        nodes.append(t._input_node())
    return nodes


def _hooked_in_graph(roots, extra=()):
    """Non-leaf tensors whose hooks may change the gradient, and the `extra` ones, reachable from
    roots (topological order)."""
    if not extra and (not HOOKED or not any(t.__dict__.get("_hooks_pre") for t in list(HOOKED))):
        return []
    from .engine import collect

    pos = {id(n): i for i, n in enumerate(collect(roots))}
    candidates = [t for t in list(HOOKED) if t.__dict__.get("_hooks_pre")]
    candidates += [t for t in extra if all(t is not c for c in candidates)]
    hooked = [t for t in candidates if t._grad_fn is not None and id(t._grad_fn) in pos]
    hooked.sort(key=lambda t: pos[id(t._grad_fn)])
    return hooked


def _differentiate(roots, cots, *, retain_graph, create_graph, targets=None, accumulate=False, cut_at=()):
    """All gradients as {id(leaf tensor or node): Tensor}, running hooks on intermediate tensors.

    With no hooked intermediate tensors this is one run of the engine. Otherwise the graph is
    cut at the hooked tensors (they become differentiable inputs) and run stage by stage: the
    hooked tensor nearest the roots has its complete gradient after a stage, its hooks run
    (and may replace it), and the next stage starts from it.
    """
    hooked = _hooked_in_graph(roots, cut_at)
    if not hooked:
        return run_backward(roots, cots, retain_graph=retain_graph, create_graph=create_graph, targets=targets,
                            accumulate=accumulate)
    results, leaves = {}, []
    stage_roots, stage_cots, pending = list(roots), list(cots), list(hooked)
    kept = {}
    while True:
        res, lts, _ = run_backward(stage_roots, stage_cots, retain_graph=True, create_graph=create_graph,
                                   targets=targets, accumulate=False, cuts=[t._grad_fn for t in pending])
        for k, v in res.items():
            results[k] = v if results.get(k) is None else results[k] + v
        leaves += [t for t in lts if all(t is not s for s in leaves)]  # by identity: == is elementwise
        if not pending:
            break
        t = pending.pop()
        g = results.pop(id(t._grad_fn), None)
        if g is None:
            continue
        g = run_hooks(t, g)
        if any(t is c for c in cut_at):  # an input of autograd.grad: this stage completed its gradient
            kept[id(t._grad_fn)] = g
        if t.__dict__.get("_retains_grad"):
            _retain(t, g)
        stage_roots, stage_cots = [t._grad_fn], [g._node()]
    results.update(kept)
    if not retain_graph:
        from .engine import collect

        for n in collect(roots):
            if n.op.saves:
                n.freed = True
    return results, leaves, set()


def _retain(t, g):
    if t._grad is None:
        t._grad = g.detach()
    else:
        t._grad = t._grad + g.detach()


def backward_plain(t):
    """`loss.backward()` without arguments, on a structure seen before (the common training-loop
    call): the template path without the general argument handling. False: take the general path."""
    if HOOKED or t._grad_fn is None:
        return False
    n = t._node()
    if n.shape != () or n.dtype.category != 2:
        return False
    done = plain_backward(t._input_node(), scalar_node(1.0))
    if done is None:
        return False
    leaves, totals, accumulated = done
    if len(accumulated) > 8:
        accumulated = set(accumulated)
    for k, leaf in enumerate(leaves):
        g = totals[k]
        if g is not None:
            _accumulate(leaf, run_hooks(leaf, g) if leaf.__dict__ else g, False)
        elif k not in accumulated:
            continue
        if leaf.__dict__:
            run_post_accumulate(leaf)
    return True


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' .grad (PyTorch's AccumulateGrad semantics)."""
    tensors = _as_tuple(tensors)
    if grad_variables is not None:
        grad_tensors = grad_variables
    cots = _make_grads(tensors, grad_tensors, create_graph=create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(tensors)
    inputs = _as_tuple(inputs)
    targets = None
    if inputs:
        for t in inputs:
            if not isinstance(t, _dispatch.Tensor):
                raise TypeError("inputs to backward must be Tensors")
            if not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
        targets = [t._input_node() for t in inputs if not t.is_leaf]
    results, leaves, accumulated = _differentiate(roots, cots, retain_graph=retain_graph, create_graph=create_graph,
                                                  targets=targets, accumulate=not inputs)
    wanted = {id(t) for t in inputs} if inputs else None
    for t in leaves:
        if wanted is not None and id(t) not in wanted:
            continue
        g = results.get(id(t))
        if g is not None:
            _accumulate(t, run_hooks(t, g) if t.__dict__ else g, create_graph)
        elif id(t) not in accumulated:
            continue
        if t.__dict__:
            run_post_accumulate(t)
    if HOOKED:
        for t in list(HOOKED):
            if t.__dict__.get("_retains_grad") and not t.__dict__.get("_hooks_pre") and t._grad_fn is not None:
                g = results.get(id(t._grad_fn))
                if g is not None:
                    _retain(t, g)
    if inputs:
        for t in inputs:
            if not t.is_leaf:
                g = results.get(id(t._input_node()))
                if g is not None:
                    _accumulate(t, g, create_graph)


def _accumulate(t, g, create_graph):
    """PyTorch's AccumulateGrad: steal the first gradient, then add in place (out of place under create_graph)."""
    old = t._grad
    if old is None:
        t._grad = g if create_graph else g.detach()
    elif create_graph:
        t._grad = old + g
    else:
        with no_grad():
            old.add_(g)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any .grad."""
    from .._creation import zeros_like
    from .._tensor import Tensor

    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    cots = _make_grads(outputs, grad_outputs, create_graph=create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs)
    targets = [t._input_node() for t in inputs]
    # create_graph: a non-leaf input becomes a cut of the graph (as a hooked tensor is), so its gradient's
    # recorded history reads the input itself and can be differentiated again with respect to it
    cut_at = [t for t in inputs if not t.is_leaf] if create_graph else ()
    results, _, _ = _differentiate(roots, cots, retain_graph=retain_graph, create_graph=create_graph, targets=targets,
                                   cut_at=cut_at)
    out = []
    for i, (t, n) in enumerate(zip(inputs, targets)):
        g = results.get(id(t)) if t.is_leaf else results.get(id(n))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. Set "
                    "allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = zeros_like(t)
        out.append(g)
    return tuple(out)


def Variable(data, requires_grad=False):  # noqa: N802 - PyTorch's deprecated name
    return data.detach().requires_grad_(requires_grad) if requires_grad else data


class detect_anomaly:
    """Enables anomaly mode (torch.is_anomaly_enabled()) inside the block. facade keeps only the flags:
    its errors are raised eagerly and name the op already, and backward does not check for NaNs."""

    def __init__(self, check_nan=True):
        from .. import _grad_mode

        self.prev, self.prev_check_nan = _grad_mode.ANOMALY
        self.check_nan = check_nan
        import warnings

        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __enter__(self):
        from .._grad_mode import set_anomaly_enabled

        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        from .._grad_mode import set_anomaly_enabled

        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Sets anomaly mode at construction (a plain call works) and restores the previous flags on context exit."""

    def __init__(self, mode, check_nan=True):
        from .. import _grad_mode

        self.prev, self.prev_check_nan = _grad_mode.ANOMALY
        _grad_mode.set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        from .._grad_mode import set_anomaly_enabled

        set_anomaly_enabled(self.prev, self.prev_check_nan)
