"""Op specs for attention (see _op_specs.py for the format)."""
