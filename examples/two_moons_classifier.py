"""A classifier on the two-moons dataset: an MLP, CrossEntropyLoss, Adam and a DataLoader.

    python examples/two_moons_classifier.py

Ordinary PyTorch code; only the imports differ. The data, the initial weights and the order
of the batches come from numpy, so the script prints the same numbers under `import torch`
(tests/test_examples.py runs both and compares).
"""
import math

import numpy as np

import facade as torch
import facade.nn as nn
from facade.utils.data import DataLoader, Sampler, TensorDataset


def two_moons(n, noise, rng):
    """n points on two interleaved half circles, labelled 0 and 1."""
    t = rng.uniform(0, math.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label == 0, np.cos(t), 1 - np.cos(t))
    y = np.where(label == 0, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x, y], axis=1) + noise * rng.standard_normal((n, 2))
    return points.astype(np.float32), label.astype(np.int64)


class Shuffle(Sampler):
    """A new random order every epoch, drawn from numpy (so both libraries see the same batches)."""

    def __init__(self, n, seed):
        self.n, self.rng = n, np.random.default_rng(seed)

    def __iter__(self):
        return iter(self.rng.permutation(self.n).tolist())

    def __len__(self):
        return self.n


rng = np.random.default_rng(0)
train_x, train_y = two_moons(512, 0.1, rng)
test_x, test_y = two_moons(256, 0.1, rng)
train = TensorDataset(torch.from_numpy(train_x), torch.from_numpy(train_y))
loader = DataLoader(train, batch_size=32, sampler=Shuffle(len(train), seed=1))

model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
with torch.no_grad():  # PyTorch's default ranges, drawn from numpy: the same start as the twin
    for layer in model:
        if isinstance(layer, nn.Linear):
            bound = 1 / math.sqrt(layer.in_features)
            for p in (layer.weight, layer.bias):
                p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
print(model)

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)


def accuracy(x, y):
    with torch.no_grad():
        return (model(torch.from_numpy(x)).argmax(dim=1) == torch.from_numpy(y)).float().mean().item()


for epoch in range(1, 21):
    total, batches = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}  loss {total / batches:.4f}  train accuracy {accuracy(train_x, train_y):.3f}")

print(f"test accuracy: {accuracy(test_x, test_y):.3f}")
