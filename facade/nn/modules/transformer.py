"""MultiheadAttention, TransformerEncoderLayer, TransformerEncoder."""

__all__ = []
