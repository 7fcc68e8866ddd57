"""torch.autograd: backward, grad, Function, grad modes and the graph objects."""
from .. import _dispatch
from .._dispatch import scalar_node
from .._grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from . import graph
from .function import Function, FunctionCtx, once_differentiable
from .hooks import HOOKED, HOOKED_NODES, any_node_hooks, apply_hooks, grad_node, hooked_nodes, run_hooks, \
    run_post_accumulate
from .engine import all_needed, needed_nodes, plain_backward, run_backward
# imported here, not on first use: a later `import facade.autograd.gradcheck` (the submodule) would
# otherwise bind the package attribute to the module, and torch.autograd.gradcheck(...) would fail
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402
from . import functional  # noqa: E402,F401
from . import profiler  # noqa: E402,F401

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


def _hooked_in_graph(roots, extra=(), needed=None):
    """The nodes with hooks (see graph.hook_table) and the nodes of the `extra` tensors, reachable from
    roots, in topological order; with `needed` (see engine.needed_nodes), only those among them."""
    if not extra and not any_node_hooks():
        return []
    from .engine import collect

    pos = {id(n): i for i, n in enumerate(collect(roots))}
    candidates = hooked_nodes()
    candidates += [n for n in (grad_node(t) for t in extra) if n is not None]  # a view's is its own node
    hooked, seen = [], set()
    for n in candidates:
        if id(n) in pos and id(n) not in seen and (needed is None or id(n) in needed):
            seen.add(id(n))
            hooked.append(n)
    hooked.sort(key=lambda n: pos[id(n)])
    return hooked


def _differentiate(roots, cots, *, retain_graph, create_graph, targets=None, accumulate=False, cut_at=(),
                   inputs=None, capture=False):
    """All gradients as {id(leaf tensor or node): Tensor}, running hooks on intermediate tensors.

    With no hooked intermediate nodes this is one run of the engine. Otherwise the graph is cut at
    the hooked nodes (they become differentiable inputs) and run stage by stage: the hooked node
    nearest the roots has its complete gradient after a stage, its hooks run (and may replace it),
    the tensors that retain their grad there take it, and the next stage starts from it. `inputs`
    (autograd.grad's, backward's inputs=): only the nodes above them have their hooks run and their
    gradient retained. `capture` (autograd.grad): as PyTorch's engine captures a non-leaf input's
    gradient, before its hooks where the graph below it is still needed for another input, else after.
    """
    needed = needed_nodes(roots, inputs) if inputs and (HOOKED or any_node_hooks()) else None
    hooked = _hooked_in_graph(roots, cut_at, needed)
    if not hooked:
        found = run_backward(roots, cots, retain_graph=retain_graph, create_graph=create_graph, targets=targets,
                             accumulate=accumulate, inputs=inputs, needed=needed)
        _fill_retained(found[0], create_graph, needed)
        return found
    results, leaves = {}, []
    stage_roots, stage_cots, pending = list(roots), list(cots), list(hooked)
    kept, done = {}, set()
    wanted = {id(n) for n in targets or ()}
    wanted.update(id(n) for n in (grad_node(t) for t in cut_at) if n is not None)
    retaining = {}  # id(node) -> the tensors that retain their grad there
    for t in list(HOOKED):
        if t.__dict__.get("_retains_grad"):
            n = grad_node(t)
            if n is not None:
                retaining.setdefault(id(n), []).append(t)
    while True:
        if stage_roots:
            res, lts, _ = run_backward(stage_roots, stage_cots, retain_graph=True, create_graph=create_graph,
                                       targets=targets, accumulate=False, cuts=pending)
            for k, v in res.items():
                results[k] = v if results.get(k) is None else results[k] + v
            leaves += [t for t in lts if all(t is not s for s in leaves)]  # by identity: == is elementwise
        if not pending:
            break
        n = pending.pop()
        g = results.pop(id(n), None)
        if g is None:  # no gradient reached it: nothing to run from it (the last stage is not run again)
            stage_roots, stage_cots = [], []
            continue
        raw = g
        g = apply_hooks(graph.hook_table(n), g, create_graph)
        if id(n) in wanted:  # an input: this stage completed its gradient
            below = capture and needed is not None and any(id(a) in needed for a in n.args if a.requires_grad)
            kept[id(n)] = raw if below else g
        for t in retaining.get(id(n), ()):  # PyTorch's retains_grad hook runs after the others
            _retain(t, g, create_graph)
        done.add(id(n))
        stage_roots, stage_cots = [n], [g._node()]
    results.update(kept)
    _fill_retained(results, create_graph, needed, done)
    if not retain_graph:
        from .engine import collect, runs

        if needed is None and inputs and not all_needed(inputs, leaves):
            needed = needed_nodes(roots, inputs)
        for n in collect(roots):
            if n.op.saves and (needed is None or runs(n, needed)):
                n.freed = True
    return results, leaves, set()


