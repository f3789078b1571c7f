#!/bin/bash
# logformat: the daemon's lines on stderr (-f). On a terminal (a pty made
# by script(1)) each starts with an RFC 3339 time stamp with milliseconds
# and the local offset, which date -d reads; in a file, none (the lines
# start "netechod: "). With [log] format = json every line is one JSON
# object (jq reads each) with time, level, kind, msg and the line's fields,
# peer among them, also after a reload; syslog's lines stay text. The rate
# limit's excess is counted by kind, and the counts add up. A bad format
# value is refused with its FILE:LINE.
#
# Under a pipe or a file the text lines carry no time stamp: what reads a
# pipe stamps lines itself (README, Logging).
. "${top_srcdir:-.}/tests/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"

# jqall FILE FILTER: FILTER, true or false, on the array of FILE's lines,
# each parsed as JSON (a line that is not JSON fails it).
jqall() {
	jq -e -R -s '[split("\n")[] | select(length > 0) | fromjson] | '"$2" "$1" >/dev/null
}

# --- stderr a terminal: a time stamp on each line -------------------------
# (first: start_logsink puts a /dev of its own, without /dev/ptmx, in place)

if ! command -v script >/dev/null; then
	skip_part "script (util-linux) is not installed: no terminal for stderr"
elif ! script -qec 'test -t 2' /dev/null </dev/null >/dev/null 2>&1; then
	skip_part "script cannot make a terminal here (no /dev/ptmx or /dev/pts)"
else
	# a fixed offset with minutes, from a POSIX TZ (no zoneinfo needed)
	: >"$T/tty.out"
	cfg=$( { base_conf; printf '[udp]\necho = no\n'; } | conf tty)
	TZ=XST-05:30 script -qec "exec '$NETECHOD' -f -c '$cfg' -P '$T/tty.pid'" /dev/null \
		</dev/null >"$T/tty.out" 2>&1 &
	SPID=$!
	BG_PIDS="$BG_PIDS $SPID"
	wait_for "$T/tty.out" 'netechod [0-9.]+ started'
	printf 'x' | nc -N -p 40204 127.0.0.1 $PORT >/dev/null
	wait_for "$T/tty.out" 'tcp close peer=127\.0\.0\.1:40204'
	kill -TERM "$(cat "$T/tty.pid")"
	wait_for "$T/tty.out" 'netechod stopped'
	wait "$SPID"
	tr -d '\r' <"$T/tty.out" >"$T/tty.txt"
	echo "# $(head -n 1 "$T/tty.txt")"
	stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} netechod: '
	check "stderr a terminal: every line starts with an RFC 3339 time, ms and offset" \
		bash -c "test \$(grep -Evc '$stamp' '$T/tty.txt') -eq 0 &&
			test \$(grep -Ec '$stamp' '$T/tty.txt') -ge 5"
	check "... which date -d reads, every one" \
		bash -c "cut -d ' ' -f 1 '$T/tty.txt' |
			while IFS= read -r t; do date -d \"\$t\" >/dev/null || exit 1; done"
	check "... in local time: the offset of TZ=XST-05:30 is +05:30" \
		bash -c "test \$(cut -c 24-29 '$T/tty.txt' | sort -u) = '+05:30'"
fi

start_logsink "$T/syslog.log"

# --- format = json -----------------------------------------------------

cfg=$( { base_conf; printf '[udp]\necho = no\n[log]\nformat = json\nrate_limit = 0\n'; } |
	conf json)
start_daemon "$cfg"
# a payload with a quote, a backslash, a control byte and a byte above 0x7f
printf 'a"b\\c\001d\351' | nc -N -p 40201 127.0.0.1 $PORT >/dev/null
wait_for "$T/d.err" '"kind":"tcp close".*"peer":"127\.0\.0\.1:40201"'
printf 'hello' | nc -u -w1 -p 40202 127.0.0.1 $PORT
wait_for "$T/d.err" '"kind":"udp datagram"'
signal_and_wait USR1 '"kind":"stats"'
reload '"kind":"reloaded"'
printf 'again' | nc -N -p 40203 127.0.0.1 $PORT >/dev/null
wait_for "$T/d.err" '"kind":"tcp close".*"peer":"127\.0\.0\.1:40203"'
stop_daemon
echo "# $(wc -l <"$T/d.err") lines on stderr"

check "every line of a format = json run is one JSON object (jq)" \
	jqall "$T/d.err" 'length == '"$(wc -l <"$T/d.err")"' and all(.[]; type == "object")'
