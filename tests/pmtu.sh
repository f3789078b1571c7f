#!/bin/bash
# pmtu: netecho --pmtu in a lab of two routers (tests/chain.sh), one
# condition at a time, over IPv4 and IPv6 where it applies:
#   no condition: every size up to the interface MTU arrives;
#   one probe size dropped on the way (the size the search tries first):
#     a filter, not the MTU: the path MTU is still 1500, the size said to
#     have vanished;
#   one bottleneck with ICMP "too big" (1000; IPv6 1380): no black hole;
#   that, then a second one behind it that is silent (800; IPv6 1300):
#     the path MTU is the second's, and a black hole behind the ICMP; the
#     ICMP's sender named (router 1), and with --hops its hop (1) and the
#     black hole located after hop 2 (router 2); the second's ICMP let
#     through: each ICMP from its hop, no black hole located; no
#     condition: no ICMP sender, nothing located;
#   a silent bottleneck on the first router's link on: the black hole
#     after hop 1, hop 2 not answering probes of that size;
#   an IPv4 link at 552 with ICMP: below 576, found;
# and the live line on a terminal (none elsewhere). Loss is
# tests/pmtuloss.sh's.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/chain.sh"
chain_for_test
ok "the lab: client, two routers and a server, forwarding IPv4 and IPv6"

cfg=$(printf '[server]\nhost = *\nport = 7000\n[log]\nrate_limit = 0\n' | conf lab)
: >"$T/d.err"
ip netns exec "$CH_S" "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'

# pmtu NAME HOST [json]: netecho -u --pmtu from the client (not on a
# terminal), the text in $T/NAME.out, its stderr in $T/NAME.err, its
# status in STATUS and seconds in SECS; with json, the same with --json
# in $T/NAME.json
pmtu() {
	local t0
	t0=$(date +%s)
	in_c "$NETECHO" --path -u -w 2 --pmtu "$2" 7001 >"$T/$1.out" 2>"$T/$1.err"
	STATUS=$?
	SECS=$(($(date +%s) - t0))
	[ "${3:-}" = json ] || return 0
	in_c "$NETECHO" --path -u -w 2 --pmtu --json "$2" 7001 >"$T/$1.json" 2>>"$T/$1.err"
}
# pmtuh NAME HOST [json]: the same with --hops
pmtuh() {
	local t0
	t0=$(date +%s)
	in_c "$NETECHO" --path -u -w 2 --pmtu --hops "$2" 7001 >"$T/$1.out" 2>"$T/$1.err"
	STATUS=$?
	SECS=$(($(date +%s) - t0))
	[ "${3:-}" = json ] || return 0
	in_c "$NETECHO" --path -u -w 2 --pmtu --hops --json "$2" 7001 >"$T/$1.json" \
		2>>"$T/$1.err"
}
js() { jq -c "$2" "$T/$1.json"; }
has() { grep -Fq -- "$2" "$T/$1.out"; }
hasnt() { ! grep -Eq -- "$2" "$T/$1.out"; }
# dropped ROUTER: packets the router's rules counted
dropped() {
	ip netns exec "$1" nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}

