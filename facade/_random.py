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
    """The state as a uint8 tensor (as PyTorch's; facade's holds the bytes of its JAX key)."""
    if _STATE["key"] is None:
        manual_seed(_STATE["seed"])
    return _state_tensor(_STATE["key"])


def set_rng_state(state):
    _STATE["key"] = _key_of(state)


def _state_tensor(key):
    import numpy as np

    from ._creation import tensor

    return tensor(np.asarray(jax.random.key_data(key), np.uint32).view(np.uint8).copy())


def _key_of(state):
    import numpy as np

    if not hasattr(state, "dtype") or str(state.dtype) != "torch.uint8":
        raise TypeError(f"expected a torch.ByteTensor, but got {type(state).__name__}")
    return jax.random.wrap_key_data(np.asarray(state.tolist(), dtype=np.uint8).view(np.uint32))


_DEFAULT_SEED = 67280421310721  # the seed of a new torch.Generator


class Generator:
    """torch.Generator: its own key, used where a random function takes generator=. The default
    generator (torch.default_generator, what torch.manual_seed returns) is facade's global state."""

    _default = None

    def __init__(self, device="cpu"):
        self.device = _device_of(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        if self is Generator._default:
            manual_seed(seed)
            return self
        self._seed = int(seed)
        self._key = jax.random.key(self._seed % (1 << 64))
        return self

    def initial_seed(self):
        return initial_seed() if self is Generator._default else self._seed

    def seed(self):
        if self is Generator._default:
            return seed()
        import random

        self.manual_seed(random.getrandbits(63))
        return self._seed

    def get_state(self):
        return get_rng_state() if self is Generator._default else _state_tensor(self._key)

    def set_state(self, state):
        if self is Generator._default:
            set_rng_state(state)
        else:
            self._key = _key_of(state)
        return self

    def next_key(self):
        if self is Generator._default:
            return next_key()
        self._key, sub = jax.random.split(self._key)
        return sub


def _device_of(device):
    from ._device import device as make

    return make(device) if isinstance(device, str) else device


Generator._default = Generator.__new__(Generator)
Generator._default.device = _device_of("cpu")


def key_for(generator):
    return next_key() if generator is None else generator.next_key()
