#!/usr/bin/env bash
# Run the station: embedded SQLite + local object store in ./station-data, demo loaded, UI and API on :8000.
source "$(dirname "$0")/scripts/bootstrap.sh"
exec .venv/bin/biostation demo "$@"
