"""The top-level torch forms of some nn functions, with their own signatures: the losses take the
reduction as an integer (1 mean, 2 sum, anything else unreduced; left out: unreduced, as in PyTorch 2.13),
and do none of nn.functional's Python-side checks; torch.group_norm takes cudnn_enabled."""

from .functional import likelihood_loss as _lik
from .functional import margin_loss as _margin
from .functional import normalization as _norm
from .functional import fold_pool as _fold_pool
from .functional.instance_norm import instance_norm_core as _instance_norm_core
from .functional import shrink as _shrink

__all__ = ["hinge_embedding_loss", "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "poisson_nll_loss", "rrelu", "rrelu_", "group_norm"]


def _enum(function, position, reduction):
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{function}(): argument 'reduction' (position {position}) must be int, not "
                        f"{type(reduction).__name__}")
    return {1: "mean", 2: "sum"}.get(reduction, "none")


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return _margin.hinge_embedding_core(input, target, margin, _enum("hinge_embedding_loss", 4, reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return _margin.margin_ranking_core(input1, input2, target, margin, _enum("margin_ranking_loss", 5, reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return _margin.cosine_embedding_core(input1, input2, target, margin,
                                         _enum("cosine_embedding_loss", 5, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction=0):
    reduction = _enum("triplet_margin_loss", 8, reduction)
    return _margin.triplet_margin_core(anchor, positive, negative, margin, p, eps, swap, reduction)


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _lik.poisson_nll_core(input, target, log_input, full, eps, _enum("poisson_nll_loss", 6, reduction))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _shrink.rrelu_core(input, lower, upper, training, False, generator)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _shrink.rrelu_core(input, lower, upper, training, True, generator)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return _norm.group_norm(input, num_groups, weight, bias, eps)  # cudnn_enabled only picks a CUDA kernel


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    """torch.instance_norm: no spatial-size check of its own (nn.functional's is in front of it)."""
    return _instance_norm_core(input, weight, bias, running_mean, running_var, use_input_stats,
                                momentum, eps)


def alpha_dropout(input, p, train):
    return _fold_pool.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    return _fold_pool.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    return _fold_pool.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    return _fold_pool.feature_alpha_dropout(input, p, train, inplace=True)


__all__ += ["instance_norm", "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_"]
