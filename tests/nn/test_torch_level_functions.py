"""torch.<name> forms of nn.functional ops (torch.conv2d, torch.max_pool2d, torch.selu, ...) exist and
compute what torch.nn.functional.<name> computes (with torch installed: what PyTorch's torch.<name> does)."""
import numpy as np
import pytest

import facade
from facade.testing import compare_with_torch
from facade.testing._differential import torch_or_none

X4 = np.random.default_rng(0).standard_normal((1, 2, 5, 5))
X3 = X4[:, :, 0]
W4 = np.random.default_rng(1).standard_normal((3, 2, 3, 3))
CALLS = {
    "conv2d": (lambda T, x, w: T.conv2d(x, w, None, 1, 1), X4, W4),
    "conv1d": (lambda T, x, w: T.conv1d(x, w[..., 0], None, 2), X3, W4),
    "max_pool2d": (lambda T, x: T.max_pool2d(x, 2), X4),
    "max_pool3d": (lambda T, x: T.max_pool3d(x[None], 2), X4),
    "avg_pool1d": (lambda T, x: T.avg_pool1d(x, 2), X3),
    "adaptive_avg_pool1d": (lambda T, x: T.adaptive_avg_pool1d(x, 2), X3),
    "selu": (lambda T, x: T.selu(x), X3),
    "celu": (lambda T, x: T.celu(x, 0.5), X3),
    "threshold": (lambda T, x: T.threshold(x, 0.1, 2.0), X3),
    "group_norm": (lambda T, x: T.group_norm(x, 1), X4),
    "cosine_similarity": (lambda T, x: T.cosine_similarity(x, x * 2 + 1), X3),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_torch_level_function(name):
    fn, *arrays = CALLS[name]
    assert callable(getattr(facade, name))
    ours = fn(facade, *[facade.tensor(a) for a in arrays])
    F = facade.nn.functional
    reference = fn(type("F", (), {k: staticmethod(getattr(F, k)) for k in dir(F) if not k.startswith("_")}),
                   *[facade.tensor(a) for a in arrays])
    np.testing.assert_allclose(ours.numpy(), reference.numpy())
    if torch_or_none() is not None:
        compare_with_torch(fn, *arrays)
