#!/bin/sh
# run.sh: install the build dependencies, build, and run netechod in the
# foreground on etc/netechod.conf. Extra arguments go to netechod. Each
# step prints one line with the time since the start ("[0:42] building
# build/run").
set -e
cd "$(dirname "$0")"
. ./scripts/setup.sh
progress "run.sh: packages, build, then netechod in the foreground"
need_packages $BUILD_PACKAGES
build build/run
progress "starting build/run/netechod -f -c etc/netechod.conf $*"
exec build/run/netechod -f -c etc/netechod.conf "$@"
