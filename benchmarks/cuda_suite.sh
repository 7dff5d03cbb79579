#!/usr/bin/env bash
# The CUDA part of the suite, run on a machine with a GPU, from the repository root:
#   benchmarks/cuda_suite.sh OUT [WORKERS]
# writes OUT/cuda/report.{json,md,html} (impl at the thorough profile, seed 0, cpu and cuda
# peers, the same options as reports/cpu/), OUT/check.log, and OUT/pytest.log (the tests that
# run on CUDA when it is present: the device-generic harness, the oracles, conformance).
# Exit status: that of the check, or of pytest when the check passed.
set -uo pipefail
out=${1:?usage: benchmarks/cuda_suite.sh OUT [WORKERS]}
workers=${2:-8}
mkdir -p "$out/cuda"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
nvidia-smi -L
python3 - <<'EOF' || exit 3
import numpy, torch, hypothesis
assert torch.cuda.is_available(), "CUDA is not available"
print("torch", torch.__version__, "numpy", numpy.__version__, "hypothesis", hypothesis.__version__)
print("gpu", torch.cuda.get_device_name(0))
EOF
start=$SECONDS
timeout 300 python3 -m layercheck.cli check --examples 300 --seed 0 --devices cpu,cuda \
    --workers "$workers" --out "$out/cuda" --html "$out/cuda/report.html" 2>&1 | tee "$out/check.log"
check=$?
echo "check: exit $check in $((SECONDS - start)) s" | tee -a "$out/check.log"
start=$SECONDS
timeout 150 python3 -m pytest -p no:cacheprovider -p no:benchmark -n "$workers" -q \
    tests/test_harness.py tests/test_oracles.py tests/test_conformance.py 2>&1 | tee "$out/pytest.log"
tests=$?
echo "pytest: exit $tests in $((SECONDS - start)) s" | tee -a "$out/pytest.log"
exit $((check != 0 ? check : tests))
