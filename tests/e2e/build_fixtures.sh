#!/usr/bin/env bash
# Build the end-to-end fixture pages: install the editor libraries the real
# sites use (Draft.js, Lexical, Quill, TipTap) from package-lock.json, bundle
# one script per page with esbuild, and copy the pages into fixtures/dist/.
# dist/ and node_modules/ are not committed.
set -euo pipefail
cd "$(dirname "$0")/fixtures"

npm ci --no-audit --no-fund --loglevel=error

rm -rf dist
mkdir -p dist
npx --no-install esbuild \
  src/x.jsx src/facebook.js src/threads.js src/linkedin.js src/bsky.js src/mastodon.js \
  --bundle --outdir=dist --format=iife --target=chrome120 \
  --jsx=automatic --define:process.env.NODE_ENV='"production"' --define:global=globalThis \
  --log-level=warning
cp pages/*.html pages/*.css dist/
echo "fixtures built in $(pwd)/dist: $(ls dist | tr '\n' ' ')"
