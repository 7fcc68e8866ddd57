"""The fused optimizer ops (facade/_ops/optim_ops.py) are exempt from the op suite (their values are checked by
test_optim_oracle.py, step by step against PyTorch): this keeps that exemption true. Every update op, and the
op tying the new state to the parameter, is recorded by some configuration test_optim_oracle.py runs."""
import facade
from facade import _dispatch
from facade._ops import optim_more_ops, optim_ops
from mlp_problem import train
from test_optim_oracle import CONFIGS, _maker

UPDATE_OPS = {op.name for op in (optim_ops.SGD, optim_ops.SGD_MOMENTUM, optim_ops.ADAM, optim_ops.ADAM_AMSGRAD,
                                 optim_ops.ADAGRAD, optim_ops.KEEP_STATE, *optim_ops.RMSPROP.values(),
                                 optim_more_ops.ADAMAX, optim_more_ops.NADAM, optim_more_ops.RADAM,
                                 optim_more_ops.ADADELTA, optim_more_ops.RPROP, optim_more_ops.ASGD)}


def test_oracle_configs_record_every_update_op(monkeypatch):
    seen = set()
    record_node = _dispatch.record_node

    def spy(op, *args, **kwargs):
        seen.add(op.name)
        return record_node(op, *args, **kwargs)

    monkeypatch.setattr(_dispatch, "record_node", spy)
    for name, kw in CONFIGS:
        train(facade, _maker(name, kw), steps=2)
    assert UPDATE_OPS <= seen, f"not recorded by any configuration: {sorted(UPDATE_OPS - seen)}"
