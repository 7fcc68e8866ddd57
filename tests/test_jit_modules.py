"""torch.compile(model) as PyTorch gives it: an nn.Module wrapping the model (`_orig_mod`), whose
parameters, state_dict keys, repr and train()/eval() are PyTorch's; and a compiled model follows
train()/eval() (facade.jit guards on every module's training flag its trace read: a change retraces
once, switching back reuses the compiled program)."""
import copy

import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None


def _model(T):
    T.manual_seed(0)
    return T.nn.Sequential(T.nn.Linear(4, 8), T.nn.BatchNorm1d(8), T.nn.ReLU(), T.nn.Dropout(0.5), T.nn.Linear(8, 2))


def describe(T):
    compiled = T.compile(_model(T))
    return [type(compiled).__name__, isinstance(compiled, T.nn.Module), list(compiled.state_dict()),
            sum(p.numel() for p in compiled.parameters()), repr(compiled).splitlines()[:2], compiled.training,
            compiled.eval().training, compiled._orig_mod.training]


def test_compiled_module_is_a_module():
    got = describe(facade)
    assert got[:2] == ["OptimizedModule", True]
    assert got[2][0] == "_orig_mod.0.weight" and got[2][-1] == "_orig_mod.4.bias"
    assert got[4] == ["OptimizedModule(", "  (_orig_mod): Sequential("]
    assert got[5:] == [True, False, False]
    if torch is not None:
        assert got == describe(torch)


def test_train_and_eval_switch_as_eagerly():
    model = _model(facade)
    reference = copy.deepcopy(model)
    compiled = facade.compile(model)
    opt = facade.optim.SGD(compiled.parameters(), lr=0.1)
    ref_opt = facade.optim.SGD(reference.parameters(), lr=0.1)
    x, y = facade.randn(16, 4), facade.randn(16, 2)
    for mode in ("train", "train", "eval", "eval", "train", "eval", "train"):
        getattr(compiled, mode)()
        getattr(reference, mode)()
        if mode == "eval":  # deterministic: the same outputs as the eager model, running statistics used
            with facade.no_grad():
                np.testing.assert_allclose(compiled(x).numpy(), reference(x).numpy(), rtol=1e-5, atol=1e-6)
            continue
        state = facade.get_rng_state()
        opt.zero_grad()
        loss = ((compiled(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        facade.set_rng_state(state)  # the same dropout masks for the eager step
        ref_opt.zero_grad()
        ref_loss = ((reference(x) - y) ** 2).mean()
        ref_loss.backward()
        ref_opt.step()
        assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-5)
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(model[1].running_mean.numpy(), reference[1].running_mean.numpy(), rtol=1e-5, atol=1e-6)
    assert compiled.recompiles == 1  # eval (under no_grad) traced once; switching back reuses the programs


@pytest.mark.parametrize("compiled_is_the_copy", [False, True])
def test_a_deepcopy_of_the_model_is_another_model(compiled_is_the_copy):
    """A target network / EMA copy (copy.deepcopy) holds its original's arrays until either changes: the
    compiled model still reads, and sends gradients to, its own parameters (it once took the copy's
    when the copy was the older tensor, so later calls read stale weights)."""
    facade.manual_seed(0)
    first = facade.nn.Linear(4, 2)
    second = copy.deepcopy(first)
    model, other = (second, first) if compiled_is_the_copy else (first, second)
    eager = copy.deepcopy(model)
    compiled = facade.compile(model)
    opt, eager_opt = facade.optim.SGD(model.parameters(), lr=0.1), facade.optim.SGD(eager.parameters(), lr=0.1)
    x, y = facade.randn(16, 4), facade.randn(16, 2)
    start = [p.detach().clone() for p in other.parameters()]
    for _ in range(4):
        for m, o in ((compiled, opt), (eager, eager_opt)):
            o.zero_grad()
            ((m(x) - y) ** 2).mean().backward()
            o.step()
    for p, q in zip(model.parameters(), eager.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
    for p, q in zip(other.parameters(), start):  # untouched, and no gradient reached it
        assert p.grad is None and p.equal(q)




def test_a_training_flag_change_is_the_recompile_reason():
    compiled = facade.compile(_model(facade))
    x = facade.randn(16, 4)
    with facade.no_grad():
        for mode in ("train", "train", "eval", "eval", "train"):
            getattr(compiled, mode)()
            compiled(x)
    assert compiled.recompiles == 1
    assert compiled.recompile_reasons == ["arguments or state changed: a module's training flag changed (train() / eval())"]
