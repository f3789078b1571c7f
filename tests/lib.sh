# tests/lib.sh: sourced by every integration test (bash).
#
# Each test runs in its own network namespace (so fixed ports never clash
# and nothing outside can connect) and mount namespace (so it may put a
# syslog socket at /dev/log without touching the host). It drives the real
# netechod, netecho and netcat over real sockets.
#
# Exit statuses, as automake's test driver reads them: 0 pass, 1 fail,
# 77 skip.

set -u

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
NETECHOD=${NETECHOD:-$top_builddir/netechod}
NETECHO=${NETECHO:-$top_builddir/netecho}
ECHOCHECK=$top_builddir/tests/echocheck
LOGSINK=$top_builddir/tests/logsink
PORT=7000
REPORT_PORT=7100   # base_conf puts the path report here, out of the way of PORT + 1
TEST_NAME=$(basename "$0" .sh)

skip() { echo "SKIP: $TEST_NAME: $*"; exit 77; }

# Enter the namespaces: as root directly, otherwise in a user namespace.
if [ -z "${NETECHO_IN_NS:-}" ]; then
	export NETECHO_IN_NS=1
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	if [ "$(id -u)" -eq 0 ]; then
		ns="--net --mount --propagation private"
	else
		ns="--map-root-user --net --mount --propagation private"
	fi
	# shellcheck disable=SC2086
	unshare $ns true 2>/dev/null || skip "cannot create network and mount namespaces here"
	# shellcheck disable=SC2086
	exec unshare $ns -- bash "$0" "$@"
fi
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
ip link set lo up || skip "cannot bring up the loopback interface"

T=$(mktemp -d "${TMPDIR:-/tmp}/netecho-$TEST_NAME.XXXXXX")
DPID=
BG_PIDS=

# In a sanitizer build, every report goes to a file and fails the test,
# whichever process made it and whether or not the test waited for it.
SAN_LOG=$T/sanitizer
export ASAN_OPTIONS="log_path=$SAN_LOG:detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="log_path=$SAN_LOG:print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export TSAN_OPTIONS="log_path=$SAN_LOG:halt_on_error=0:second_deadlock_stack=1:${TSAN_OPTIONS:-}"

cleanup() {
	local p status=$? f
	for p in $BG_PIDS $DPID; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for f in "$SAN_LOG".*; do
		[ -f "$f" ] || continue
		echo "FAIL: $TEST_NAME: a sanitizer reported a problem ($f):"
		head -n 60 "$f"
		status=1
	done
	# never descend into a mount point (see use_private_devlog)
	rm -rf --one-file-system "$T"
	exit $status
}
trap cleanup EXIT

CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }

# skip_part WHY: a part of the test that cannot run here (a tool or a
# kernel feature missing): said as "ok N # SKIP WHY", which test.sh counts
# and lists, never as a pass. A test that can run no part at all skips
# whole (skip, exit 77).
skip_part() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS # SKIP $*"; }

