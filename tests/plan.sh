#!/bin/bash
# plan: netechod -t prints the plan (issue 21 item 2): every socket it
# would bind (protocol, address, port, service: the path report's port+1
# included), the values that differ from the defaults and where they were
# set (FILE:LINE or -o), then FILE: ok. A port+1 clash at start names the
# report service.
. "${top_srcdir:-.}/tests/lib.sh"

cfg=$(conf plan <<EOF
[server]
port = $PORT
backlog = 128
[tcp]
greeting = "hello"
[udp]
enabled = no
EOF
)
"$NETECHOD" -t -c "$cfg" -o log.level=debug >"$T/t.out" 2>"$T/t.err"
check "-t: exit 0" test $? -eq 0
check "-t prints the TCP echo socket" \
	grep -qx "bind tcp 127.0.0.1:$PORT (tcp echo)" "$T/t.out"
check "-t prints the report port, [server] port + 1, TCP and UDP" \
	bash -c "grep -qx 'bind tcp 127.0.0.1:$((PORT + 1)) (report, \[server\] port + 1)' '$T/t.out' &&
		grep -qx 'bind udp 127.0.0.1:$((PORT + 1)) (report, \[server\] port + 1)' '$T/t.out'"
check "-t binds no UDP echo when [udp] is off" \
	bash -c "! grep -q '(udp echo)' '$T/t.out'"
check "-t names each value set, with its file and line" \
	bash -c "grep -qx 'set server.port = \"$PORT\" ($cfg:2)' '$T/t.out' &&
		grep -qx 'set tcp.greeting = \"hello\" ($cfg:5)' '$T/t.out' &&
		grep -qx 'set udp.enabled = \"no\" ($cfg:7)' '$T/t.out'"
check "-t names a value set by -o" grep -qx 'set log.level = "debug" (-o)' "$T/t.out"
check "-t leaves out a value set to its default (backlog = 128)" \
	bash -c "! grep -q 'backlog' '$T/t.out'"
check "-t ends with FILE: ok" test "$(tail -n 1 "$T/t.out")" = "$cfg: ok"
check "-t bound nothing: the port is free for a daemon now" \
	bash -c "! ss -Htln 'sport = :$PORT' | grep -q ."

# a report port of its own is printed as the report's, not as port + 1
"$NETECHOD" -t -c "$cfg" -o report.port=$REPORT_PORT >"$T/own.out" 2>&1
check "-t: a report port set is the report's" \
	grep -qx "bind tcp 127.0.0.1:$REPORT_PORT (report)" "$T/own.out"

# a host that does not resolve now is no fault of the file's: said, still ok
"$NETECHOD" -t -c "$cfg" -o server.host=no-such-host.invalid >"$T/unres.out" 2>&1
status=$?
check "-t with a host that does not resolve now: 0, a line says so, FILE: ok" \
	bash -c "test $status -eq 0 &&
		grep -q '^bind tcp: cannot resolve no-such-host.invalid' '$T/unres.out' &&
		test \"\$(tail -n 1 '$T/unres.out')\" = '$cfg: ok'"

# --- at start, [server] port + 1 taken: the error names the report service
other=$(conf other <<EOF
[server]
port = $((PORT + 1))
[report]
enabled = no
EOF
)
start_daemon "$other"
"$NETECHOD" -f -c "$cfg" >"$T/clash.out" 2>"$T/clash.err"
status=$?
check "port + 1 in use at start: exit 69" test "$status" -eq 69
check "... and the error names the report service and where its port came from" \
	grep -Eq "cannot bind tcp 127\.0\.0\.1:$((PORT + 1)): Address already in use \(report, \[server\] port \+ 1\)" \
	"$T/clash.err"
stop_daemon
