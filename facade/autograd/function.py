"""torch.autograd.Function, bridged to JAX with `jax.custom_vjp`.

`MyFn.apply(*args)` records one tape node whose implementation is a custom_vjp function:
its forward runs the user's `forward` (on Tensors wrapping the JAX values), its backward
runs the user's `backward`. This is the one place where a derivative is written by hand —
by the user. Non-tensor context attributes are recomputed by `forward` on each replay;
saved tensors travel as custom_vjp residuals, so a Function works eagerly, under the cached
jit replay and under create_graph (JAX differentiates the user's backward again).
"""
import jax
import jax.numpy as jnp

from .._dispatch import output_ref, record
from .._grad_mode import no_grad
from .._ops.table import defop
from .._tape import IN_FUNCTION_BACKWARD
from ._complex import torch_convention


class FunctionCtx:
    def save_for_backward(self, *tensors):
        self._saved = tensors

    @property
    def saved_tensors(self):
        return getattr(self, "_saved", ())

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def save_for_forward(self, *tensors):
        self._saved_fwd = tensors


class _Call:
    """Static description of one kind of Function call: the class and the non-tensor arguments."""

    def __init__(self, cls, layout, needs_input_grad):
        self.cls, self.layout, self.needs_input_grad = cls, layout, needs_input_grad
        self.attrs = {}
        self.single = True
        self.non_diff = ()
        try:
            self._key = hash((cls, layout, needs_input_grad))
            self._hashable = True
        except TypeError:
            self._key, self._hashable = id(self), False
        self.fn = self._build()

    def __hash__(self):
        return self._key

    def __eq__(self, other):
        if self is other:
            return True
        return (self._hashable and isinstance(other, _Call) and other._hashable
                and (self.cls, self.layout, self.needs_input_grad) == (other.cls, other.layout, other.needs_input_grad))

    def _args(self, vals):
        from .._creation import wrap_value

        it = iter(vals)
        return [wrap_value(next(it)) if is_t else v for is_t, v in self.layout]

    def _forward(self, vals):
        ctx = FunctionCtx()
        ctx.needs_input_grad = self.needs_input_grad
        args = self._args(vals)
        with no_grad():
            out = self.cls.forward(ctx, *args)
        self.single = not isinstance(out, tuple)
        outs = (out,) if self.single else out
        non_diff = getattr(ctx, "_non_diff", set())
        self.non_diff = tuple(i for i, o in enumerate(outs) if id(o) in non_diff)
        self.saved_refs = _saved_refs(ctx.saved_tensors, [a for a, (is_t, _) in zip(args, self.layout) if is_t], outs)
        saved = tuple(t._value() if t is not None else None for t in ctx.saved_tensors)
        self.attrs = {k: v for k, v in vars(ctx).items() if k not in ("_saved", "_non_diff", "needs_input_grad")}
        return tuple(o._value() for o in outs), saved

    def _build(self):
        @jax.custom_vjp
        def fn(*vals):
            return self._forward(vals)[0]

        def fwd(*vals):
            outs, saved = self._forward(vals)
            return outs, (saved, tuple(jnp.zeros(jnp.shape(v), jnp.result_type(v)) for v in vals))

        def bwd(res, cts):
            from .._creation import wrap_value

            saved, zeros = res
            ctx = FunctionCtx()
            ctx.__dict__.update(self.attrs)
            ctx.needs_input_grad = self.needs_input_grad
            ctx._saved = tuple(wrap_value(s) if s is not None else None for s in saved)
            IN_FUNCTION_BACKWARD[0] += 1
            try:
                # the user's backward speaks PyTorch's complex convention, JAX's custom_vjp its own
                grads = self.cls.backward(ctx, *[wrap_value(torch_convention(c)) for c in cts])
            finally:
                IN_FUNCTION_BACKWARD[0] -= 1
            grads = grads if isinstance(grads, tuple) else (grads,)
            tensor_grads = [g for g, (is_t, _) in zip(grads, self.layout) if is_t]
            n_in = len(zeros)
            if len(grads) != len(self.layout):
                raise RuntimeError(
                    f"function {self.cls.__name__}Backward returned an incorrect number of gradients "
                    f"(expected {len(self.layout)}, got {len(grads)})"
                )
            out = []
            for g, z in zip(tensor_grads[:n_in], zeros):
                if g is None:
                    out.append(z)
                    continue
                v = g._value()
                if jnp.shape(v) != jnp.shape(z):
                    raise RuntimeError(
                        f"Function {self.cls.__name__}Backward returned an invalid gradient at index "
                        f"{len(out)} - got {list(jnp.shape(v))} but expected shape compatible with {list(jnp.shape(z))}"
                    )
                out.append(torch_convention(v.astype(z.dtype)))
            return tuple(out)

        fn.defvjp(fwd, bwd)
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


def _function_op(saves):
    return defop("function" if saves else "function_unsaved", lambda *a: a[-1].fn(*a[:-1]), nout=None, saves=saves,
                 grad_fn=lambda node: node.statics[0].cls.__name__ + "Backward")


# A call whose forward saved tensors frees them at backward (a second backward raises, a
# saved tensor written in place raises); one that saved nothing can be backpropagated again.
FUNCTION, FUNCTION_UNSAVED = _function_op(True), _function_op(False)


class _FunctionMeta(type):
    pass


class Function(metaclass=_FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grads); call with .apply."""

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor

        if kwargs:
            raise TypeError("facade's Function.apply takes positional arguments only")
        layout, tensors = [], []
        for a in args:
            if isinstance(a, Tensor):
                layout.append((True, None))
                tensors.append(a)
            else:
                layout.append((False, a))
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        call = _Call(cls, tuple(layout), needs)
        outs = record(FUNCTION, tuple(tensors), (call,))
        node = outs[0]._storage.node.args[0]  # the call's node (each output is a part of it)
        if node.requires_grad:
            _version_checks(node, call.saved_refs, tensors, outs)
        for i in call.non_diff:
            outs[i]._grad_fn = None
        return outs[0] if call.single else outs


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


def once_differentiable(fn):
    return fn
