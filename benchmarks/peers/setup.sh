#!/usr/bin/env bash
# Build the environments of the benchmark's peers, apart from the project's .venv:
#   .venv-peers      snorkel and netcal, with torch (benchmarks/peers/peers.txt)
#   .venv-evidently  evidently, with pandas 2.3 (benchmarks/peers/evidently.txt)
# Each is built once: a stamp named after a hash of its requirements file marks it
# done, so a second run installs nothing unless that file changed (then the
# environment is built again from scratch). Run from anywhere; `make bench` calls it.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}

build() {
    local venv=$1 requirements=$2 first=${3:-}
    local key
    key=$("$PYTHON" -c "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest()[:16])" "$requirements")
    if [ -f "$venv/.installed-$key" ]; then
        return 0
    fi
    echo "Building $venv from $requirements (a few minutes the first time)..."
    local start=$SECONDS
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    if [ -n "$first" ]; then
        # Alone and first: with torch already there, nothing else can pull
        # another torch build.
        "$venv/bin/python" -m pip install --quiet "$first"
    fi
    "$venv/bin/python" -m pip install --quiet -r "$requirements"
    touch "$venv/.installed-$key"
    echo "Built $venv in $((SECONDS - start)) s."
}

build .venv-peers benchmarks/peers/peers.txt torch==2.13.0
build .venv-evidently benchmarks/peers/evidently.txt
