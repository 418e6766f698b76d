#!/usr/bin/env bash
# What `make test` needs from the system on Debian or Ubuntu, checked before any
# test runs (used by `make test` and `.ci/run`): installed when we are root,
# else we stop at once with the one apt-get command that installs it all, so a
# fresh machine never gets as far as 28 browser errors.
set -euo pipefail
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)           # tests/e2e drives /usr/bin/chromium
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || need+=(firefox-esr)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v make >/dev/null 2>&1 || need+=(make)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # the E2E fixture server's certificate
if [ -z "$PYTHON" ]; then
  need+=(python3 python3-venv)
elif ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need+=(python3-venv)  # Debian ships venv's pip bootstrap separately
fi

[ "${#need[@]}" -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "onbrand's tests need: ${need[*]} (not found; this is not a Debian-like system," \
    "so install them with your package manager)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "onbrand's tests need: ${need[*]}. Install them with:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "installing what the tests need: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}"
