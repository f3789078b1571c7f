#!/bin/bash
# config: bad configuration never half-starts. netechod prints one
# FILE:LINE line per problem and exits 78 before binding anything; -t only
# checks. Also: options, usage errors (64) and a port in use (69).
. "${top_srcdir:-.}/tests/lib.sh"

# one file, one problem of each kind, each on a known line
long=$(printf 'x%.0s' $(seq 1 200))
bad=$(conf bad <<EOF
[server]
port = 70000
backlog = 12abc
[tcp]
nonsense = 1
greeting = "unterminated
[nowhere]
key = ignored
[log]
level = loud
facility = mail
not a key value line
; $long
[udp]
echo = perhaps
EOF
)
cat >"$T/bad.expected" <<EOF
$bad:2: port: "70000" is not a port (0 to 65535) nor a range (as 7000-7010)
$bad:3: backlog: "12abc" is not a number
$bad:5: unknown key "nonsense" in [tcp]
$bad:6: unterminated quoted value (missing closing ")
$bad:7: unknown section "nowhere" (known: [server], [tcp], [udp], [report], [metrics], [log])
$bad:10: level: unknown level (emerg, alert, crit, err, warning, notice, info or debug) "loud"
$bad:11: facility: unknown facility (daemon, user or local0 to local7) "mail"
$bad:12: malformed line "not a key value line" (expected key = value, [section] or a comment)
$bad:13: line too long (202 bytes; at most 198)
$bad:15: echo: "perhaps" is not a boolean (yes or no)
EOF

"$NETECHOD" -f -c "$bad" >"$T/bad.out" 2>"$T/bad.err"
check "a bad file: exit status 78 (EX_CONFIG)" test $? -eq 78
check "one FILE:LINE line per problem, nothing else" diff -u "$T/bad.expected" "$T/bad.err"
if command -v strace >/dev/null; then
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
		strace -f -e trace=openat,socket,bind,listen -o "$T/strace.log" "$NETECHOD" -f -c \
			"$bad" 2>/dev/null
	check "under strace too the bad file gives 78 (strace did run it)" test $? -eq 78
	check "strace saw the file being read" grep -q "openat(.*\"$bad\"" "$T/strace.log"
	check "a bad file: no socket is created or bound (strace)" \
		bash -c "! grep -Eq '^[0-9]+ +(socket|bind|listen)\(AF_INET' '$T/strace.log'"
fi
"$NETECHOD" -t -c "$bad" >"$T/badt.out" 2>"$T/badt.err"
check "-t on a bad file: 78 and the same problems" \
	bash -c "test $? -eq 78 && diff -q '$T/bad.expected' '$T/badt.err' >/dev/null &&
		test ! -s '$T/badt.out'"

good=$(base_conf | conf good)
out=$("$NETECHOD" -t -c "$good")
check "-t on a good file: exit 0" test $? -eq 0
check "-t prints FILE: ok last" test "$(printf '%s\n' "$out" | tail -n 1)" = "$good: ok"
if command -v strace >/dev/null; then
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
		strace -f -e trace=openat,socket,bind -o "$T/t.strace" "$NETECHOD" -t -c "$good" \
			>/dev/null
	check "-t read the file (strace saw it)" grep -q "openat(.*\"$good\"" "$T/t.strace"
	check "-t creates and binds no socket (strace)" \
		bash -c "! grep -Eq '^[0-9]+ +(socket|bind)\(AF_INET' '$T/t.strace'"
fi

"$NETECHOD" -t -c "$T/missing.conf" 2>"$T/missing.err"
check "a missing file: 78" test $? -eq 78
check "a missing file: says which and why" \
	grep -qx "$T/missing.conf: cannot open: No such file or directory" "$T/missing.err"
"$NETECHOD" -t -c "$T" 2>"$T/dir.err"
check "a directory: 78, not a regular file" \
	bash -c "test $? -eq 78 && grep -qx '$T: not a regular file (a directory)' '$T/dir.err'"
# unreadable: as an unprivileged user (needs real root to switch users)
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true \
	2>/dev/null; then
	cp "$good" "$T/secret.conf"
	chmod 600 "$T/secret.conf"
	chmod 755 "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NETECHOD" -t -c "$T/secret.conf" \
		2>"$T/perm.err"
	check "an unreadable file: 78, permission denied" \
		bash -c "test $? -eq 78 &&
			grep -qx '$T/secret.conf: cannot open: Permission denied' '$T/perm.err'"
fi
printf '[tcp]\nenabled = no\n[udp]\nenabled = no\n' >"$T/none.conf"
"$NETECHOD" -t -c "$T/none.conf" 2>"$T/none.err"
check "nothing enabled: 78" \
	bash -c "test $? -eq 78 && grep -qx \
		'$T/none.conf: nothing to serve: both \[tcp\] and \[udp\] have enabled = no' \
		'$T/none.err'"

# options
"$NETECHOD" --bogus >"$T/u.out" 2>"$T/u.err"
check "an unknown option: 64 (EX_USAGE)" test $? -eq 64
check "an unknown option: usage on stderr" grep -q '^usage: netechod' "$T/u.err"
"$NETECHOD" -f extra 2>"$T/u2.err"
check "an extra argument: 64" test $? -eq 64
"$NETECHOD" -h >"$T/h.out"
check "-h: 0 and usage on stdout" bash -c "test $? -eq 0 && grep -q '^usage: netechod' '$T/h.out'"
for o in --config --foreground --pidfile --test --help --version; do
	grep -q -- "$o" "$T/h.out" || fail "--help does not mention $o"
done
ok "--help lists every long option"
"$NETECHOD" --version >"$T/v.out"
check "--version prints the version" grep -Eqx 'netechod [0-9]+\.[0-9]+\.[0-9]+' "$T/v.out"
"$NETECHOD" -c 2>/dev/null
check "-c without a file: 64" test $? -eq 64

# a port in use: exit 69 naming the address, nothing half-started
nc -lk 127.0.0.1 $PORT >/dev/null &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 100); do nc -z 127.0.0.1 $PORT 2>/dev/null && break; sleep 0.05; done
timeout 10 "$NETECHOD" -f -c "$good" 2>"$T/inuse.err"
check "a TCP port in use: exit 69 (EX_UNAVAILABLE)" test $? -eq 69
check "the error names the address" \
	grep -q 'cannot bind tcp 127.0.0.1:7000: Address already in use' "$T/inuse.err"
printf '[server]\nhost = no.such.host.invalid\nport = %s\n' $PORT >"$T/nohost.conf"
timeout 10 "$NETECHOD" -f -c "$T/nohost.conf" 2>"$T/nohost.err"
check "an unresolvable host: exit 69 naming it" \
	bash -c "test $? -eq 69 && grep -q 'cannot resolve no.such.host.invalid' '$T/nohost.err'"
