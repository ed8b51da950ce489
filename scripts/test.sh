#!/usr/bin/env bash
# The test job: lint (ruff), type-check (mypy) and the default test suite (pytest,
# without the tests marked slow). Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh" "test"
cd "$ROOT"
ruff check src tests benchmarks
ruff format --check src tests benchmarks
mypy
pytest "$@"
