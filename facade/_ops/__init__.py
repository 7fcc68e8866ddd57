"""The op table (`table.py`) and the op families declared on it, one module each."""
