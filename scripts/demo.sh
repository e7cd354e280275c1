#!/usr/bin/env bash
# The demo: installs dependencies, builds the weir binary into build/, and
# runs scripts/demo.sql through it: a Kafka stream with a watermark, a
# windowed materialized view, and the plans Weir compiles for them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
cmake --build build -j"$(nproc)" --target weir

echo
echo "==> build/cli/weir --echo -f scripts/demo.sql"
build/cli/weir --echo -f scripts/demo.sql
