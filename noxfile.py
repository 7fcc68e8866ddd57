"""Sessions: tests (the suite), oracle (the suite again with PyTorch installed, so the
differential tests run), lint, bench (benchmarks against PyTorch eager and hand-written JAX)."""
import os

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session):
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs, env={"CI": os.environ.get("CI", "")})


@nox.session
def oracle(session):
    session.install("-e", ".[test,oracle]")
    session.run("python", "-m", "pytest", *session.posargs, env={"CI": os.environ.get("CI", ""), "FACADE_ORACLE": "1"})


@nox.session
def lint(session):
    session.install("ruff")
    session.run("ruff", "check", "facade", "--select", "E9,F63,F7,F82,F401")


@nox.session
def bench(session):
    session.install("-e", ".[oracle]")
    session.run("python", "benchmarks/run.py", *session.posargs)
