#!/usr/bin/env bash
# Regenerates the committed baselines, from the repository root:   reports/regenerate.sh
# reports/cpu/: impl at the thorough profile (300 examples, seed 0, one worker), its JSON,
# Markdown and HTML, and a screenshot of the page when headless Chromium is installed.
# reports/cuda/: refreshed only where CUDA is available (benchmarks/cuda_suite.sh); without a
# GPU it is left as it is, and the script says so.
# Afterwards, `layercheck diff` of the old and new JSON shows what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
old="$(mktemp -d)"
cp reports/cpu/report.json "$old/report.json"
layercheck check --examples 300 --seed 0 --workers 1 --out reports/cpu \
    --html reports/cpu/report.html > /dev/null || true
if command -v chromium > /dev/null; then
    profile="$(mktemp -d)"
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-sync \
        --disable-background-networking --user-data-dir="$profile" --window-size=1400,2400 \
        --screenshot="$PWD/reports/cpu/report.png" "file://$PWD/reports/cpu/report.html" \
        > /dev/null 2>&1
else
    echo "chromium is not installed: reports/cpu/report.png left as it was"
fi
if python -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then
    scratch="$(mktemp -d)"
    benchmarks/cuda_suite.sh "$scratch"
    cp "$scratch"/cuda/report.* reports/cuda/
else
    echo "CUDA is not available: reports/cuda/ left as it was (run this where a GPU is)"
fi
layercheck diff "$old/report.json" reports/cpu/report.json
