#!/bin/bash
# syslog: the log lines as a syslog daemon receives them at /dev/log (a real
# unix datagram socket, private to this test) and, with -f, on stderr:
# ident, pid and facility; escaping of payloads; the 256-byte cut; level
# filtering; data = no; daemon mode with a pid file.
. "${top_srcdir:-.}/tests/lib.sh"

start_logsink "$T/syslog.log"

cfg=$( { base_conf; printf '[udp]\necho = no\n[log]\nfacility = local3\nlevel = info\n'; } | conf \
	local3)
start_daemon "$cfg"
wait_for "$T/syslog.log" 'netechod [0-9.]+ started'
# <158> is local3 (19 * 8) + info (6); <157> is local3 + notice
check "syslog gets ident netechod, the pid and facility local3" \
	grep -Eq "^<157>.* netechod\\[$DPID\\]: netechod [0-9.]+ started" "$T/syslog.log"

# CR, LF and ESC in a TCP payload, and a format string
printf 'a\r\nb\033[31mc%%s%%n' | nc -N 127.0.0.1 $PORT >/dev/null
wait_for "$T/syslog.log" 'tcp close'
check "the payload reaches syslog escaped, on one line" \
	grep -Fq 'tcp data peer=127.0.0.1:' "$T/syslog.log"
escaped='len=14 data="a\\x0d\\x0ab\\x1b\[31mc%s%n"$'
check "CR, LF and ESC appear as \\x0d \\x0a \\x1b and %s%n as text" \
	grep -Eq '^<158>.*tcp data peer=127\.0\.0\.1:[0-9]+ '"$escaped" "$T/syslog.log"
check "and identically on stderr with -f" \
	grep -Eq '^netechod: tcp data peer=127\.0\.0\.1:[0-9]+ '"$escaped" "$T/d.err"
check "no raw control character reached syslog" \
	bash -c "! LC_ALL=C grep -q \$'[\\x01-\\x08\\x0b-\\x1f\\x7f]' '$T/syslog.log'"
check "no message carried a line break (logsink would show it as |)" \
	bash -c "! grep -q '|' '$T/syslog.log'"

# a UDP datagram with a line break and a forged syslog header
printf 'x\n<11>Nov 21 00:00:00 evil: forged' | nc -u -w1 -p 40111 127.0.0.1 $PORT
wait_for "$T/syslog.log" 'udp datagram peer=127\.0\.0\.1:40111'
forged='data="x\x0a<11>Nov 21 00:00:00 evil: forged"'
check "a forged line inside a datagram stays inside one escaped line" \
	grep -Fq ' len=34 '"$forged" "$T/syslog.log"
check "and never becomes a line of its own" bash -c "! grep -q '^<11>' '$T/syslog.log'"

# payloads are cut at 256 bytes, with a marker
head -c 1000 /dev/zero | tr '\0' 'z' | nc -N 127.0.0.1 $PORT >/dev/null
wait_for "$T/syslog.log" 'len=1000 data="z{256}" \[\+744 bytes cut\]$'
ok "a 1000-byte payload is logged as 256 bytes and [+744 bytes cut]"

# a reload that changes the facility: lines from then on carry the new one
sed -i 's/facility = local3/facility = local5/' "$cfg"
m=$(mark "$T/syslog.log")
kill -HUP "$DPID"
wait_after "$T/syslog.log" "$m" 'reloaded '
# <173> is local5 (21 * 8) + notice (5)
check "after a reload to local5, syslog gets local5" \
	bash -c "tail -n +$((m + 1)) '$T/syslog.log' |
		grep -Eq '^<173>.* netechod\\[$DPID\\]: reloaded '"
printf 'after' | nc -N 127.0.0.1 $PORT >/dev/null
wait_after "$T/syslog.log" "$m" 'tcp data .* data="after"'
check "... connection lines too (<174>: local5 + info)" \
	grep -Eq '^<174>.*tcp data .* data="after"' "$T/syslog.log"
stop_daemon

# level = notice: no connection or data lines
: >"$T/syslog.log"
cfg=$( { base_conf; printf '[log]\nlevel = notice\n'; } | conf notice)
start_daemon "$cfg"
printf 'quiet' | nc -N 127.0.0.1 $PORT >/dev/null
printf 'quiet' | nc -u -w1 127.0.0.1 $PORT
stop_daemon
wait_for "$T/syslog.log" 'netechod stopped'
check "level notice: the start is logged" grep -q 'started' "$T/syslog.log"
check "level notice: connections and data are not" \
	bash -c "! grep -Eq 'tcp (open|data|close)|udp datagram' '$T/syslog.log'"