check "... each with a time that date -d reads, a level, a kind and msg" \
	bash -c "jq -r -R 'fromjson | select((.level | type) == \"string\" and
		(.kind | length) > 0 and (.msg | type) == \"string\") | .time' '$T/d.err' |
		{ n=0; while IFS= read -r t; do date -d \"\$t\" >/dev/null || exit 1; n=\$((n + 1));
		done; test \$n -eq \$(wc -l <'$T/d.err'); }"
check "... every line that names a peer carries it as .peer, as msg has it" \
	jqall "$T/d.err" 'map(select(.msg | test(" peer="))) | length >= 6 and
		all(.[]; .peer == (.msg | capture(" peer=(?<p>[^ ]*[^ :;,])").p))'
for k in 'tcp open:40201' 'tcp data:40201' 'tcp close:40201' 'udp datagram:40202' \
	'tcp open:40203'; do
	check "... a ${k%:*} line carries its kind and peer 127.0.0.1:${k##*:}" \
		jqall "$T/d.err" "any(.[]; .kind == \"${k%:*}\" and .peer == \"127.0.0.1:${k##*:}\")"
done
# the payload as the text line escapes it (\x..), each string JSON-escaped
check "a payload's quote, backslash and bytes reach .data escaped, .len a number" \
	jqall "$T/d.err" 'map(select(.kind == "tcp data" and .peer == "127.0.0.1:40201")) |
		.[0].data == "a\\\"b\\\\c\\x01d\\xe9" and .[0].len == 8'
check "the stats line's counters are numbers" \
	jqall "$T/d.err" 'map(select(.kind == "stats")) | .[0].tcp_total == 1 and
		.[0].udp_datagrams == 1'
check "syslog's lines stay text" \
	bash -c "grep -Eq '^<[0-9]+>.*netechod\\[[0-9]+\\]: tcp data peer=127\\.0\\.0\\.1:40201 ' \
		'$T/syslog.log' && ! grep -q '\"kind\"' '$T/syslog.log'"

# --- suppressed lines, counted by kind -----------------------------------

cfg=$( { base_conf; printf '[udp]\necho = no\n[log]\nformat = json\nrate_limit = 1\n'; } |
	conf limited)
start_daemon "$cfg"
m=$(mark "$T/d.err")
for i in $(seq 50); do printf 'x' >/dev/udp/127.0.0.1/$PORT; done
# every datagram is logged or counted: wait until they add up to 50
# (the counts come once a second, in one or more lines)
sum() {
	tail -n +"$((m + 1))" "$T/d.err" >"$T/limited.json"
	jq -R -s '[split("\n")[] | select(length > 0) | fromjson] |
		(map(select(.kind == "udp datagram")) | length) +
		(map(select(.kind == "log" and (.msg | test("lines suppressed"))) |
			.udp_datagram // 0) | add // 0)' "$T/limited.json"
}
i=0
until [ "$(sum)" -ge 50 ]; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "50 datagrams: only $(sum) logged or counted after 10 s"
	sleep 0.05
done
echo "# $(grep -m 1 'lines suppressed' "$T/limited.json")"
check "50 datagrams at rate_limit = 1: logged + counted as udp_datagram = 50" \
	test "$(sum)" -eq 50
check "each suppressed line's total is the sum of its kinds" \
	jqall "$T/limited.json" 'map(select(.msg | test("lines suppressed"))) | length > 0 and
		all(.[]; (.msg | capture("^log: (?<n>[0-9]+) ").n | tonumber) ==
			([to_entries[] | select(.value | type == "number") | .value] | add))'
stop_daemon

# --- a text run into a file: no time stamp --------------------------------

cfg=$( { base_conf; printf '[udp]\necho = no\n'; } | conf text)
start_daemon "$cfg"
printf 'x' | nc -N 127.0.0.1 $PORT >/dev/null
wait_for "$T/d.err" 'tcp close peer='
stop_daemon
check "stderr a file: every line starts with netechod: (no time stamp)" \
	bash -c "! grep -v '^netechod: ' '$T/d.err'"

# --- a bad value ------------------------------------------------------------

cfg=$( { base_conf; printf '[log]\nformat = xml\n'; } | conf bad)
"$NETECHOD" -t -c "$cfg" >"$T/bad.out" 2>&1
check "format = xml is refused (exit 78)" test $? -eq 78
check "... with FILE:LINE and the two formats" \
	grep -Fq "$cfg:$(grep -n '^format' "$cfg" | cut -d: -f1): format: unknown format (text or json) \"xml\"" "$T/bad.out"
