#!/usr/bin/env bash
# The main job. Until `temdenoise demo` exists it reports what is installed.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh" ""
cd "$ROOT"
temdenoise info "$@"
