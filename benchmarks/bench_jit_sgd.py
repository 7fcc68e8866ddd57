"""(d) jit_sgd -- the MLP step with nn.Linear/CrossEntropyLoss/optim.SGD(momentum=0.9): facade.jit vs
PyTorch eager vs hand-written jax.jit(value_and_grad) + optax.sgd. Goal (issue #5): ≤ 1.05x JAX."""
import _jit_mlp as M

NAME = "jit_sgd"
TITLE = "facade.jit MLP 784-256-256-10 step, SGD momentum 0.9"
RTOL, ATOL = M.RTOL, M.ATOL
config = M.config


def torch_style(T, cfg):
    return M.torch_style(T, cfg, lambda T, params: T.optim.SGD(params, lr=0.05, momentum=0.9))


def jax_baseline(cfg):
    return M.jax_baseline(cfg, lambda optax: optax.sgd(0.05, momentum=0.9))
