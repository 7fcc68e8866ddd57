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
    x, y = facade.randn(16, 4), facade.randn(16, 2)
    for mode in ("train", "train", "eval", "eval", "train", "eval", "train"):
        getattr(compiled, mode)()
        getattr(reference, mode)()
        if mode == "eval":  # deterministic: the eager model with the same state gives the same outputs
            reference.load_state_dict(model.state_dict())
            with facade.no_grad():
                np.testing.assert_allclose(compiled(x).numpy(), reference(x).numpy(), rtol=1e-5, atol=1e-6)
            continue
        opt.zero_grad()
        loss = ((compiled(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        with facade.no_grad():  # dropout is on again in train mode: two calls draw different masks
            assert not np.allclose(compiled(x).numpy(), compiled(x).numpy())
    assert model.training and not model[1].running_mean.equal(facade.zeros(8))
    # one program per (mode, grad mode) met, and load_state_dict's writes may retrace once: seven switches
    # between train and eval reuse them
    assert compiled.recompiles <= 3


def test_a_training_flag_change_is_the_recompile_reason():
    compiled = facade.compile(_model(facade))
    x = facade.randn(16, 4)
    with facade.no_grad():
        for mode in ("train", "train", "eval", "eval", "train"):
            getattr(compiled, mode)()
            compiled(x)
    assert compiled.recompiles == 1
    assert compiled.recompile_reasons == ["arguments or state changed: a module's training flag changed (train() / eval())"]
