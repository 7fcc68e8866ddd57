"""facade.optim.lr_scheduler: learning rates identical (==) to PyTorch's, trajectories with
schedules matching PyTorch's, warnings, errors and state_dict round trips."""
import copy
import math
import re

import numpy as np
import pytest

import facade
from facade import optim
from facade.optim import lr_scheduler as fls
from mlp_problem import train

SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=13, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("OneCycleLR", dict(max_lr=0.2, total_steps=50)),
    ("OneCycleLR", dict(max_lr=0.2, total_steps=60, anneal_strategy="linear", pct_start=0.4)),
    ("OneCycleLR", dict(max_lr=[0.2], total_steps=50, three_phase=True, div_factor=10.0)),
    ("ReduceLROnPlateau", dict(factor=0.5, patience=2, threshold=0.05, cooldown=1, min_lr=0.002)),
    ("ConstantLR", dict(factor=0.25, total_iters=6)),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=17)),
    ("SequentialLR", dict(milestones=[8])),  # LinearLR warm-up, then CosineAnnealingLR (see _make)
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9 if e % 3 else 1.05)),
    ("PolynomialLR", dict(total_iters=30, power=2.0)),
    ("ChainedScheduler", {}),  # ConstantLR and ExponentialLR at once (see _make)
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=7)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=[0.1], step_size_up=5, mode="triangular2", base_momentum=0.7)),
    ("CyclicLR", dict(base_lr=0.02, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.95,
                      cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=0.02, max_lr=0.1, step_size_up=6, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations")),
    ("CosineAnnealingWarmRestarts", dict(T_0=6, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
]
SIDS = [f"{n}{i}" for i, (n, _) in enumerate(SCHEDULES)]


def _make(T, name, opt, kw):
    lrs = T.optim.lr_scheduler
    if name == "SequentialLR":
        phases = [lrs.LinearLR(opt, start_factor=0.2, total_iters=8), lrs.CosineAnnealingLR(opt, T_max=30)]
        return lrs.SequentialLR(opt, phases, **kw)
    if name == "ChainedScheduler":
        return lrs.ChainedScheduler([lrs.ConstantLR(opt, factor=0.5, total_iters=4), lrs.ExponentialLR(opt, 0.9)])
    return getattr(lrs, name)(opt, **kw)


def _sched_maker(name, kw):
    return lambda T, opt: _make(T, name, opt, kw)


def _lrs(T, opt_name, name, kw, steps=50):
    """The lr (and momentum / beta1) sequence a schedule produces, with no training."""
    p = T.zeros(2, requires_grad=True)
    opt = getattr(T.optim, opt_name)([p], lr=0.1, **({"momentum": 0.9} if opt_name == "SGD" else {}))
    sched = _make(T, name, opt, kw)
    out = []
    for i in range(steps):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(1.0 / (1 + i) if i < 10 else 0.1)  # improves, then plateaus
        else:
            sched.step()
        g = opt.param_groups[0]
        out.append((sched.get_last_lr()[0], g.get("momentum"), g.get("betas")))
    return out


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=SIDS)
def test_learning_rates_equal_pytorch_exactly(name, kw):
    torch = pytest.importorskip("torch")
    for opt_name in ("SGD", "Adam"):
        assert _lrs(facade, opt_name, name, kw) == _lrs(torch, opt_name, name, kw)


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=SIDS)
def test_training_with_a_schedule_matches_pytorch(name, kw):
    torch = pytest.importorskip("torch")

    def sgd(T, ps):
        return T.optim.SGD(ps, lr=0.1, momentum=0.9)

    def adam(T, ps):
        return T.optim.Adam(ps, lr=0.01)

    cycles_beta1 = name in ("OneCycleLR", "CyclicLR")  # these cycle Adam's beta1 too
    for make_opt in (sgd, adam) if cycles_beta1 else (sgd,):
        (l_ref, p_ref, _), (l_got, p_got, _) = (train(T, make_opt, make_sched=_sched_maker(name, kw))
                                                for T in (torch, facade))
        np.testing.assert_allclose(l_got, l_ref, rtol=1e-5)
        for a, b in zip(p_got, p_ref):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _opt(lr=0.1, **kw):
    return optim.SGD([facade.zeros(2, requires_grad=True)], lr=lr, **kw)


def test_cosine_annealing_recurrence_values():
    opt = _opt(lr=0.05)
    sched = fls.CosineAnnealingLR(opt, T_max=4)
    seen = []
    for _ in range(9):
        opt.step()
        sched.step()
        seen.append(sched.get_last_lr()[0])
    # the minimum is reached at T_max, then the schedule climbs back (period 2 * T_max)
    assert seen[3] == 0.0 and seen[7] == pytest.approx(0.05)
    assert seen[0] == pytest.approx(0.05 * (1 + math.cos(math.pi / 4)) / 2, rel=1e-12)


def test_step_before_optimizer_step_warns():
    sched = fls.StepLR(_opt(), step_size=2)
    with pytest.warns(UserWarning, match=re.escape("Detected call of `lr_scheduler.step()` before `optimizer.step()`")):
        sched.step()


def test_overridden_optimizer_step_warns():
    opt = _opt()
    sched = fls.StepLR(opt, step_size=2)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = fls.ExponentialLR(_opt(), gamma=0.5)
    with pytest.warns(UserWarning, match=re.escape("please use `get_last_lr()`")):
        sched.get_lr()


def test_epoch_argument_uses_the_closed_form():
    opt = _opt()
    sched = fls.StepLR(opt, step_size=3, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(7)
    assert sched.get_last_lr() == [0.1 * 0.5 ** 2]


def test_initial_lr_required_when_resuming():
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        fls.StepLR(_opt(), step_size=3, last_epoch=5)


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="^int is not an Optimizer$"):
        fls.StepLR(3, step_size=1)
    with pytest.raises(TypeError, match="^str is not an Optimizer$"):
        fls.ReduceLROnPlateau("x")


def test_lambda_count_mismatch():
    opt = optim.SGD([{"params": [facade.zeros(1, requires_grad=True)]},
                     {"params": [facade.zeros(1, requires_grad=True)]}], lr=0.1)
    with pytest.raises(ValueError, match="^Expected 2 lr_lambdas, but got 1$"):
        fls.LambdaLR(opt, [lambda e: 1.0])


@pytest.mark.parametrize("kw,msg", [
    (dict(max_lr=0.1), "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (dict(max_lr=0.1, total_steps=0), "Expected positive integer total_steps, but got 0"),
    (dict(max_lr=0.1, epochs=2, steps_per_epoch=-1), "Expected positive integer steps_per_epoch, but got -1"),
    (dict(max_lr=0.1, total_steps=10, pct_start=1), "Expected float between 0 and 1 pct_start, but got 1"),
    (dict(max_lr=0.1, total_steps=10, anneal_strategy="exp"),
     "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    (dict(max_lr=[0.1, 0.2], total_steps=10),
     "max_lr must have the same length as optimizer.param_groups. max_lr has 2 values, param_groups has 1."),
])
def test_one_cycle_errors(kw, msg):
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        fls.OneCycleLR(_opt(), **kw)


def test_one_cycle_needs_momentum_and_stops_at_total_steps():
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        fls.OneCycleLR(optim.Adagrad([facade.zeros(1, requires_grad=True)]), max_lr=0.1, total_steps=5)
    opt = _opt(momentum=0.9)
    sched = fls.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="^Tried to step 4 times. The specified number of total steps is 3$"):
        opt.step()
        sched.step()


def test_reduce_on_plateau_behaviour_and_errors():
    with pytest.raises(ValueError, match="^Factor should be < 1.0.$"):
        fls.ReduceLROnPlateau(_opt(), factor=1.0)
    with pytest.raises(ValueError, match="^mode maximum is unknown!$"):
        fls.ReduceLROnPlateau(_opt(), mode="maximum")
    with pytest.raises(ValueError, match="^threshold mode relative is unknown!$"):
        fls.ReduceLROnPlateau(_opt(), threshold_mode="relative")
    with pytest.raises(ValueError, match="^expected 1 min_lrs, got 2$"):
        fls.ReduceLROnPlateau(_opt(), min_lr=[0.1, 0.2])
    opt = _opt(lr=1.0)
    sched = fls.ReduceLROnPlateau(opt, mode="max", patience=1, threshold=0.5, threshold_mode="abs", min_lr=0.3)
    lrs = []
    for metric in [1.0, 1.2, 1.4, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]:
        sched.step(facade.tensor(metric))  # a tensor metric is read with float()
        lrs.append(sched.get_last_lr()[0])
    # 1.4 is not better than 1.0 + 0.5: two bad epochs > patience cut to max(0.1, min_lr); later cuts
    # would not change the lr by more than eps, so it stays at min_lr
    assert lrs == [1.0, 1.0, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]


def test_reduce_on_plateau_exact_sequence():
    opt = _opt(lr=1.0)
    sched = fls.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    lrs = []
    for metric in [5, 4, 4, 4, 4, 4, 3]:
        sched.step(metric)
        lrs.append(sched.get_last_lr()[0])
    # bad epochs: 0 0 1 2(cut) 1 2(cut) 0
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert sched.best == 3 and sched.num_bad_epochs == 0


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=SIDS)
def test_state_dict_round_trip(name, kw):
    def run(resume_at=None, steps=20):
        opt = _opt(momentum=0.9)
        sched = _make(facade, name, opt, kw)
        out, saved = [], None
        for i in range(steps):
            if i == resume_at:
                saved = (copy.deepcopy(opt.state_dict()), sched.state_dict())
                opt = _opt(momentum=0.9)
                sched = _make(facade, name, opt, kw)
                opt.load_state_dict(saved[0])
                sched.load_state_dict(saved[1])
            opt.step()
            sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
            out.append(sched.get_last_lr())
        return out

    assert run(resume_at=9) == run()