def _fill_retained(results, create_graph, needed=None, done=()):
    """retain_grad() of the tensors whose gradient was taken out of the program as a probe (those at a
    hooked node, `done`, retained theirs after its hooks ran)."""
    if HOOKED:
        for t in list(HOOKED):
            if t.__dict__.get("_retains_grad"):
                n = grad_node(t)
                if n is None or id(n) in done or (needed is not None and id(n) not in needed):
                    continue
                g = results.get(id(n))
                if g is not None:
                    _retain(t, g, create_graph)


def _retain(t, g, create_graph=False):
    """PyTorch's retains_grad hook: the first gradient is cloned (under create_graph, with its graph),
    later ones are added out of place."""
    with set_grad_enabled(create_graph):
        t._grad = g.clone() if t._grad is None else t._grad + g


def backward_plain(t):
    """`loss.backward()` without arguments, on a structure seen before (the common training-loop
    call): the template path without the general argument handling. False: take the general path."""
    if HOOKED or t._grad_fn is None or (HOOKED_NODES and any_node_hooks()):
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
    added = []
    for k, leaf in enumerate(leaves):
        g = totals[k]
        if g is not None:
            if leaf.__dict__ and leaf.__dict__.get("_hooks_pre"):
                _accumulate(leaf, run_hooks(leaf, g), False, added=added)
            else:
                _accumulate(leaf, g, False, True, added)
        elif k not in accumulated:
            continue
        if leaf.__dict__:
            run_post_accumulate(leaf)
    _settle(added)
    return True


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' .grad (PyTorch's AccumulateGrad semantics)."""
    tensors = _as_tuple(tensors)
    if grad_variables is not None:
        grad_tensors = grad_variables
    if inputs is not None and not _as_tuple(inputs):
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
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
        for t in inputs:
            if not t.is_leaf:  # as PyTorch's engine: a non-leaf input gets its .grad by retain_grad() from now on
                t.retain_grad()
    results, leaves, accumulated = _differentiate(roots, cots, retain_graph=retain_graph, create_graph=create_graph,
                                                  targets=targets, accumulate=not inputs, inputs=inputs or None)
    wanted = {id(t) for t in inputs} if inputs else None
    added = []
    for t in leaves:
        if wanted is not None and id(t) not in wanted:
            continue
        g = results.get(id(t))
        if g is not None:
            if t.__dict__.get("_hooks_pre"):
                _accumulate(t, run_hooks(t, g, create_graph), create_graph, added=added)
            else:
                _accumulate(t, g, create_graph, True, added)
        elif id(t) not in accumulated:
            continue
        if t.__dict__:
            run_post_accumulate(t)
    _settle(added)


def _accumulate(t, g, create_graph, owned=False, added=None):
    """PyTorch's AccumulateGrad: take the first gradient, then add in place (out of place under create_graph).

    PyTorch steals the incoming gradient only when nobody else holds it, and clones it otherwise, so a
    later in-place add never reaches a tensor the user holds (a hook's result, a tensor a hook kept).
    `owned`: g is the engine's own new tensor. Otherwise .grad gets a storage of its own on g's current
    node: a clone that copies nothing (nodes are immutable, an in-place add points the storage elsewhere).
    `added`: where an in-place add is noted (t, .grad), to be computed at the end of the backward (`_settle`).
    """
    old = t._grad
    if old is None:
        if owned and (create_graph or g._grad_fn is None):
            t._grad = g
        elif create_graph:
            with set_grad_enabled(True):
                t._grad = g.clone()
        else:
            own = _dispatch.wrap(g._node())
            own._grad_fn = None  # outside the graph, as detach() is
            t._grad = own
    elif create_graph:
        t._grad = old + g
    else:
        with no_grad():
            old.add_(g)
        if added is not None:
            added.append((t, old))


def _settle(added):
    """Compute the .grad tensors that backward added into in place, together. Left pending, each step's
    add would read the previous step's pending sum: a chain holding every step's gradient until .grad is
    read (a hooked leaf's gradient is added here rather than inside the backward program)."""
    if added:
        nodes = [old._node() for t, old in added if t._grad is old]
        nodes = [n for n in nodes if n.value is None]
        if nodes:
            from .. import _engine

            _engine.evaluate(nodes)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any .grad."""
    from .._creation import zeros_like
    from .._tensor import Tensor

    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
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
                                   cut_at=cut_at, inputs=inputs, capture=True)
    out = []
    for i, (t, n) in enumerate(zip(inputs, targets)):
        if t.is_leaf:
            g = results.get(id(t))
            if g is not None and t.__dict__.get("_hooks_pre"):  # PyTorch runs a leaf's hooks before capturing
                g = run_hooks(t, g, create_graph)
        else:
            g = results.get(id(n))
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
