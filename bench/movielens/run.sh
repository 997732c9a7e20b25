#!/usr/bin/env bash
# Offline evaluation on MovieLens 100K: leave-last-out by timestamp,
# HitRate@10 and NDCG@10 over the full catalogue for item-to-item (k = 1
# and k = 5, the production similarity code), popularity and random.
#
#   bench/movielens/run.sh
#
# The data ships inside the `recbole` wheel on PyPI; its licence forbids
# redistribution, so it is fetched here into bench/movielens/data/ (ignored
# by git) and never committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=bench/movielens/data
inter="$data/recbole/dataset_example/ml-100k/ml-100k.inter"
if [ ! -f "$inter" ]; then
  mkdir -p "$data"
  pip download recbole --no-deps -d "$data" --quiet
  wheel="$(ls "$data"/recbole-*.whl | head -n 1)"
  unzip -o -q "$wheel" 'recbole/dataset_example/ml-100k/ml-100k.inter' -d "$data"
fi
cargo run --release --quiet -p cadenza-api --example movielens -- "$inter"
