#!/bin/bash
# probepath6: tests/probepath.sh's path MTU search part over IPv6 (a
# bottleneck with ICMP at 1380, a silent one at 1300 behind it, the way
# back of the reports), apart so that each file takes well under a
# minute on a busy machine.
PROBEPATH_FAMILY=6
. "${top_srcdir:-.}/tests/probepath.sh"
