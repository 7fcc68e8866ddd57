"""torch.backends.opt_einsum: JAX's einsum always plans its contraction order with opt_einsum."""
enabled = True
strategy = "auto"


def is_available():
    return True


def get_opt_einsum():
    import opt_einsum

    return opt_einsum
