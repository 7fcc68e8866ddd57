"""torch.distributions on facade: probability distributions with PyTorch's API.

    import facade as torch
    d = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    x = d.rsample()            # reparameterized: gradients flow to loc and scale
    d.log_prob(x), d.entropy()
    torch.distributions.kl_divergence(d, other)

Everything is built from facade tensor ops, so values, gradients and grad_fn names follow from
facade's op table. Samples come from facade's generator (`torch.manual_seed` makes them
reproducible); they do not equal PyTorch's numbers.
"""
from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .dirichlet import Beta, Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "Gamma", "Independent", "Laplace", "LogNormal",
    "MultivariateNormal",
    "Normal", "OneHotCategorical", "Poisson", "Uniform", "constraints", "kl_divergence", "register_kl",
]
