#!/bin/sh
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests (idempotent).
# Playwright drives this binary (executable_path); `playwright install` does not work here.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium
test -x /usr/bin/chromium || { echo "chromium did not install at /usr/bin/chromium" >&2; exit 1; }
