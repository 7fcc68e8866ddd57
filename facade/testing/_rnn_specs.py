"""Op specs for recurrent layers (see _op_specs.py for the format)."""
