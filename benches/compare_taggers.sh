#!/bin/sh
# HMM vs CRF vs BiLSTM-CRF on the same bundled train/test files: entity
# micro-F1, token accuracy, fit and predict seconds (release build, one run
# each, the seeds given). Usage: sh benches/compare_taggers.sh [DATASET] [SEEDS]
set -eu
dataset=${1:-ner_synthetic}
seeds=${2:-0 1 2}
cargo build --release --quiet
bin=target/release/mlwb
printf '%-11s %-5s %8s %8s %9s %9s\n' algo seed F1 tokacc fit_s predict_s
for algo in hmm crf bilstm-crf; do
  for seed in $seeds; do
    "$bin" run --algo "$algo" --dataset "$dataset" --seed "$seed" --json |
      python3 -c 'import json,sys; r=json.load(sys.stdin); t=r["tagging"]
print("%-11s %-5s %8.4f %8.4f %9.3f %9.3f" % (r["algo"], sys.argv[1], t["entities"]["micro"]["f1"], t["token_accuracy"], r["fit_seconds"], r["predict_seconds"]))' "$seed"
    # HMM and CRF are deterministic: one seed is enough.
    [ "$algo" = bilstm-crf ] || break
  done
done