# fail MESSAGE: ends the test as failed, showing the files it made. (On
# stderr: inside $(...) it still reaches the log, and the empty value it
# leaves fails the check that uses it.)
fail() {
	{
		echo "FAIL: $TEST_NAME: $*"
		local f
		for f in "$T"/*.err "$T"/*.log "$T"/*.out; do
			# text files only: some .out files hold binary data
			[ -f "$f" ] && grep -Iq . "$f" 2>/dev/null || continue
			echo "--- $f (last 30 lines)"
			tail -n 30 "$f" | cut -c 1-300 | cat -v
		done
	} >&2
	exit 1
}

# check DESCRIPTION COMMAND...: passes or fails the test on the command.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# Waiting for the daemon. A step that makes the daemon act waits for the
# line that says it acted: a *new* line, written after the step began.
# udp_ask PORT FORMAT [ARG...]: printf FORMAT ARG... as one datagram to
# 127.0.0.1:PORT from a socket of its own, and the first datagram that
# comes back on standard output; awaited 10 s (a loaded machine, or
# valgrind), ended as soon as it comes; status 124 when none did.
udp_ask() {
	local port=$1 fd rc
	shift
	exec {fd}<>"/dev/udp/127.0.0.1/$port" || return 1
	# shellcheck disable=SC2059 # the format is the caller's
	printf "$@" >&"$fd"
	timeout 10 dd bs=65536 count=1 status=none <&"$fd"
	rc=$?
	exec {fd}<&-
	return $rc
}

# mark FILE gives the place to look from (the number of lines FILE has
# now); wait_after FILE MARK PATTERN waits for a matching line after it.
# The log writer is a thread of its own: a line is in the file once it is
# there, never because the daemon has acted. wait_for is for a file that
# was empty when the step began (start_daemon truncates d.err).

# mark FILE: the number of lines FILE holds now (0 if none).
mark() {
	local n
	n=$(wc -l <"$1" 2>/dev/null) || n=0
	echo "${n:-0}"
}

# wait_after FILE MARK PATTERN [SECONDS]: until an extended regex matches a
# line of FILE after its first MARK lines, polling; fails when the daemon
# has died or time runs out (default 10 s, which the slowest build, TSan
# on a loaded machine, keeps by a wide margin).
wait_after() {
	local file=$1 from=$2 pattern=$3 limit=${4:-10} i=0
	while ! tail -n +"$((from + 1))" "$file" 2>/dev/null | grep -Eq -- "$pattern"; do
		if [ -n "$DPID" ] && ! kill -0 "$DPID" 2>/dev/null; then
			fail "netechod died waiting for /$pattern/ in $file (after line $from)"
		fi
		i=$((i + 1))
		[ $i -le $((limit * 20)) ] \
			|| fail "timed out waiting for /$pattern/ in $file after line $from"
		sleep 0.05
	done
}

# count_after FILE MARK PATTERN: lines after the first MARK that match.
count_after() { tail -n +"$(($2 + 1))" "$1" 2>/dev/null | grep -Ec -- "$3" || true; }

# wait_for FILE PATTERN [SECONDS]: until an extended regex matches a line of
# FILE, for a file that held no such line when the step began.
wait_for() { wait_after "$1" 0 "$2" "${3:-10}"; }

# signal_and_wait SIGNAL PATTERN [SECONDS]: signals netechod and waits for
# a line matching PATTERN that it writes after the signal.
signal_and_wait() {
	local m
	m=$(mark "$T/d.err")
	kill -"$1" "$DPID"
	wait_after "$T/d.err" "$m" "$2" "${3:-10}"
}

# stats_value KEY: the value of KEY in a stats line the daemon writes now, on
# SIGUSR1 (not one it wrote before).
stats_value() {
	local m
	m=$(mark "$T/d.err")
	kill -USR1 "$DPID"
	wait_after "$T/d.err" "$m" 'stats uptime='
	tail -n +"$((m + 1))" "$T/d.err" | grep -m 1 'stats uptime=' | sed -n \
		"s/.* $1=\([0-9]*\).*/\1/p"
}

# settled_stat KEY: KEY once two stats lines 0.2 s apart agree on it (a
# count that has stopped growing).
settled_stat() {
	local last=-1 now
	for _ in $(seq 100); do
		now=$(stats_value "$1")
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.2
	done
	echo "$now"
}

# reload [PATTERN]: SIGHUP, and waits until the daemon says the reload
# was applied (or PATTERN, e.g. 'reload refused').
reload() { signal_and_wait HUP "${1:-reloaded }" "${2:-20}"; }

# timed COMMAND...: runs a command; leaves how long it took in ELAPSED_MS
# and its status in ELAPSED_STATUS.
timed() {
	local t0
	t0=$(date +%s%N)
	"$@"
	ELAPSED_STATUS=$?
	ELAPSED_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# count_lines FILE PATTERN: lines of FILE matching the extended regex.
count_lines() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }

# conf NAME: writes standard input to $T/NAME.conf and prints its path.
conf() { cat >"$T/$1.conf"; echo "$T/$1.conf"; }

# A configuration on $PORT (the path report on $REPORT_PORT), ending in
# [server]: lines printed after it are [server]'s.
base_conf() {
	cat <<EOF
[report]
port = $REPORT_PORT
[server]
host = 127.0.0.1
port = $PORT
EOF
}

# start_daemon CONF [ARGS...]: netechod in the foreground, logging to
# $T/d.err; returns once it says it has started.
start_daemon() {
	local cfg=$1
	shift
	: >"$T/d.err"
	"$NETECHOD" -f -c "$cfg" "$@" >"$T/d.out" 2>>"$T/d.err" &
	DPID=$!
	wait_for "$T/d.err" 'netechod [0-9.]+ started'
}

# stop_daemon [SIGNAL]: signals netechod (TERM) and waits; sets DSTATUS.
stop_daemon() {
	kill -"${1:-TERM}" "$DPID"
	wait "$DPID"
	DSTATUS=$?
	DPID=
}

# threads PID: the number of threads of a process.
threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

# wait_threads PID N [SECONDS]: until PID has exactly N threads.
wait_threads() {
	local i=0
	while [ "$(threads "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -le $((${3:-10} * 20)) ] || return 1
		sleep 0.05
	done
}

# use_private_devlog: replaces /dev, in this test's mount namespace only,
# with a tmpfs holding the usual device nodes, so that a test syslog
# daemon can listen at /dev/log. The host's /dev is untouched.
use_private_devlog() {
	local d=$T/newdev n
	mkdir "$d"
	mount -t tmpfs -o mode=0755 tmpfs "$d" || skip "cannot mount a tmpfs"
	for n in null zero full random urandom tty; do
		[ -e "/dev/$n" ] || continue
		: >"$d/$n"
		mount --bind "/dev/$n" "$d/$n" || skip "cannot bind /dev/$n"
	done
	mkdir "$d/pts" "$d/shm"
	mount --rbind /dev/pts "$d/pts" 2>/dev/null || true
	mount --rbind /dev/shm "$d/shm" 2>/dev/null || true
	ln -s /proc/self/fd "$d/fd"
	ln -s /proc/self/fd/0 "$d/stdin"
	ln -s /proc/self/fd/1 "$d/stdout"
	ln -s /proc/self/fd/2 "$d/stderr"
	mount --move "$d" /dev || skip "cannot move the tmpfs onto /dev"
}

# start_logsink FILE: a syslog daemon at /dev/log writing to FILE.
start_logsink() {
	use_private_devlog
	"$LOGSINK" /dev/log "$1" &
	BG_PIDS="$BG_PIDS $!"
	local i=0
	while [ ! -S /dev/log ]; do
		i=$((i + 1))
		[ $i -le 200 ] || fail "logsink did not create /dev/log"
		sleep 0.05
	done
}

# use_test_user NAME UID: a user and group NAME with id UID that exist only
# in this test's mount namespace (a copy of /etc/passwd and /etc/group is
# bound over them), so that limits counted per user (RLIMIT_NPROC) see this
# test's processes alone. Needs real root to switch to it.
use_test_user() {
	setpriv --reuid="$2" --regid="$2" --clear-groups true 2>/dev/null ||
		skip "cannot switch users here (needs real root)"
	{ cat /etc/passwd; echo "$1:x:$2:$2:netecho test:/nonexistent:/usr/sbin/nologin"; } \
		>"$T/passwd"
	{ cat /etc/group; echo "$1:x:$2:"; } >"$T/group"
	chmod 644 "$T/passwd" "$T/group"
	chmod 755 "$T"
	mount --bind "$T/passwd" /etc/passwd && mount --bind "$T/group" /etc/group ||
		skip "cannot bind a private /etc/passwd"
}

# refused_at_once [PORT]: a connection the daemon closes at once, with no
# reply: EOF well within the 10 s a hang would take. (The bound, 5 s, is
# loose so that a loaded machine keeps it; a hang is nowhere near it.)
refused_at_once() {
	timed timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/${1:-$PORT} && cat <&3" \
		>"$T/refused.out" 2>/dev/null
	[ "$ELAPSED_STATUS" -eq 0 ] && [ ! -s "$T/refused.out" ] && [ "$ELAPSED_MS" -lt 5000 ]
}

# wait_count FILE PATTERN N [SECONDS]: until N lines of FILE match.
wait_count() {
	local i=0
	while [ "$(count_lines "$1" "$2")" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -le $((${4:-10} * 20)) ] || fail "timed out waiting for $3 lines /$2/ in $1"
		sleep 0.05
	done
}

# until_count_after FILE MARK PATTERN N [SECONDS]: waits (10 s by default)
# until N lines after MARK match; never fails: the check that follows says.
until_count_after() {
	local i
	for i in $(seq $((${5:-10} * 20))); do
		[ "$(count_after "$1" "$2" "$3")" -ge "$4" ] && return 0
		sleep 0.05
	done
	return 0
}

# cpu_ticks PID: user plus system time of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# rss_kb PID: resident memory of a process, in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# peak WHILE_PID FUNC ARGS...: the largest value FUNC ARGS printed, sampled
# every 10 ms while process WHILE_PID runs.
peak() {
	local pid=$1 most=0 v
	shift
	while kill -0 "$pid" 2>/dev/null; do
		v=$("$@")
		[ "${v:-0}" -gt "$most" ] && most=$v
		sleep 0.01
	done
	echo "$most"
}
