#!/bin/sh
# run.sh: install the build dependencies, build, and run netechod in the
# foreground on etc/netechod.conf. Extra arguments go to netechod.
set -e
cd "$(dirname "$0")"
. ./scripts/setup.sh
need_packages $BUILD_PACKAGES
build build/run
exec build/run/netechod -f -c etc/netechod.conf "$@"
