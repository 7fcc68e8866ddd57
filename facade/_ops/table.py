"""The op table: each op is declared once, as an `OpDef`.

An OpDef holds the op's pure JAX implementation, the PyTorch grad_fn name it shows, what it
saves for backward, and which of its arguments are static. It holds no derivative: JAX
differentiates `impl`. Functions, Tensor methods, operators and in-place variants are all
derived from the declarations in the sibling modules (see `_ops/__init__.py`).

`impl(*arrays, *statics)` receives the argument values (JAX arrays, or Python numbers for
scalar operands when run eagerly) followed by the static arguments, and must cast its
inputs itself: facade decides result dtypes by PyTorch's rules before calling it.
"""
import itertools

__all__ = ["OpDef", "OPS", "defop"]

OPS = {}
_ids = itertools.count()


class OpDef:
    __slots__ = ("name", "impl", "grad_fn", "saves", "saved_outputs", "id", "check", "nout", "differentiable", "view",
                 "__dict__")

    def __init__(self, name, impl, grad_fn=None, saves=True, check=None, nout=1, differentiable=True, view=False,
                 saved_outputs=None):
        self.name = name
        self.impl = impl
        # a PyTorch class name ("AddBackward0"), or a function of the Node giving it
        self.grad_fn = grad_fn
        # True: a second backward without retain_graph raises, and an in-place change to
        # an input (or, for "out", the output) before backward raises, as in PyTorch;
        # "meta": only sizes are saved, so a second backward raises and in-place changes do not
        self.saves = saves
        # for saves True/"out": the outputs backward reads, in the order PyTorch checks them, each
        # as (output index, the index PyTorch's error names it by); None: all, in order
        self.saved_outputs = saved_outputs
        self.check = check  # optional check(*arg_nodes, *statics) raising PyTorch's errors
        self.nout = nout  # >1: impl returns a tuple; outputs are taken out with GETITEM nodes
        self.differentiable = differentiable  # False: outputs never require grad (argmax, eq, ...)
        self.view = view  # True: the output aliases its input (PyTorch view semantics)
        self.id = next(_ids)

    def compiled(self, nargs, nstatics):
        """impl as one jitted XLA computation (statics static), for op-by-op replays: a fused op
        (an optimizer update, a loss) compiles once per shape instead of once per JAX primitive."""
        cache = self.__dict__.setdefault("_jitted", {})
        fn = cache.get((nargs, nstatics))
        if fn is None:
            import jax

            fn = cache[nargs, nstatics] = jax.jit(self.impl, static_argnums=tuple(range(nargs, nargs + nstatics)))
        return fn

    def kernel(self, nargs, nstatics):
        """What an op-by-op replay calls for this op: its compiled kernel, or the plain
        implementation for ops whose outputs user code decides each call (nout None)."""
        return self.impl if self.nout is None else self.compiled(nargs, nstatics)

    def grad_fn_name(self, node):
        g = self.grad_fn
        if g is None:
            return None
        return g if isinstance(g, str) else g(node)

    def __repr__(self):
        return f"<op {self.name}>"


def defop(name, impl, **kw):
    if name in OPS:
        raise ValueError(f"op {name!r} declared twice")
    op = OPS[name] = OpDef(name, impl, **kw)
    return op


# Structural ops the engine itself needs.
SCALAR = defop("scalar", None)  # a Python number operand; its value lives in node.value
LEAF = defop("leaf", lambda v: v, grad_fn="AccumulateGrad", saves=False)  # a leaf's use
DETACH = defop("detach", lambda v: _stop_gradient(v), grad_fn=None, saves=False, differentiable=False)  # a detached alias
GETITEM = defop("getitem", lambda v, i: v[i], saves=False)  # one output of a multi-output op


def _stop_gradient(v):
    import jax

    return jax.lax.stop_gradient(v)


def _rebind_impl():
    import jax

    @jax.custom_vjp
    def rebind(value, history):
        return value

    def fwd(value, history):
        return value, None

    def bwd(_, g):
        return (jax.numpy.zeros_like(g), g)

    rebind.defvjp(fwd, bwd)
    return rebind


# A tensor whose value was changed behind autograd's back (through .data or a detach()ed
# alias) keeps its history: forward uses the new value, gradients flow into the old graph.
REBIND = defop("rebind", lambda v, h: _REBIND(v, h), grad_fn=None, saves=False)
_REBIND = _rebind_impl()