def test_lambda_state_dict_saves_callable_objects_only():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = optim.SGD([{"params": [facade.zeros(1, requires_grad=True)]},
                     {"params": [facade.zeros(1, requires_grad=True)]}], lr=0.1)
    sched = fls.LambdaLR(opt, [lambda e: 1.0, Decay()])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [None, {"rate": 0.5}]
    sd["lr_lambdas"][1] = {"rate": 0.25}
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[1].rate == 0.25


def test_warmup_errors():
    with pytest.raises(ValueError, match="^Constant multiplicative factor expected to be between 0 and 1.$"):
        fls.ConstantLR(_opt(), factor=2.0)
    with pytest.raises(ValueError, match="^Starting multiplicative factor expected to be greater than 0 and less or "
                                         "equal to 1.$"):
        fls.LinearLR(_opt(), start_factor=0)
    with pytest.raises(ValueError, match="^Ending multiplicative factor expected to be between 0 and 1.$"):
        fls.LinearLR(_opt(), end_factor=1.5)
    opt = _opt()
    with pytest.raises(ValueError, match="^SequentialLR expects at least one scheduler, but got no scheduler.$"):
        fls.SequentialLR(opt, [], [])
    with pytest.raises(ValueError, match="Sequential Schedulers expects number of schedulers provided to be one more"):
        fls.SequentialLR(opt, [fls.ConstantLR(opt)], [3])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        fls.SequentialLR(opt, [fls.ConstantLR(_opt())], [])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau` scheduler"):
        fls.SequentialLR(opt, [fls.ConstantLR(opt), fls.ReduceLROnPlateau(opt)], [2])


def _sgd_for(T, lr=0.1, **kw):
    return T.optim.SGD([T.zeros(2, requires_grad=True)], lr=lr, **kw)


def _same_error(build):
    """build(T) raises the same exception type and message in torch and facade."""
    torch = pytest.importorskip("torch")
    errors = []
    for T in (torch, facade):
        with pytest.raises(Exception) as e:
            build(T)
        errors.append((type(e.value), str(e.value).replace("torch.optim", "facade.optim")))
    assert errors[1] == errors[0]


@pytest.mark.parametrize("build", [
    lambda T: T.optim.lr_scheduler.MultiplicativeLR(_sgd_for(T), lr_lambda=0.5),
    lambda T: T.optim.lr_scheduler.LambdaLR(_sgd_for(T), lr_lambda=[3]),
    lambda T: T.optim.lr_scheduler.ChainedScheduler([]),
    lambda T: T.optim.lr_scheduler.ChainedScheduler([T.optim.lr_scheduler.ExponentialLR(_sgd_for(T), 0.5),
                                                     T.optim.lr_scheduler.ExponentialLR(_sgd_for(T), 0.5)]),
    lambda T: T.optim.lr_scheduler.ChainedScheduler([T.optim.lr_scheduler.ReduceLROnPlateau(_sgd_for(T))]),
    lambda T: T.optim.lr_scheduler.CyclicLR(_sgd_for(T), 0.01, 0.1, mode="square"),
    lambda T: T.optim.lr_scheduler.CyclicLR(T.optim.Adagrad([T.zeros(1, requires_grad=True)]), 0.01, 0.1),
    lambda T: T.optim.lr_scheduler.CyclicLR(_sgd_for(T, momentum=0.9), [0.01, 0.02], 0.1),
    lambda T: T.optim.lr_scheduler.CyclicLR(3, 0.01, 0.1),
    lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd_for(T), T_0=0),
    lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd_for(T), T_0=2.0),
    lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd_for(T), T_0=2, T_mult=0),
    lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd_for(T), T_0=2, eta_min="0"),
    lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_sgd_for(T), T_0=2).step(-1),
])
def test_more_schedule_errors_match_pytorch(build):
    _same_error(build)


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_with_explicit_and_fractional_epochs_equal_pytorch(T_mult):  # noqa: N803
    torch = pytest.importorskip("torch")
    epochs = [0.5, 1, 2.25, 3, 7, 4.5, 13, 13.5, 30, 2, 0, 41.75]

    def run(T):
        opt = _sgd_for(T)
        sched = T.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=T_mult, eta_min=0.01)
        out = []
        for e in epochs:
            opt.step()
            sched.step(e)
            out.append((sched.get_last_lr()[0], sched.T_cur, sched.T_i, sched.last_epoch))
            sched.step()  # and one implicit epoch on from there
            out.append((sched.get_last_lr()[0], sched.T_cur, sched.T_i, sched.last_epoch))
        return out

    assert run(facade) == run(torch)


def test_cyclic_triangular_closed_form():
    """The triangular policy by hand: up from base_lr to max_lr in step_size_up epochs, down in
    step_size_down, momentum mirrored between max_momentum and base_momentum."""
    opt = _opt(momentum=0.9)
    sched = fls.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, step_size_down=4, base_momentum=0.5,
                         max_momentum=0.9)
    lrs, moms = [sched.get_last_lr()[0]], [opt.param_groups[0]["momentum"]]
    for _ in range(7):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    assert lrs == pytest.approx([0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0, 0.5])
    assert moms == pytest.approx([0.9 - 0.4 * lr for lr in lrs])


def test_chained_scheduler_multiplies_the_factors_and_saves_its_members():
    opt = _opt(lr=1.0)
    parts = [fls.ExponentialLR(opt, 0.5), fls.MultiplicativeLR(opt, lambda e: 0.1)]
    chain = fls.ChainedScheduler(parts, optimizer=opt)
    for _ in range(3):
        opt.step()
        chain.step()
    assert chain.get_last_lr() == pytest.approx([0.05 ** 3])
    sd = chain.state_dict()
    assert [s["last_epoch"] for s in sd["_schedulers"]] == [3, 3] and "optimizer" not in sd