# data = no: connections are logged, payloads are not
: >"$T/syslog.log"
cfg=$( { base_conf; printf '[log]\ndata = no\n'; } | conf nodata)
start_daemon "$cfg"
printf 'secret' | nc -N 127.0.0.1 $PORT >/dev/null
printf 'secret2' | nc -u -w1 -p 40112 127.0.0.1 $PORT
wait_for "$T/syslog.log" 'udp datagram peer=127\.0\.0\.1:40112 .*len=7$'
ok "data = no: a datagram is logged with its sender and size only"
stop_daemon
check "data = no: the connection is logged" grep -q 'tcp close .* in=6 ' "$T/syslog.log"
check "data = no: no payload anywhere" bash -c "! grep -q secret '$T/syslog.log'"

# as a daemon: the parent returns once it serves, the pid file names it,
# log lines go to syslog only, SIGTERM removes the pid file
: >"$T/syslog.log"
cfg=$(base_conf | conf daemon)
"$NETECHOD" -c "$cfg" -P "$T/netechod.pid" >"$T/dmode.out" 2>"$T/dmode.err"
check "daemon mode: the parent exits 0 once started" test $? -eq 0
pid=$(cat "$T/netechod.pid")
DPID=$pid
check "daemon mode: the pid file names a running netechod" \
	grep -q netechod "/proc/$pid/comm"
printf 'Hello TCP' | nc -N 127.0.0.1 $PORT >"$T/dmode.reply"
check "daemon mode: serving" cmp -s "$T/dmode.reply" <(printf 'Receive: Hello TCP')
wait_for "$T/syslog.log" "netechod\\[$pid\\]: tcp close"
ok "daemon mode: log lines reach syslog"
check "every line carries the daemon's own pid, the first (starting) too" \
	bash -c "grep -q 'netechod\\[$pid\\]: netechod [0-9.]* starting' '$T/syslog.log' &&
		 test \$(grep -c 'netechod\\[' '$T/syslog.log') -eq \$(grep -c \
		 	'netechod\\[$pid\\]' '$T/syslog.log')"
check "... and each line once" \
	test "$(count_lines "$T/syslog.log" 'netechod [0-9.]* starting')" -eq 1
check "daemon mode: a successful start prints nothing but warnings on the terminal" \
	bash -c "test ! -s '$T/dmode.out' && ! grep -v '^netechod: warning: ' '$T/dmode.err'"
kill -TERM "$pid"
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
DPID=
check "daemon mode: SIGTERM stops it" test ! -e "/proc/$pid"
check "daemon mode: the pid file is removed" test ! -e "$T/netechod.pid"

# a relative pid file is relative to where netechod was started, although
# a daemon works from /
( cd "$T" && "$NETECHOD" -c "$cfg" -P rel.pid )
check "a relative -P: the parent exits 0" test $? -eq 0
check "the pid file is where it was asked to be" test -s "$T/rel.pid"
pid=$(cat "$T/rel.pid")
DPID=$pid
"$NETECHOD" -c "$cfg" -P "$T/rel.pid" 2>"$T/twice.err"
check "a second instance on the same pid file: refused (73)" test $? -eq 73
check "... saying which pid runs" \
	grep -q "already running: pid file $T/rel.pid is locked by pid $pid" "$T/twice.err"
kill -TERM "$pid"
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
DPID=
check "and it removes its pid file at exit" test ! -e "$T/rel.pid"

# stderr is the journal (JOURNAL_STREAM names it): lines reach it through
# syslog, and are not copied to stderr a second time
: >"$T/syslog.log"
: >"$T/journal.err"
cfg=$(base_conf | conf journal)
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal.err") "$NETECHOD" -f -c "$cfg" >/dev/null \
	2>>"$T/journal.err" &
DPID=$!
wait_for "$T/syslog.log" 'netechod [0-9.]+ started'
printf 'once' | nc -N 127.0.0.1 $PORT >/dev/null
wait_for "$T/syslog.log" 'tcp data .* data="once"'
stop_daemon
check "with JOURNAL_STREAM on stderr: lines go to syslog" \
	grep -q 'stderr is the journal: log lines go through syslog only' "$T/syslog.log"
check "... and not to stderr as well" bash -c "! grep -q 'tcp data' '$T/journal.err'"
check "... from the first line on: each line once in the journal" \
	bash -c "! grep -q 'starting' '$T/journal.err' &&
		test \$(grep -c 'netechod [0-9.]* starting' '$T/syslog.log') -eq 1"

# a failure after detaching reaches the parent's exit status: the pid
# file (opened before, written after detaching) on a full filesystem
mkdir "$T/full"
if mount -t tmpfs -o size=8k tmpfs "$T/full"; then
	: >"$T/full/netechod.pid"
	head -c 65536 /dev/zero >"$T/full/filler" 2>/dev/null
	"$NETECHOD" -c "$cfg" -P "$T/full/netechod.pid" >/dev/null 2>"$T/full.err"
	check "the pid file cannot be written after detaching: the parent exits 73" test $? -eq 73
	check "... saying why" \
		grep -q "cannot write pid file $T/full/netechod.pid: No space left on device" \
			"$T/full.err"
	check "... and nothing serves" bash -c "! nc -z 127.0.0.1 $PORT"
	umount "$T/full"
fi
