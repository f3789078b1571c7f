#!/bin/bash
# starterrors: errors at start that say what to do (issue 21 item 4),
# against the real daemon:
# - a port below 1024 without CAP_NET_BIND_SERVICE: the error names the
#   capability and the two ways to it;
# - -c <(printf ...): the file is a FIFO (an inherited descriptor, read
#   before the others are closed) and is refused as one;
# - started as a user and detached: the pid file goes to $XDG_RUNTIME_DIR,
#   and without it the error says which option to use.
. "${top_srcdir:-.}/tests/lib.sh"

command -v nc >/dev/null || skip "nc (netcat-openbsd) is not installed"
NOBODY=65534
as_user() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }

# --- the FIFO, at start and for -t
"$NETECHOD" -f -c <(printf '[server]\nport = %s\n' $PORT) >"$T/fifo.out" 2>"$T/fifo.err"
status=$?
check "-c <(...) at start: 78, the file named as a FIFO" \
	bash -c "test $status -eq 78 &&
		grep -Eqx '/dev/fd/[0-9]+: not a regular file \(a FIFO\)' '$T/fifo.err'"
"$NETECHOD" -t -c <(printf '[server]\nport = %s\n' $PORT) >"$T/fifot.out" 2>"$T/fifot.err"
status=$?
check "-c <(...) with -t: the same" \
	bash -c "test $status -eq 78 &&
		grep -Eqx '/dev/fd/[0-9]+: not a regular file \(a FIFO\)' '$T/fifot.err'"

if ! as_user true 2>/dev/null; then
	skip_part "cannot switch users here (needs real root): the privileged port"
	skip_part "cannot switch users here (needs real root): the pid file"
	exit 0
fi
chmod 755 "$T"
# a name the test's user can read: $T is the test's
cp "$NETECHOD" "$T/netechod"
chmod 755 "$T/netechod"

# --- a privileged port as a user: the port named as privileged, and how
cat /proc/sys/net/ipv4/ip_unprivileged_port_start >"$T/unpriv" 2>/dev/null || echo 1024 >"$T/unpriv"
if [ "$(cat "$T/unpriv")" -le 7 ]; then
	skip_part "ports below $(cat "$T/unpriv") are not privileged here"
else
	as_user "$T/netechod" -f -o server.port=7 -o report.port=$REPORT_PORT \
		>"$T/low.out" 2>"$T/low.err"
	status=$?
	check "port 7 as a user: 69, the port named as privileged, CAP_NET_BIND_SERVICE and how" \
		bash -c "test $status -eq 69 &&
			grep -q 'cannot bind tcp 127.0.0.1:7: Permission denied: port 7 is privileged (below 1024) and needs CAP_NET_BIND_SERVICE: start as root and set \[server\] user, or under systemd add a drop-in with AmbientCapabilities=CAP_NET_BIND_SERVICE' '$T/low.err'"
fi

# --- the pid file of a user's detached daemon
mkdir "$T/xdg"
chown $NOBODY:$NOBODY "$T/xdg"
chmod 700 "$T/xdg"
as_user env XDG_RUNTIME_DIR="$T/xdg" "$T/netechod" -o server.port=$PORT \
	-o report.port=$REPORT_PORT >"$T/xdg.out" 2>"$T/xdg.err"
status=$?
check "detached as a user with XDG_RUNTIME_DIR: started" test "$status" -eq 0
pid=$(cat "$T/xdg/netechod.pid" 2>/dev/null)
BG_PIDS="$BG_PIDS $pid"
check "... its pid file is \$XDG_RUNTIME_DIR/netechod.pid, naming the daemon" \
	bash -c "test -n '$pid' && kill -0 '$pid' &&
		grep -q netechod /proc/$pid/cmdline"
check "... which serves" \
	bash -c "printf x | timeout 10 nc -N 127.0.0.1 $PORT | grep -qx 'Receive: x'"
kill -TERM "$pid" 2>/dev/null
for _ in $(seq 200); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
check "... and removes it at exit" \
	bash -c "! kill -0 '$pid' 2>/dev/null && test ! -e '$T/xdg/netechod.pid'"

as_user env -u XDG_RUNTIME_DIR "$T/netechod" -o server.port=$PORT -o report.port=$REPORT_PORT \
	>"$T/nopid.out" 2>"$T/nopid.err"
status=$?
check "detached as a user, no XDG_RUNTIME_DIR: 73, saying to give -P" \
	bash -c "test $status -eq 73 &&
		grep -q 'cannot open pid file .*(not started as root: give -P FILE in a directory of yours, set XDG_RUNTIME_DIR, or use -f)' '$T/nopid.err'"
