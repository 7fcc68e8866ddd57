"""A tour of facade through the seed autograd tutorials: PyTorch code, run on JAX.

    python examples/autograd_tour.py

Every line below is ordinary PyTorch; only the import differs.
"""
import facade as torch

print("facade", torch.__version__, "| CUDA available:", torch.cuda.is_available())

# Scalar autograd and the chain rule
x = torch.tensor(4.0, requires_grad=True)
y = 2 * x * (torch.cos(x) ** 2)
z = torch.sin(y)
print(x, y, z, sep="\n")
z.backward()
print("dz/dx:", x.grad)


# A manual binary cross-entropy, differentiated by autograd
def binary_cross_entropy_loss(prediction, target):
    epsilon = 1e-8
    prediction = torch.clamp(prediction, epsilon, 1 - epsilon)
    return -(target * torch.log(prediction) + (1 - target) * torch.log(1 - prediction))


x, target = torch.tensor(6.7), torch.tensor(0.0)
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
loss = binary_cross_entropy_loss(torch.sigmoid(w * x + b), target)
print("loss:", loss)
loss.backward()
print("dL/dw:", w.grad, " dL/db:", b.grad)

# Tensors, means, non-scalar backward with gradient=
x = torch.tensor([[1.0, 2.0, 3.0], [2.5, 9.8, 5.7]], requires_grad=True)
y = (x**2).mean()
y.backward()
print(y, x.grad, sep="\n")
x = torch.tensor([2.0, 3.0, 4.0], requires_grad=True)
(x**2).backward(torch.tensor([1.0, 0.1, 0.01]))
print("weighted gradients:", x.grad)

# Gradients accumulate until zeroed
weights = torch.ones(4, requires_grad=True)
for epoch in range(3):
    (weights * 3).sum().backward()
    print("epoch", epoch, weights.grad)
weights.grad.zero_()

# Three ways to stop tracking
x = torch.tensor(2.0, requires_grad=True)
print(x.detach(), (x + 10).requires_grad)
with torch.no_grad():
    print((x + 10).requires_grad)
x.requires_grad_(False)
try:
    (x**2).backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# A second backward through freed saved tensors raises as in PyTorch
x = torch.arange(4.0, requires_grad=True)
y = 2 * torch.dot(x, x)
y.backward()
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e)[:60], "...")


# Gradients through Python control flow
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    return b if b.sum() > 0 else 100 * b


torch.manual_seed(0)
a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
print("a:", a, " d/a:", d / a, " grad:", a.grad)

# A training loop: the same structure every step, so facade compiles it once
xs = torch.linspace(-1, 1, 64).reshape(-1, 1)
ys = 3 * xs - 0.5
w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(200):
    loss = ((xs @ w + b - ys) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
    w.grad = None
    b.grad = None
print(f"fitted w={w.item():.4f} b={b.item():.4f}  loss={loss.item():.2e}")
print("engine:", torch.engine.stats())