# IPv6 first: an IPv4 link MTU under 1280 takes IPv6 off the link
for fam in 6 4; do
	if [ $fam = 4 ]; then
		srv=10.0.3.2 icmp="icmp type destination-unreachable" mtu1=1000 mtu2=800 drop=1038
		r1=10.0.1.1 r2=10.0.2.2
	else
		srv=2001:db8:3::2 icmp="icmpv6 type packet-too-big" mtu1=1380 mtu2=1300 drop=1390
		r1=2001:db8:1::1 r2=2001:db8:2::2
	fi
	x="(IPv$fam)"

	# --- no condition
	chain_rule 1
	chain_rule 2
	pmtu base$fam $srv json
	check "$x no condition: exit 0" test "$STATUS" -eq 0
	check "$x ... the path MTU is the interface's" \
		has base$fam "pmtu: 1500 (every size up to this host's interface MTU arrives)"
	check "$x ... no black hole, nothing vanished" has base$fam "black-hole: no"
	check "$x ... nothing said vanished" hasnt base$fam "vanished"
	check "$x ... --json" test "$(js base$fam '[.pmtu, .black_hole, .local_mtu, .icmp_mtu,
		.vanished, .pmtu_unknown]')" = '[1500,false,1500,null,null,null]'
	check "$x ... no ICMP \"too big\" said, no black hole located" \
		hasnt base$fam "^(too-big|black-hole after):"
	check "$x ... --json: no ICMP sender, nothing located" test "$(js base$fam \
		'[.icmp_from, .black_hole_after, .black_hole_after_unknown]')" = '[[],null,null]'
	check "$x ... no live line when not on a terminal" \
		bash -c "! grep -q trying '$T/base$fam.err'"
	check "$x ... in under 20 s ($SECS s)" test "$SECS" -lt 20

	# --- one size dropped by the first router: vanished, not too big
	chain_rule 1 "forward meta length $drop counter drop"
	pmtu drop$fam $srv json
	check "$x only $drop-byte packets dropped: the search sent some (counted)" \
		test "$(dropped "$CH_R1")" -gt 0
	check "$x ... the path MTU is still 1500" \
		has drop$fam "pmtu: 1500 (every size up to this host's interface MTU arrives)"
	check "$x ... no black hole" has drop$fam "black-hole: no"
	check "$x ... $drop said to vanish" has drop$fam "vanished: $drop bytes (lost every try"
	check "$x ... --json" test "$(js drop$fam '[.pmtu, .black_hole, .vanished]')" = \
		"[1500,false,$drop]"
	chain_rule 1

	# --- a bottleneck with ICMP
	chain_mtu 1 $mtu1
	pmtu icmp$fam $srv
	check "$x link MTU $mtu1, ICMP: found" \
		has icmp$fam "pmtu: $mtu1 (the largest packet that arrives, as an ICMP \"too big\" said"
	check "$x ... no black hole" has icmp$fam "black-hole: no (ICMP \"too big\" names an MTU of $mtu1)"
	check "$x ... the ICMP's sender named, its hop left to --hops" \
		has icmp$fam "too-big: $mtu1 from $r1 (which hop: --hops says)"
	check "$x ... no other sender, no black hole located" \
		test "$(grep -Ec '^(too-big|black-hole after):' "$T/icmp$fam.out")" -eq 1

	# --- and a silent one behind it
	chain_mtu 2 $mtu2
	chain_rule 2 "output $icmp counter drop"
	pmtu two$fam $srv
	check "$x then $mtu2 silent: the ICMP was dropped (counted)" \
		test "$(dropped "$CH_R2")" -gt 0
	check "$x ... the path MTU is the second's" \
		has two$fam "pmtu: $mtu2 (the largest packet that arrives; this host's interface MTU is 1500)"
	check "$x ... a black hole behind the ICMP" \
		has two$fam "black-hole: yes (packets of $((mtu2 + 1)) to $mtu1 bytes vanish with no ICMP"
	check "$x ... in under 20 s ($SECS s)" test "$SECS" -lt 20
	check "$x ... the first's ICMP named, with its sender; where the hole sits: --hops" \
		test "$(grep -E '^(too-big|black-hole after):' "$T/two$fam.out")" = \
			"$(printf 'too-big: %s from %s (which hop: --hops says)\nblack-hole after: unknown (--hops locates it)' $mtu1 $r1)"
	# the same with --hops: the ICMP from hop 1; the hole after hop 2
	pmtuh twoh$fam $srv json
	check "$x ... --hops: the ICMP from hop 1, the black hole after hop 2 ($SECS s)" \
		test "$(grep -E '^(too-big|black-hole after):' "$T/twoh$fam.out")" = \
			"$(printf 'too-big: %s from %s (hop 1)\nblack-hole after: hop 2 %s (%s-byte probes reach it, and vanish after it)' \
				$mtu1 $r1 $r2 $((mtu2 + 1)))"
	check "$x ... --json" test "$(js twoh$fam '[.pmtu, .black_hole, .icmp_mtu, .icmp_from,
		.black_hole_after, .black_hole_after_unknown]')" = \
		"[$mtu2,true,$mtu1,[{\"mtu\":$mtu1,\"from\":\"$r1\",\"hop\":1}],{\"hop\":2,\"address\":\"$r2\",\"next_silent\":null},null]"
	# the silent one alone, ICMP let through: no black hole; each ICMP
	# from its hop
	chain_rule 2
	pmtuh second$fam $srv
	check "$x ... its ICMP let through: no black hole" \
		has second$fam "black-hole: no (ICMP \"too big\" names an MTU of $mtu2)"
	check "$x ... each ICMP from its hop, no black hole located" \
		test "$(grep -E '^(too-big|black-hole after):' "$T/second$fam.out")" = \
			"$(printf 'too-big: %s from %s (hop 2)\ntoo-big: %s from %s (hop 1)' $mtu2 $r2 $mtu1 $r1)"
	chain_mtu 2 1500
	chain_mtu 1 1500
done

# --- (IPv4) a silent bottleneck on the first router's link on (1200):
# the black hole after hop 1, and hop 2, which answers small probes, did
# not answer those of 1201 bytes
chain_mtu 1 1200
chain_rule 1 "output icmp type destination-unreachable counter drop"
pmtuh first4 10.0.3.2
check "(IPv4) link MTU 1200 after router 1, silent: a black hole, no ICMP sender" \
	test "$(grep -E '^(pmtu|black-hole|too-big)' "$T/first4.out" | cut -d'(' -f1)" = \
		"$(printf 'pmtu: 1200 \nblack-hole: yes \nblack-hole after: hop 1 10.0.1.1 ')"
check "... hop 2 answered smaller probes, not these" \
	has first4 "(1201-byte probes reach it, and vanish after it; hop 2, which answered smaller ones, did not answer them in 2 tries)"
chain_rule 1
chain_mtu 1 1500

# --- an IPv4 link at 552, ICMP let through: below 576
chain_mtu 1 552
pmtu low4 10.0.3.2
check "(IPv4) link MTU 552: found, below 576" \
	has low4 'pmtu: 552 (the largest packet that arrives, as an ICMP "too big" said'
check "... and the ICMP named it" has low4 'black-hole: no (ICMP "too big" names an MTU of 552)'
chain_mtu 1 1500

# --- the live line, on a terminal only
if command -v script >/dev/null; then
	chain_mtu 1 1400
	in_c script -qfec "$NETECHO --path -u -w 2 --pmtu 10.0.3.2 7001" /dev/null \
		>"$T/tty.out" 2>&1
	check "on a terminal: a live line says which size it tries" \
		grep -Eq $'\rpmtu: trying +[0-9]+ bytes' "$T/tty.out"
	check "... and the result follows" grep -Fq "pmtu: 1400" "$T/tty.out"
	chain_mtu 1 1500
else
	ok "# SKIP the live line: script (util-linux) is not installed"
fi

stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
