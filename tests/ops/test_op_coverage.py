"""Every op of facade's table is exercised by some spec of the op suite.

The ops a spec exercises are read off the tape: the nodes its result was recorded from (no
values are computed). Ops exempted below are tested elsewhere, with the reason given.
"""
from hypothesis import HealthCheck, Phase, given, settings

import facade
from facade._ops.table import OPS
from facade.testing import strategies as fst
from facade.testing._op_specs import SPECS

EXEMPT = {
    "scalar": "structural: a Python number operand",
    "leaf": "structural: a leaf's use (AccumulateGrad)",
    "detach": "structural: a detached alias",
    "getitem": "structural: one output of a multi-output op",
    "rebind": "structural: a value changed behind autograd's back",
    "no_grad_edge": "structural: a view made under no_grad of a tensor that requires grad (tests/test_view_leaves.py)",
    "backward_hook_identity": "the identity a module's backward hooks watch (tests/nn/test_module_backward_hooks.py)",
    "backward_graph": "the engine's recorded backward (create_graph=True): tests/test_autograd_semantics.py, gradgradcheck",
    "function": "autograd.Function (tests/ops/test_gradcheck.py)",
    "function_unsaved": "autograd.Function whose forward saved nothing (tests/test_autograd_semantics.py)",
    "compiled_function": "what a facade.jit call returns: its history (tests/test_jit_autograd.py, against eager and finite differences)",
    "jit_never_computed": "what a tensor made by a failed facade.jit call holds: reading it raises "
                          "(tests/test_jit_first_call.py)",
    "view_scatter": "core: writes through views (exercised by setitem.graph and in-place ops on views)",
    "to_device": "devices: a single CPU device here",
    "random_fill2": "random: values are not comparable",
    "bernoulli": "random: values are not comparable",
    "standard_gamma": "random: values are not comparable; tests/test_distributions.py checks the sample moments "
                      "and the implicit reparameterized gradient (E[dx/da] = 1, E[d(x^2)/da] = 2a + 1)",
    "dropout": "random: the mask is drawn from facade's generator; tests/nn/test_misc_layers.py checks the mask "
               "(Bernoulli(1 - p), whole channels for dropout1d/2d/3d), the 1 / (1 - p) scaling, the gradient through the "
               "same mask, MulBackward0, in-place and p = 0 / 1 / eval against torch",
}

# The fused optimizer updates (facade/_ops/optim_ops.py, optim_more_ops.py) run under no_grad on a parameter and its state: each is
# checked against PyTorch over 50 steps of every optimizer configuration (losses, parameters and state_dict) by
# tests/optim/test_optim_oracle.py (test_fifty_steps_match_pytorch; the update maths alone, open loop, to a few
# ulps in test_update_maths_within_an_ulp_or_two; float64 and complex parameters), and
# tests/optim/test_optim_ops_exercised.py asserts those configurations record every one of these ops.
_OPTIM = "optimizer update: tests/optim/test_optim_oracle.py against PyTorch (see above)"
EXEMPT.update({name: _OPTIM for name in (
    "sgd_step", "sgd_momentum_step", "adam_step", "adam_amsgrad_step", "adagrad_step", "rmsprop_step",
    "rmsprop_centered_step", "rmsprop_momentum_step", "rmsprop_centered_momentum_step", "optim_keep_state",
    "adamax_step", "nadam_step", "radam_step", "adadelta_step", "rprop_step", "asgd_step")})
_RRELU = ("random: rrelu's training slopes come from facade's generator; tests/nn/test_more_losses.py checks them "
          "(uniform in [lower, upper], the gradient is each entry's slope, 1 for x > 0, RreluWithNoiseBackward0/1)")
EXEMPT.update({"rrelu_train": _RRELU, "rrelu_train_": _RRELU})


def _ops_in(result, seen):
    stack = []
    if isinstance(result, (tuple, list)):
        for r in result:
            _ops_in(r, seen)
        return
    if isinstance(result, facade.Tensor):
        stack.append(result._node())
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node  # the node itself, so its id is not reused while we walk
        stack.extend(node.args)


# a few examples per spec, the same ones every run (some ops appear only on some draws: advanced indexing)
_DRAWS = settings(max_examples=6, database=None, derandomize=True, phases=[Phase.generate], deadline=None,
                  suppress_health_check=list(HealthCheck))


def exercised_ops():
    seen = {}
    for name in sorted(SPECS):
        @_DRAWS
        @given(fst.op_inputs(name, max_dims=2, max_side=2))
        def record(case):
            # inputs that require grad (some ops are recorded only then); without, where that raises as in
            # PyTorch (view_as_complex_copy)
            for requires_grad in (True, False):
                try:
                    _ops_in(case.run(facade, case.tensors(facade, requires_grad=requires_grad)), seen)
                    break
                except Exception:  # noqa: BLE001 - a failing spec is reported by the op suite, not here
                    pass

        record()
    return {node.op.name for node in seen.values() if node.op is not None}


def test_every_op_has_a_spec():
    missing = sorted(set(OPS) - exercised_ops() - set(EXEMPT) - {n for n in OPS if n.startswith("test_")})
    assert not missing, f"ops no spec exercises: {missing}"


def test_exemptions_are_real_ops():
    assert set(EXEMPT) <= set(OPS)
