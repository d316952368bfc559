#!/bin/sh
# Run the whole test suite; installs what the tests need (packages, Debian's Chromium).
. "$(dirname "$0")/bootstrap.sh" test,postgres
[ -x /usr/bin/chromium ] || apt_install chromium
exec python -m pytest "$@"
