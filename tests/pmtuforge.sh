#!/bin/bash
# pmtuforge: /probe's path MTU search (module pmtu=yes) against ICMP
# "too big" forged by a host on the path: router 2 of a lab of two routers
# (tests/chain.sh) sends "frag needed, MTU 1200" for every probe of the
# search above 1200 bytes to the target's report service, and forwards
# the probe all the same (the path takes 1500). The ICMP is said (1200),
# but the verdict is the path's 1500 or unknown (NaN), never an MTU that
# no router keeps; and this host's MTU stays its interface's (1500): an
# ICMP's error pending on the socket is not this host refusing a size.
# IPv4 only; python3 (a raw socket) forges the ICMP.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/chain.sh"
command -v curl >/dev/null || skip "curl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed (the ICMP forger)"
chain_for_test
ok "the lab: client, two routers and a server"

chain_probers 'probe_allow = 10.0.0.0/8'

# the forger, on router 2: what comes in from router 1 (q0) over UDP to
# port 7001 and is larger than 1200 bytes gets an ICMP naming 1200; one
# line in forge.log each
cat >"$T/forge.py" <<'PY'
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
r = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
r.bind(('q0', 0))
o = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
print('listening', flush=True)
while True:
    p, a = r.recvfrom(70000)
    ihl = (p[0] & 15) * 4
    size = struct.unpack('!H', p[2:4])[0]
    if a[2] == socket.PACKET_OUTGOING or p[9] != 17 or size <= 1200 or \
       struct.unpack('!H', p[ihl + 2:ihl + 4])[0] != 7001:
        continue
    m = struct.pack('!BBHHH', 3, 4, 0, 0, 1200) + p[:ihl + 8]
    o.sendto(m[:2] + struct.pack('!H', csum(m)) + m[4:], (socket.inet_ntoa(p[12:16]), 0))
    print('forged', size, flush=True)
PY
: >"$T/forge.log"
ip netns exec "$CH_R2" python3 "$T/forge.py" >"$T/forge.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/forge.log" 'listening'

in_c curl -s -m 60 -H "X-Prometheus-Scrape-Timeout-Seconds: 20" \
	"http://127.0.0.1:7200/probe?target=10.0.3.2:7001&module=mtu" >"$T/forged.prom" ||
	fail "curl /probe"
val() { awk -v m="$1" '$1 == m { print $2 }' "$T/forged.prom"; }
check "the forger on router 2 sent ICMP too-big for probes above 1200" \
	grep -q '^forged' "$T/forge.log"
check "... the ICMP is said: probe_path_mtu_icmp_bytes 1200 ($(val probe_path_mtu_icmp_bytes))" \
	test "$(val probe_path_mtu_icmp_bytes)" = 1200
check "... this host's MTU is its interface's: local 1500 ($(val probe_path_local_mtu_bytes))" \
	test "$(val probe_path_local_mtu_bytes)" = 1500
mtu=$(val probe_path_mtu_bytes)
check "... the path MTU is the path's 1500 or unknown, never the forger's ($mtu)" \
	test "$mtu" = 1500 -o "$mtu" = NaN
echo "# $(grep -c '^forged' "$T/forge.log") ICMP forged; $(val probe_path_mtu_probes) probes"
exit 0
