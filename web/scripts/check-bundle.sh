#!/usr/bin/env bash
# Rebuilds the app and fails when the committed bundle (web/dist, embedded into ddctl) differs
# from what the sources build to. Fix: `npm run build` in web/ and commit web/dist.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
if [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist
  echo "web/dist is stale: run 'npm run build' in web/ and commit web/dist." >&2
  exit 1
fi
echo "web/dist matches the sources"
