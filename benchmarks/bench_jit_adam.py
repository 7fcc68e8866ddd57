"""(e) jit_adam -- the MLP step with optim.Adam: facade.jit vs PyTorch eager vs jax.jit + optax.adam."""
import _jit_mlp as M

NAME = "jit_adam"
TITLE = "facade.jit MLP 784-256-256-10 step, Adam"
RTOL, ATOL = M.RTOL, M.ATOL
config = M.config


def torch_style(T, cfg):
    return M.torch_style(T, cfg, lambda T, params: T.optim.Adam(params, lr=1e-3))


def jax_baseline(cfg):
    return M.jax_baseline(cfg, lambda optax: optax.adam(1e-3))
