#!/bin/bash
# systemd: the shipped units under a real, booted systemd (the machine's
# own, in a throw-away container: systemd-nspawn --volatile=yes boots /usr
# on a tmpfs root with a network of its own). netechod.service starts
# (Type=notify) and answers; "systemctl reload" applies a good file and
# fails on a bad one (the unit checks it with netechod -t first), which
# "systemctl status" shows, while the daemon keeps its settings; it stops
# cleanly; netechod.socket activates netechod-activated.service, which
# brings netechod-report.socket and tells its sockets apart by name, and
# netechod-metrics.socket, started on its own, starts it too and is passed
# to it as the metrics service's (FileDescriptorName=metrics). Skipped
# (77) where a container cannot boot, and in sanitizer builds (the units'
# system call filter is not the sanitizers' friend).
. "${top_srcdir:-.}/tests/lib.sh"

[ -z "${SANITIZERS:-}" ] || skip "a sanitizer build: the units are tried with the plain build"
[ "$(id -u)" -eq 0 ] || skip "systemd-nspawn needs root"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn (systemd-container) is not installed"
command -v nsenter >/dev/null || skip "nsenter (util-linux) is not installed"

machine=netecho-test-$$
# (the host's other services come up too, their presets enabling them on
# the empty /etc: none may wait for a network the container has not, as
# haproxy's After=network-online.target would for two minutes)
systemd-nspawn --directory=/ --volatile=yes --boot --private-network --register=no --keep-unit \
	--machine="$machine" --console=pipe -- systemd.mask=systemd-networkd-wait-online.service \
	>"$T/nspawn.out" 2>&1 </dev/null &
nspawn=$!
BG_PIDS="$BG_PIDS $nspawn"
# the container's init: the systemd that nspawn started
init=
for _ in $(seq 300); do
	init=$(ps -o pid= --ppid "$nspawn" 2>/dev/null | tr -d ' ' | head -n 1)
	[ -n "$init" ] && [ "$(cat "/proc/$init/comm" 2>/dev/null)" = systemd ] && break
	init=
	kill -0 "$nspawn" 2>/dev/null || break
	sleep 0.1
done
[ -n "$init" ] || { cat "$T/nspawn.out"; skip "systemd-nspawn cannot boot a container here"; }
# a command in the container
inside() { nsenter -t "$init" -a -- "$@"; }
state=
for _ in $(seq 600); do
	state=$(inside systemctl is-system-running 2>/dev/null)
	case $state in running|degraded) break ;; esac
	sleep 0.1
done
case $state in
running|degraded) ;;
*) skip "the container's systemd did not come up ($state)" ;;
esac
echo "# systemd $(inside systemctl --version | head -n 1 | cut -d' ' -f2)" \
	"booted in a container ($state)"
stop_container() { kill -TERM "$nspawn" 2>/dev/null; wait "$nspawn" 2>/dev/null; }
trap 'rc=$?; stop_container; (exit $rc); cleanup' EXIT

# the daemon, the client and the units, as make install would put them
# (under /opt: the container's /usr is the host's, read-only)
put() { inside sh -c "mkdir -p '$(dirname "$2")' && cat >'$2' && chmod $3 '$2'" <"$1"; }
put "$NETECHOD" /opt/netecho/sbin/netechod 755
put "$NETECHO" /opt/netecho/bin/netecho 755
put "$top_srcdir/etc/netechod.conf" /etc/netechod.conf 644
for u in netechod.service netechod.socket netechod-report.socket netechod-metrics.socket \
	netechod-activated.service; do
	sed -e 's|@sbindir@|/opt/netecho/sbin|g' -e 's|@sysconfdir@|/etc|g' \
		-e 's|@runstatedir@|/run|g' \
		"$top_srcdir/systemd/$u.in" >"$T/$u"
	put "$T/$u" "/etc/systemd/system/$u" 644
done
inside systemctl daemon-reload || fail "daemon-reload"
conf() { printf '[server]\nhost = 127.0.0.1\nport = 7000\n[tcp]\nreply_prefix = "%s"\n' "$1" \
	| inside sh -c 'cat >/etc/netechod.conf'; }
ask() { inside /opt/netecho/bin/netecho -w 5 -m "$1" 127.0.0.1 7000; }

