#!/usr/bin/env bash
# Makes this machine ready to run and test Fieldline (Debian or Ubuntu, Node.js and npm, root or
# sudo). Idempotent: what is present is left alone. Called by `npm run demo` and `npm test`.
#   Debian packages: libsecret (keytar builds from source against it), dbus + gnome-keyring (a
#   private Secret Service where the machine has none), PostgreSQL (the tests start their own
#   cluster on 127.0.0.1), Chromium (Playwright drives the UI in it).
#   npm packages: `npm ci` when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql libsecret-1-dev dbus gnome-keyring chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: Debian packages present"
else
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "setup: these Debian packages are missing and this user cannot install them: ${missing[*]}" >&2
      echo "setup: as root, run: apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
    sudo_cmd=(sudo)
  fi
  echo "setup: installing Debian packages ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup: npm packages present"
else
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-fund --no-audit
fi
