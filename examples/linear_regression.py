"""Seed 001, Example 6, as a training loop: nn.Linear + nn.MSELoss + optim.SGD.

    python examples/linear_regression.py

Ordinary PyTorch code; only the import differs. The data and the initial weights come from
numpy, so this script prints the same numbers under `import torch` (tests/test_examples.py
runs both and compares).
"""
import numpy as np

import facade as torch
import facade.nn as nn

rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((10, 3)).astype(np.float32))
true_w = torch.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]])
y = x @ true_w.T + 0.1 * torch.from_numpy(rng.standard_normal((10, 2)).astype(np.float32))

linear = nn.Linear(3, 2)
with torch.no_grad():  # the same starting point as the PyTorch twin
    linear.weight.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, (2, 3)).astype(np.float32)))
    linear.bias.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, 2).astype(np.float32)))
print(linear)
print("w:", linear.weight)
print("b:", linear.bias)

criterion = nn.MSELoss()
optimizer = torch.optim.SGD(linear.parameters(), lr=0.1)

pred = linear(x)
loss = criterion(pred, y)
print("Loss:", loss)
loss.backward()
print("dL/dw:", linear.weight.grad)
print("dL/db:", linear.bias.grad)
optimizer.step()
optimizer.zero_grad()

epochs = 50
for epoch in range(epochs):
    pred = linear(x)
    loss = criterion(pred, y)
    if (epoch + 1) % 10 == 0:
        print(f"Epoch [{epoch + 1}/{epochs}], Loss: {loss.item():.6f}")
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()

print("learned w:", linear.weight.detach())
print("learned b:", linear.bias.detach())
