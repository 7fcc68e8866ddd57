"""How a traced step is compiled again for its later calls (see `Layout`)."""
import jax
import jax.numpy as jnp
from jax.extend.core import jaxpr_as_fun


class Layout:
    """How a traced step (a jax `Traced` with inputs (state values, argument values, RNG key,
    live numbers)) is compiled again from its jaxpr; the user's function is not run again.

    * Only the state at positions `used` is an input (the step never touched the rest: a
      `.grad` that `zero_grad()` dropped, say). Holding those tensors for every call would keep
      their memory alive; the jaxpr's inputs for them, which nothing reads, get zeros.
    * The used state comes in two arguments: the values the step replaces (`changed`, as
      positions in the used list), then the others. The first may be donated: XLA then writes
      the new state into the old buffers, so a parameter is updated in place (no second copy
      on an accelerator; on the CPU no fresh pages to allocate and fault in each call).
    * A donating program may also take, last, buffers it does not read (`recycled` in
      `compile`): the old `.grad` values the step drops (zero_grad() before backward), which
      XLA then reuses for the new gradients. Without that, the old gradients stay allocated
      until the call has made the new ones (twice the gradients' memory at the peak, where
      PyTorch frees them first) and are freed one by one afterwards.

    `arrange(inputs)` turns (used state values, argument values, key, live) into a call's
    arguments; `replay` runs the jaxpr on those inputs flattened (the COMPILED node's
    implementation)."""

    def __init__(self, stage, used, changed):
        self.changed = list(changed)
        self.avals = list(stage.in_avals[0][0])  # (the state's, in traced order)
        self.used = list(used)
        wanted = set(self.changed)
        self.kept = [k for k in range(len(self.used)) if k not in wanted]
        self._fn = jaxpr_as_fun(stage.jaxpr)
        self._out_tree = jax.tree_util.tree_structure(stage.out_info)

    def _full(self, used_vals):
        state = [None] * len(self.avals)
        for k, v in zip(self.used, used_vals):
            state[k] = v
        return [jnp.zeros(a.shape, a.dtype) if v is None else v for v, a in zip(state, self.avals)]

    def replay(self, *flat):
        n = len(self.used)
        return self._fn(*self._full(flat[:n]), *flat[n:])

    def arrange(self, inputs):
        state = inputs[0]
        return ([state[k] for k in self.changed], [state[k] for k in self.kept]) + tuple(inputs[1:])

    def compile(self, inputs, donate, recycled=None):
        """Compiled for a call's `inputs` (unarranged: their shapes and placements), donating the
        replaced state when `donate`, and taking `recycled` (arrays: their shapes and
        placements) as a last, donated argument that nothing reads when it is given."""
        order = self.changed + self.kept

        def program(changed_vals, kept_vals, arg_vals, key, live, *recycled):
            used = [None] * len(order)
            for k, v in zip(order, list(changed_vals) + list(kept_vals)):
                used[k] = v
            flat = jax.tree_util.tree_leaves((self._full(used), arg_vals, key, live))
            return jax.tree_util.tree_unflatten(self._out_tree, self._fn(*flat))

        args = self.arrange(inputs)
        if recycled is None:
            return jax.jit(program, donate_argnums=(0,) if donate else ()).lower(*args).compile()
        # (keep_unused: an argument nothing reads is otherwise dropped, and its buffer with it)
        return jax.jit(program, donate_argnums=(0, 5), keep_unused=True).lower(*args, recycled).compile()
