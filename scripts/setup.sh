#!/usr/bin/env bash
# Installs exactly the Debian 12 packages Dazong needs to build, test and run. Idempotent:
# when every package is already installed it returns at once without touching apt.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libquickfix-dev libhiredis-dev librocksdb-dev libabsl-dev
  libbenchmark-dev libgtest-dev libgmock-dev
  libtomlplusplus-dev nlohmann-json3-dev libcpp-httplib-dev libspdlog-dev libsodium-dev
  redis-server redis-tools
  time python3  # bench/run_fix_bench.sh: the load tool's CPU, free ports
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
