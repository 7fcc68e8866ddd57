"""nn layers inside facade.jit: a jitted training step gives the eager step's results
(parameters, BatchNorm running statistics, dropout masks from the same seed)."""

import numpy as np

import facade
import facade.nn as nn


def _train(jitted, steps=4):
    facade.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Dropout(0.3), nn.Linear(8, 3), nn.LayerNorm(3)
    )
    opt = facade.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    x = facade.randn(16, 4)
    y = facade.randint(0, 3, (16,))

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    if jitted:
        step = facade.jit.jit(step)
    losses = [step(x, y).item() for _ in range(steps)]
    return losses, {k: v.numpy() for k, v in model.state_dict().items()}


def test_jitted_training_step_matches_eager():
    eager_losses, eager_state = _train(False)
    jit_losses, jit_state = _train(True)
    np.testing.assert_allclose(jit_losses, eager_losses, rtol=1e-5)
    assert list(jit_state) == list(eager_state)
    for k in eager_state:
        np.testing.assert_allclose(jit_state[k], eager_state[k], rtol=1e-5, atol=1e-6, err_msg=k)
    assert jit_state["1.num_batches_tracked"] == 4
