"""A small CNN with BatchNorm and Dropout, trained on synthetic 12x12 images of three kinds of
stripes (horizontal, vertical, diagonal) under noise.

    python examples/cnn_synthetic_images.py

Ordinary PyTorch code; only the imports differ. The data and the initial weights come from
numpy; dropout draws from the library's own generator, so the PyTorch twin (the same script
under `import torch`) prints the same model and the same kind of progress, with numbers that
differ once dropout has run (tests/test_examples.py compares the two).
"""
import math

import numpy as np

import facade as torch
import facade.nn as nn
from facade.utils.data import DataLoader, Sampler, TensorDataset

SIZE = 12


def stripes(n, rng):
    """n noisy images (n, 1, SIZE, SIZE) and their labels: 0 horizontal, 1 vertical, 2 diagonal."""
    label = rng.integers(0, 3, n)
    phase = rng.integers(0, 3, n)
    r, c = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    images = np.empty((n, 1, SIZE, SIZE), np.float32)
    for i in range(n):
        coord = (r, c, r + c)[label[i]]
        images[i, 0] = ((coord + phase[i]) % 3 == 0).astype(np.float32)
    images += 0.8 * rng.standard_normal(images.shape).astype(np.float32)
    return images, label.astype(np.int64)


class Shuffle(Sampler):
    """A new random order every epoch, drawn from numpy."""

    def __init__(self, n, seed):
        self.n, self.rng = n, np.random.default_rng(seed)

    def __iter__(self):
        return iter(self.rng.permutation(self.n).tolist())

    def __len__(self):
        return self.n


class StripeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(16, 3))

    def forward(self, x):
        return self.classifier(self.features(x))


rng = np.random.default_rng(0)
train_x, train_y = stripes(600, rng)
test_x, test_y = stripes(300, rng)
loader = DataLoader(TensorDataset(torch.from_numpy(train_x), torch.from_numpy(train_y)), batch_size=50,
                    sampler=Shuffle(len(train_x), seed=1))

torch.manual_seed(0)
model = StripeNet()
with torch.no_grad():  # PyTorch's default ranges, drawn from numpy: the same start as the twin
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            bound = 1 / math.sqrt(fan_in)
            for p in (m.weight, m.bias):
                p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)


def accuracy(x, y):
    model.eval()
    with torch.no_grad():
        correct = (model(torch.from_numpy(x)).argmax(dim=1) == torch.from_numpy(y)).float().mean().item()
    model.train()
    return correct


for epoch in range(1, 9):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    scheduler.step()
    if epoch % 2 == 0:
        print(f"epoch {epoch}  lr {scheduler.get_last_lr()[0]:.3f}  loss {total / len(train_x):.4f}  "
              f"test accuracy {accuracy(test_x, test_y):.3f}")

print("running mean of the first BatchNorm:", model.features[1].running_mean.shape)
print(f"final test accuracy: {accuracy(test_x, test_y):.3f}")
