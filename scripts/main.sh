#!/usr/bin/env bash
# The main job: the whole chain on a simulated in situ movie (temdenoise demo), written to
# demo-output/ (rerunning reuses the finished stages). Extra arguments go to `temdenoise demo`.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh" "sim"
cd "$ROOT"
temdenoise info
temdenoise demo -o demo-output "$@"
