"""Op specs for convolutions and pooling (see _op_specs.py for the format)."""
