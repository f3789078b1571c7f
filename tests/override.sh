#!/bin/bash
# override: netechod -o SECTION.KEY=VALUE (issue 21 item 1). With no file
# at all, the one line
#   netechod -f -o server.port=PORT -o tcp.reply_prefix= -o udp.echo=yes
# is an RFC 862 echo service, TCP and UDP; -o goes over the file, is
# checked as the file is (a problem names the option), and a reload
# applies it again over the file read anew.
. "${top_srcdir:-.}/tests/lib.sh"

command -v nc >/dev/null || skip "nc (netcat-openbsd) is not installed"

# the default file must be absent: hide its directory in this test's
# mount namespace when the host has one
default=$("$NETECHOD" --help | sed -n 's/.*configuration file (default \(\/[^)]*\))$/\1/p')
[ -n "$default" ] || fail "--help names no default configuration file"
if [ -e "$default" ]; then
	mount -t tmpfs none "$(dirname "$default")" || skip "cannot hide $default"
fi
check "the default file is absent" test ! -e "$default"

# --- the one line, no file
: >"$T/d.err"
"$NETECHOD" -f -o server.port=$PORT -o tcp.reply_prefix= -o udp.echo=yes \
	>"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
check "it says it serves the built-in defaults" \
	grep -q 'starting, configuration built-in defaults' "$T/d.err"
check "TCP: the bytes sent come back, nothing else (RFC 862)" \
	cmp -s <(printf 'Hello TCP\n\001\377' | timeout 10 nc -N 127.0.0.1 $PORT) \
	<(printf 'Hello TCP\n\001\377')
check "TCP with the client: the message comes back as sent" \
	bash -c "test \"\$(timeout 10 '$NETECHO' -m 'Hello client' 127.0.0.1 $PORT)\" = 'Hello client'"
check "UDP: the datagram comes back as sent" \
	cmp -s <(udp_ask $PORT 'Hello UDP') <(printf 'Hello UDP')
check "the path report has [server] port + 1" \
	grep -q "listening on tcp 127.0.0.1:$((PORT + 1)) (report)" "$T/d.err"
reload
check "after a reload (no file again): TCP still a plain echo" \
	cmp -s <(printf 'again' | timeout 10 nc -N 127.0.0.1 $PORT) <(printf 'again')
check "after a reload: UDP still echoes" \
	cmp -s <(udp_ask $PORT 'again UDP') <(printf 'again UDP')
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- over a file, and again at a reload
live=$T/live.conf
{ base_conf; printf '[tcp]\nreply_prefix = "file: "\n'; } >"$live"
start_daemon "$live" -o 'tcp.reply_prefix="opt: "'
check "-o wins over the file" \
	cmp -s <(printf x | timeout 10 nc -N 127.0.0.1 $PORT) <(printf 'opt: x')
{ base_conf; printf '[tcp]\nreply_prefix = "file2: "\ngreeting = "hi\\n"\n'; } >"$live"
reload
check "a reload applies -o again over the file read anew (its greeting new, the prefix -o's)" \
	cmp -s <(printf x | timeout 10 nc -N 127.0.0.1 $PORT) <(printf 'hi\nopt: x')
stop_daemon

# --- the same checks, problems named by the option
{ base_conf; printf 'backlog = 12abc\n'; } >"$T/bad.conf"
"$NETECHOD" -t -c "$T/bad.conf" -o tcp.port=99999 -o udp.echo=perhaps -o nowhere.key=1 \
	-o tcp.nokey=1 >"$T/bad.out" 2>"$T/bad.err"
status=$?
cat >"$T/bad.expected" <<EOF
$T/bad.conf:6: backlog: "12abc" is not a number
-o tcp.port: port: "99999" is not a port (0 to 65535) nor a range (as 7000-7010)
-o udp.echo: echo: "perhaps" is not a boolean (yes or no)
-o nowhere.key: unknown section ([server], [tcp], [udp], [report], [metrics], [log])
-o tcp.nokey: unknown key in [tcp]
EOF
check "bad values: 78, every problem, the file's by line and each -o by name" \
	bash -c "test $status -eq 78 && diff '$T/bad.expected' '$T/bad.err' >&2"
"$NETECHOD" -f -o server.port=$PORT -o tcp.max_connections=0 >/dev/null 2>"$T/range.err"
check "at start too: 78 before binding, naming the option" \
	bash -c "test $? -eq 78 &&
		grep -qx -- '-o tcp.max_connections: max_connections: .*' '$T/range.err'"
"$NETECHOD" -t -o server.allow=127.0.0.1 2>"$T/acl.err"
check "an access list is the file's: 78, said so" \
	bash -c "test $? -eq 78 && grep -qx -- \
		'-o server.allow: access lists and list files are set in the file only' '$T/acl.err'"
"$NETECHOD" -t -o server.port 2>"$T/form.err"
check "not SECTION.KEY=VALUE: usage error 64" \
	bash -c "test $? -eq 64 && grep -q 'not SECTION.KEY=VALUE' '$T/form.err'"
"$NETECHOD" -t -c "$T/missing.conf" -o server.port=$PORT 2>"$T/missing.err"
check "a file named with -c must exist, -o or not" \
	bash -c "test $? -eq 78 &&
		grep -qx '$T/missing.conf: cannot open: No such file or directory' '$T/missing.err'"

# --- metrics.module, the one key that repeats: -o adds a module or
# replaces the file's of that name; -t lists each line and where it was set
{ base_conf; printf '[metrics]\nenabled = yes\nport = 0\n'
  printf 'module = quick tcp count=3\nmodule = slow udp count=40 interval=0.25\n'; } >"$T/mod.conf"
"$NETECHOD" -t -c "$T/mod.conf" -o 'metrics.module=quick tcp count=5' \
	-o 'metrics.module=cs1 path dscp=8' >"$T/mod.out" 2>"$T/mod.err"
status=$?
grep '^set metrics.module' "$T/mod.out" >"$T/mod.lines"
line=$(grep -n '^module = slow' "$T/mod.conf" | cut -d: -f1)
cat >"$T/mod.expected" <<EOF
set metrics.module = "quick tcp count=5" (-o)
set metrics.module = "slow udp count=40 interval=0.25" ($T/mod.conf:$line)
set metrics.module = "cs1 path dscp=8" (-o)
EOF
check "-t lists each module line and where it was set; -o replaces the file's module of its name" \
	bash -c "test $status -eq 0 && diff '$T/mod.expected' '$T/mod.lines' >&2"
"$NETECHOD" -t -c "$T/mod.conf" -o 'metrics.module=x tcp count=2' \
	-o 'metrics.module=x udp' -o 'metrics.module=y nosuch' >/dev/null 2>"$T/mod2.err"
status=$?
cat >"$T/mod2.expected" <<EOF
-o metrics.module: module x: given twice with -o
-o metrics.module: module: NAME PROBER [settings]: the prober is tcp, udp or path
EOF
check "a module twice with -o, or a bad one: 78, each named by the option" \
	bash -c "test $status -eq 78 && diff '$T/mod2.expected' '$T/mod2.err' >&2"
