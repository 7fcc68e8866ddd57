"""Op specs for activations, losses, normalisation, linear, embedding, padding, distances (see _op_specs.py for the format)."""