# --- netechod.service
conf "One: "
inside systemctl start netechod.service
check "systemctl start netechod: it starts (Type=notify: READY=1 came)" test $? -eq 0
check "... it is active" test "$(inside systemctl is-active netechod.service)" = active
check "... and answers" test "$(ask hi)" = "One: hi"
inside journalctl -u netechod.service --no-pager -o cat >"$T/journal.out" 2>&1
check "the journal has its lines, the first one once" \
	test "$(grep -c 'netechod [0-9.]* starting' "$T/journal.out")" -eq 1

conf "Two: "
inside systemctl reload netechod.service
check "systemctl reload with a good file: exit 0" test $? -eq 0
for _ in $(seq 100); do [ "$(ask x)" = "Two: x" ] && break; sleep 0.1; done
check "... and the new prefix answers" test "$(ask x)" = "Two: x"

printf '[server]\nport = 7000\n[tcp]\nreply_prefix = "Three: "\nmax_connections = lots\n' |
	inside sh -c 'cat >/etc/netechod.conf'
inside systemctl reload netechod.service 2>"$T/reload.err"
check "systemctl reload with a bad file: fails" test $? -ne 0
inside systemctl status netechod.service --no-pager -l >"$T/status.out" 2>&1
check "... systemctl status shows the FILE:LINE problem" \
	grep -q '/etc/netechod.conf:5: max_connections: "lots" is not a number' "$T/status.out"
check "... the daemon is still active" \
	test "$(inside systemctl is-active netechod.service)" = active
check "... with the settings it had" test "$(ask y)" = "Two: y"

inside systemctl stop netechod.service
check "systemctl stop: exit 0" test $? -eq 0
check "... it stopped cleanly (Result=success)" \
	test "$(inside systemctl show -p Result --value netechod.service)" = success
inside journalctl -u netechod.service --no-pager -o cat >"$T/journal.out" 2>&1
check "... after saying so" grep -q 'netechod stopped' "$T/journal.out"

# --- netechod.socket: systemd binds 127.0.0.1:50000, netechod comes on
# the first connection
printf '[tcp]\nreply_prefix = "Act: "\n' | inside sh -c 'cat >/etc/netechod.conf'
inside systemctl start netechod.socket
check "systemctl start netechod.socket" test $? -eq 0
check "the first connection starts netechod-activated and is answered" \
	test "$(inside /opt/netecho/bin/netecho -w 10 -m first 127.0.0.1 50000)" = "Act: first"
check "... the service is active" \
	test "$(inside systemctl is-active netechod-activated.service)" = active
printf '[tcp]\nreply_prefix = "Act: "\nbogus = 1\n' | inside sh -c 'cat >/etc/netechod.conf'
inside systemctl reload netechod-activated.service 2>/dev/null
check "reloading it with a bad file fails too" test $? -ne 0
check "... and it answers as before" \
	test "$(inside /opt/netecho/bin/netecho -m again 127.0.0.1 50000)" = "Act: again"
# (bash, not nc: the container's /etc, which nc's alternatives link is in, is empty)
inside timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/50001 && cat <&3' >"$T/report.out" 2>&1
check "netechod-report.socket came with the service (its Sockets=)" \
	test "$(inside systemctl is-active netechod-report.socket)" = active
check "the report socket, passed by name, serves the path report" \
	grep -q '^{"version":1,"proto":"tcp","client":"127.0.0.1",' "$T/report.out"
inside systemctl stop netechod.socket netechod-report.socket netechod-activated.service
check "both stop" test "$(inside systemctl is-active netechod-activated.service)" != active

# --- netechod-metrics.socket: not brought by the service ([metrics] is
# off by default); started, a connection to it starts the service, which
# is passed it by name and serves /metrics on it
printf '[metrics]\nenabled = yes\n' | inside sh -c 'cat >/etc/netechod.conf'
inside systemctl start netechod-metrics.socket
check "systemctl start netechod-metrics.socket" test $? -eq 0
inside timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9597 &&
	printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' >"$T/metrics.out" 2>&1
check "a connection to it starts netechod-activated, which serves /metrics on it" \
	grep -q '^netecho_build_info{' "$T/metrics.out"
inside journalctl -u netechod-activated.service --no-pager -o cat >"$T/journal2.out" 2>&1
check "... passed by name: the metrics service's socket" \
	grep -q 'listening on tcp 127.0.0.1:9597 (metrics) (socket-activated' "$T/journal2.out"
inside systemctl stop netechod-metrics.socket netechod.socket netechod-report.socket \
	netechod-activated.service
