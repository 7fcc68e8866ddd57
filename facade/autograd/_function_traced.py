"""Traced Function calls (inside facade.jit, or on traced values: facade.func, a Function applied
inside a traced backward): the user's forward and backward are traced by JAX, as one
`jax.custom_vjp` per kind of call (`_TracedCall`); there `.item()` and friends raise facade.jit's
error.
"""
import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

from .._dispatch import output_ref, record
from .._grad_mode import no_grad
from .._tape import IN_FUNCTION_BACKWARD
from ._function_eager import FUNCTION, FUNCTION_UNSAVED, _check_saved, _grad_fn_class
from ._function_grads import _backward_fn, _grads_in, _grads_out, _once
from .function import FunctionCtx


class _TracedCall:
    """Static description of one kind of traced Function call: the class and the non-tensor arguments."""

    def __init__(self, cls, layout, needs_input_grad, setup):
        self.cls, self.layout, self.needs_input_grad, self.setup = cls, layout, needs_input_grad, setup
        self.attrs = {}
        self.single = True
        self.non_diff = ()
        self.out_layout = ()
        self.out_meta = ()
        try:
            self._key = hash((cls, layout, needs_input_grad, setup))
            self._hashable = True
        except TypeError:
            self._key, self._hashable = id(self), False
        self.fn = self._build()

    def __hash__(self):
        return self._key

    def __eq__(self, other):
        if self is other:
            return True
        return (self._hashable and isinstance(other, _TracedCall) and other._hashable
                and (self.cls, self.layout, self.needs_input_grad, self.setup)
                == (other.cls, other.layout, other.needs_input_grad, other.setup))

    def run(self, *vals):
        return self.fn(*vals)

    def _args(self, vals):
        from .._creation import wrap_value

        it = iter(vals)
        return [wrap_value(next(it)) if is_t else v for is_t, v in self.layout]

    def _forward(self, vals):
        from .._tensor import Tensor

        ctx = FunctionCtx()
        ctx.needs_input_grad = self.needs_input_grad
        args = self._args(vals)
        with no_grad():
            if self.setup:
                out = self.cls.forward(*args)
                self.cls.setup_context(ctx, tuple(args), out)
            else:
                out = self.cls.forward(ctx, *args)
        self.single = not isinstance(out, tuple)
        outs = (out,) if self.single else out
        layout, tensors = [], []
        for o in outs:
            if isinstance(o, Tensor):
                layout.append(("t", len(tensors)))
                tensors.append(o)
            else:
                layout.append(("v", o))
        self.out_layout = tuple(layout)
        non_diff = {id(t) for t in (getattr(ctx, "non_differentiable", ()) or ())}
        self.non_diff = tuple(k for k, o in enumerate(tensors) if id(o) in non_diff)
        to_save = tuple(getattr(ctx, "to_save", ()) or ())
        _check_saved(to_save)
        self.saved_refs = _saved_refs(to_save, [a for a, (is_t, _) in zip(args, self.layout) if is_t], tensors)
        saved = tuple(t._value() if t is not None else None for t in to_save)
        self.attrs = {k: v for k, v in vars(ctx).items() if k not in ("to_save", "non_differentiable",
                                                                      "needs_input_grad")}
        values = tuple(o._value() for o in tensors)
        self.out_meta = tuple((tuple(jnp.shape(v)), jnp.result_type(v)) for v in values)
        return values, saved

    def _build(self):
        @jax.custom_vjp
        def fn(*vals):
            return self._forward(vals)[0]

        def fwd(*prims):
            vals = [p.value for p in prims]
            outs, saved = self._forward(vals)
            self.in_meta = tuple((tuple(jnp.shape(v)), jnp.result_type(v)) for v in vals)
            return outs, saved

        def bwd(res, cts):
            from .._creation import wrap_value

            saved, in_meta = res, self.in_meta
            ctx = FunctionCtx()
            ctx.__dict__.update(self.attrs)
            ctx.needs_input_grad = self.needs_input_grad
            ctx._saved_now = tuple(wrap_value(s) if s is not None else None for s in saved)
            cts = [None if isinstance(c, SymbolicZero) or jnp.result_type(c) == jax.dtypes.float0 else c for c in cts]
            out_layout = [k if kind == "t" else None for kind, k in self.out_layout]
            grads_in = _grads_in(out_layout, self.out_meta, cts, getattr(ctx, "materialize_grads", True))
            IN_FUNCTION_BACKWARD[0] += 1
            try:
                grads = _backward_fn(self.cls)(ctx, *grads_in)
            finally:
                IN_FUNCTION_BACKWARD[0] -= 1
            tensor_pos = tuple(i for i, (is_t, _) in enumerate(self.layout) if is_t)
            meta = tuple((shape, dt, jnp.issubdtype(dt, jnp.inexact)) for shape, dt in in_meta)
            # JAX asks for exactly the gradients it needs here (facade.func differentiates inputs that do not
            # require grad): give every one the backward returned
            grads = _grads_out(self.cls.__name__ + "Backward", grads, tensor_pos, len(self.layout),
                               (True,) * len(self.layout), meta)
            if _once(self.cls):
                grads = [None if g is None else jax.lax.stop_gradient(g) for g in grads]
            return tuple(grads)

        fn.defvjp(fwd, bwd, symbolic_zeros=True)
        return fn


def _saved_refs(saved, inputs, outs):
    """What ctx.save_for_backward saved, in its order, as ("in", i) / ("out", k) for the i-th
    tensor input / k-th output (PyTorch checks the versions of exactly these), and ("other",)
    for a tensor made inside forward."""
    refs = []
    for t in saved:
        if t is None:
            continue
        where = next((("in", i) for i, a in enumerate(inputs) if a is t), None)
        refs.append(where or next((("out", k) for k, o in enumerate(outs) if o is t), ("other",)))
    return tuple(refs)


def _apply_traced(cls, args, setup):
    from .._tensor import Tensor

    layout, tensors = [], []
    for a in args:
        if isinstance(a, Tensor):
            layout.append((True, None))
            tensors.append(a)
        else:
            layout.append((False, a))
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    call = _TracedCall(cls, tuple(layout), needs, setup)
    _grad_fn_class(cls.__name__ + "Backward")
    try:
        outs = record(FUNCTION, tuple(tensors), (call,))
    except RuntimeError as e:
        # shape inference ran the user's forward: its own exception (facade.jit's JitError for an `.item()`) is
        # what PyTorch would show, not the "invalid arguments" wrapper
        cause = e.__context__
        if cause is not None and str(e).startswith(FUNCTION.name + ": invalid arguments"):
            raise cause.with_traceback(cause.__traceback__) from None
        raise
    if outs:
        node = outs[0]._storage.node.args[0]  # the call's node (each output is a part of it)
        if node.requires_grad:
            _version_checks(node, call.saved_refs, tensors, outs)
        for i in call.non_diff:
            outs[i]._grad_fn = None
    results = [outs[k] if kind == "t" else k for kind, k in call.out_layout]
    return results[0] if call.single else tuple(results)


def _version_checks(node, refs, tensors, outs):
    """Check at backward exactly the versions of what forward saved, as PyTorch does."""
    if not refs:
        node.op = FUNCTION_UNSAVED
        node.saved = ()
        return
    saved = []
    for ref in refs:
        if ref[0] == "in":
            vc = tensors[ref[1]]._vc
            saved.append((vc, vc[0], node.args[ref[1]]))
        elif ref[0] == "out":
            saved.append((outs[ref[1]]._vc, 0, output_ref(ref[1], outs[ref[1]])))
    node.saved = tuple(saved)
