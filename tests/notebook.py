"""Run notebook cells through facade the way Jupyter shows them.

`Notebook.run(code)` executes a cell in a shared namespace (with `torch` bound to facade) and
returns what Jupyter would show: everything printed, then the repr of the cell's last
expression if it has one (and it is not None).
"""
import ast
import contextlib
import io

import facade


class Notebook:
    def __init__(self):
        self.ns = {"torch": facade, "__name__": "__notebook__"}

    def run(self, code):
        tree = ast.parse(code)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(tree, "<cell>", "exec"), self.ns)
            if last is not None:
                value = eval(compile(last, "<cell>", "eval"), self.ns)
                if value is not None:
                    print(repr(value))
        return out.getvalue()

    def __getitem__(self, name):
        return self.ns[name]


def expect(nb, code, shown):
    """Run a cell and assert it shows exactly `shown` (trailing whitespace ignored)."""
    got = nb.run(code)
    assert got.rstrip() == shown.rstrip(), f"cell showed:\n{got}\nexpected:\n{shown}"
