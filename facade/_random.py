"""facade's random number state: one JAX PRNG key, advanced by every random op.

torch.manual_seed(s) resets it; each random op splits off a fresh subkey. Numbers differ
from PyTorch's generator (no two RNG streams agree), but the same seed gives the same run.
"""
import jax

_STATE = {"key": None, "seed": 0}


def manual_seed(seed):
    seed = int(seed)
    _STATE["seed"] = seed
    _STATE["key"] = jax.random.key(seed & 0xFFFFFFFFFFFFFFFF if seed >= 0 else seed % (1 << 64))
    return Generator._default


def seed():
    import random

    s = random.getrandbits(63)
    manual_seed(s)
    return s


def initial_seed():
    return _STATE["seed"]


def next_key():
    key = _STATE["key"]
    if key is None:
        key = jax.random.key(_STATE["seed"])
    key, sub = jax.random.split(key)
    _STATE["key"] = key
    return sub


def get_rng_state():
    from ._creation import tensor

    if _STATE["key"] is None:
        manual_seed(_STATE["seed"])
    return tensor(jax.random.key_data(_STATE["key"]).tolist(), dtype=None)


def set_rng_state(state):
    import numpy as np

    _STATE["key"] = jax.random.wrap_key_data(np.asarray(state.tolist(), dtype=np.uint32))


class Generator:
    """torch.Generator: its own key, used where a random function takes generator=."""

    _default = None

    def __init__(self, device="cpu"):
        self._key = jax.random.key(0)
        self._seed = 0

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._key = jax.random.key(self._seed % (1 << 64))
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        import random

        self.manual_seed(random.getrandbits(63))
        return self._seed

    def next_key(self):
        if self is Generator._default:
            return next_key()
        self._key, sub = jax.random.split(self._key)
        return sub


Generator._default = Generator.__new__(Generator)


def key_for(generator):
    return next_key() if generator is None else generator.next_key()
