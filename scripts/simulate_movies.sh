#!/usr/bin/env bash
# Clean simulated movies for the multi-frame model: one dataset per movie, 16 frames of
# 256^2 px at 0.25 A/px, the microscope ranges of the still training sets (sim-c.json) and
# the movie's dynamics (drift, surface events, defocus drift) varied from movie to movie.
# Rerunning the same command finishes what an interrupted run left. Movie i (from 0) gets
# seed FIRST_SEED + i and the dynamics of row START + i of the cycles below (START defaults to
# 0), so `... 500 29` and `... 524 5 24` make the same movies 524-528.
#   bash scripts/simulate_movies.sh SIM_C_JSON OUT_DIR FIRST_SEED COUNT [START]
set -euo pipefail
[ $# -eq 4 ] || [ $# -eq 5 ] || {
    echo "usage: bash scripts/simulate_movies.sh SIM_JSON OUT_DIR FIRST_SEED COUNT [START]" >&2
    exit 2
}
base=$1 out=$2 first=$3 count=$4 start=${5:-0}
mkdir -p "$out"
drifts=(0.1 0.2 0.4 0.8)        # A per frame
events=(1 2 4)                  # surface events per frame
focus=(0.5 1 2 4)               # A of defocus per frame
for ((n = 0; n < count; n++)); do
    seed=$((first + n)) i=$((start + n))
    config="$out/m$seed.json"
    python - "$base" "$config" "${drifts[i % 4]}" "${events[i % 3]}" "${focus[(i / 4) % 4]}" <<'PY'
import json, sys
base, target, drift, events, focus = sys.argv[1:]
config = json.load(open(base))
config.update(movie_drift=float(drift), movie_events=float(events),
              movie_defocus_drift=float(focus))
json.dump(config, open(target, "w"))
PY
    temdenoise simulate -o "$out/m$seed.zarr" --movie 16 --size 256 --seed "$seed" \
        --config "$config"
done
