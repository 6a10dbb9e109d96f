#!/usr/bin/env bash
# Run the whole test suite (SQLite and PostgreSQL on 127.0.0.1:5432; set BIOSTATION_TEST_PG_URL to use another).
source "$(dirname "$0")/scripts/bootstrap.sh"
exec .venv/bin/python -m pytest -q "$@"
