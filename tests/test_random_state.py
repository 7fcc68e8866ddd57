"""The random-number state's API as PyTorch's: torch.manual_seed returns the default generator
(torch.default_generator, facade's global state), a new Generator starts from PyTorch's default
seed, states are uint8 tensors that restore the same draws. The numbers drawn differ from
PyTorch's (another generator), so the checks are on what the API does — against PyTorch too."""
import facade

try:
    import torch
except ImportError:
    torch = None


def observe(T):
    out = [T.manual_seed(3).initial_seed(), T.default_generator.initial_seed(), T.Generator().initial_seed()]
    T.default_generator.manual_seed(7)
    out.append(T.initial_seed())
    state = T.get_rng_state()
    out.append(str(state.dtype))
    a = T.randn(5)
    T.set_rng_state(state)
    out.append(T.equal(a, T.randn(5)))
    g = T.Generator().manual_seed(5)
    saved = g.get_state()
    x = T.randn(3, generator=g)
    out.append(T.equal(x, T.randn(3, generator=g)))
    g.set_state(saved)
    out += [T.equal(x, T.randn(3, generator=g)), str(saved.dtype), str(g.device), T.default_generator is T.manual_seed(1)]
    return out


def test_random_state_api():
    got = observe(facade)
    assert got == [3, 3, 67280421310721, 7, "torch.uint8", True, False, True, "torch.uint8", "cpu", True]
    if torch is not None:
        assert got == observe(torch)
