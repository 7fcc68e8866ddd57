"""torch.optim.swa_utils: weight averaging (SWA / EMA) with `AveragedModel`, `update_bn`, and
the `SWALR` learning-rate schedule."""
import copy
import itertools
import math

from .._grad_mode import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place update of a list of averages: ``avg += (1 - decay) * (current - avg)``."""
    def ema_update(ema_params, current_params, _num_averaged):
        with no_grad():
            floating = ema_params[0].is_floating_point() or ema_params[0].is_complex()
            for e, c in zip(ema_params, current_params):
                if floating:
                    e.lerp_(c, 1 - decay)
                else:
                    e.copy_(e * decay + c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An in-place update of a list of running means: ``avg += (current - avg) / (n + 1)``."""
    def swa_update(averaged_params, current_params, num_averaged):
        with no_grad():
            # PyTorch's weight 1 / (n + 1) is a default-dtype (float32) tensor when n is a tensor
            weight = float(1 / (num_averaged + 1))
            for a, c in zip(averaged_params, current_params):
                if a.is_floating_point() or a.is_complex():
                    a.lerp_(c, weight)
                else:
                    a.add_((c - a) / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """``decay * avg + (1 - decay) * current`` for one tensor."""
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The running mean ``avg + (current - avg) / (n + 1)`` for one tensor."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A deep copy of `model` (as ``.module``) whose parameters (and buffers, with use_buffers)
    are averaged over `update_parameters` calls; ``n_averaged`` counts them.

    The default is the SWA running mean; pass `avg_fn` (one tensor at a time) or
    `multi_avg_fn` (lists of tensors, in place) for another, e.g. get_ema_multi_avg_fn(0.99).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        import facade
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", facade.tensor(0, dtype=facade.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold the current tensors of `model` into the average."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        mine = [p.detach() for p in mine]
        theirs = [p.detach().to(a.device) for p, a in zip(theirs, mine)]
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for a, c in zip(mine, theirs):
                    a.copy_(c)
            elif self.multi_avg_fn is not None:
                groups = {}  # as PyTorch: one call per (device, dtype) group
                for a, c in zip(mine, theirs):
                    g = groups.setdefault((str(a.device), a.dtype), ([], []))
                    g[0].append(a)
                    g[1].append(c)
                for (_, _), (avgs, curs) in groups.items():
                    self.multi_avg_fn(avgs, curs, self.n_averaged.to(avgs[0].device))
            else:  # avg_fn, or the SWA running mean one tensor at a time (PyTorch's CPU path)
                fn = self.avg_fn or get_swa_avg_fn()
                for a, c in zip(mine, theirs):
                    a.copy_(fn(a, c, self.n_averaged.to(a.device)))
            if not self.use_buffers:  # keep buffers (e.g. BatchNorm statistics) in sync with the model
                for b, c in zip(self.module.buffers(), model.buffers()):
                    b.detach().copy_(c.detach().to(b.device))
            self.n_averaged += 1


def update_bn(loader, model, device=None):
    """Recompute the BatchNorm running statistics of `model` with one pass over `loader`
    (a cumulative average: momentum None during the pass); the first element of list/tuple
    batches is the input."""
    momenta = {}
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.reset_running_stats()
            momenta[m] = m.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for m in momenta:
        m.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for m, mom in momenta.items():
        m.momentum = mom
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to its `swa_lr` over `anneal_epochs` steps ("cos" or "linear"),
    then hold it there."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t):
        if self._anneal_strategy == "linear":
            return t
        return (1 - math.cos(math.pi * t)) / 2

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def get_lr(self):
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        alpha = self.anneal_func(max(0, min(1, step / span)))
        out = []
        for g in self.optimizer.param_groups:
            # the lr before annealing started, recovered from the current one
            start = g["swa_lr"] if prev_alpha == 1 else (g["lr"] - prev_alpha * g["swa_lr"]) / (1 - prev_alpha)
            out.append(g["swa_lr"] * alpha + start * (1 - alpha))
        return out
