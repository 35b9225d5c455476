#!/usr/bin/env bash
# Stops the demo's daemon (if running in the background) and its private redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
pkill -TERM -f "exchange/dazongd --config" 2>/dev/null || true
if [ -f var/redis/redis.pid ]; then
  kill "$(cat var/redis/redis.pid)" 2>/dev/null || true
  rm -f var/redis/redis.pid
fi
echo "demo stopped (data kept in var/; remove var/ for a fresh start)"
