#!/bin/sh
# installed.sh: run by "make installcheck" (and so by distcheck) after
# "make install": the installed tree as a user gets it. The files are where
# they belong; the binaries run; the units name the installed paths; the
# man pages are mandoc-lint clean; with systemd-analyze, the units pass
# "verify" and their exposure scores stay at 1.6 or lower (netechod.service)
# and 0.5 or lower (netechod-activated.service). The environment carries
# DESTDIR and the install directories (see installcheck-local in
# Makefile.am).
set -u
D=${DESTDIR:-}
passed=0
failed=0

check() {
	what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok - $what"
	else
		failed=$((failed + 1))
		echo "FAIL - $what"
	fi
}

units="netechod.service netechod.socket netechod-report.socket netechod-metrics.socket
	netechod-activated.service"

check "netechod in sbindir" test -x "$D$sbindir/netechod"
check "netecho in bindir" test -x "$D$bindir/netecho"
check "the configuration in sysconfdir" test -f "$D$sysconfdir/netechod.conf"
check "netecho(1)" test -f "$D$mandir/man1/netecho.1"
check "netechod(8)" test -f "$D$mandir/man8/netechod.8"
check "netechod.conf(5)" test -f "$D$mandir/man5/netechod.conf.5"
check "the installed netechod runs" sh -c "'$D$sbindir/netechod' -V | grep -q '^netechod '"
check "it accepts the installed configuration" \
	sh -c "'$D$sbindir/netechod' -t -c '$D$sysconfdir/netechod.conf' | grep -q ': ok\$'"
# --help's usage lines and the man page's SYNOPSIS, both flattened
synopsis_of_help() { "$1" --help | sed -n '/^usage:/,/^$/p' | sed 's/^usage://' | tr -s ' \t\n' \
	' ' | tr 'A-Z' 'a-z' | sed 's/^ //; s/ $//'; }
synopsis_of_man() { mandoc -T ascii "$1" | col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed \
	'1d;$d' | tr -s ' \t\n' ' ' | tr 'A-Z' 'a-z' | sed 's/^ //; s/ $//'; }
if command -v mandoc >/dev/null && command -v col >/dev/null; then
	for pair in "$bindir/netecho:man1/netecho.1" "$sbindir/netechod:man8/netechod.8"; do
		h=$(synopsis_of_help "$D${pair%%:*}")
		m=$(synopsis_of_man "$D$mandir/${pair#*:}")
		[ "$h" = "$m" ] || printf '# --help: %s\n# man:    %s\n' "$h" "$m"
		check "$(basename "${pair%%:*}") --help matches the synopsis of its man page" test \
			"$h" = "$m"
	done
fi
check "the man pages name the installed configuration" \
	grep -q "^\.Pa $sysconfdir/netechod.conf" "$D$mandir/man5/netechod.conf.5"

if [ "$systemdsystemunitdir" != no ]; then
	for u in $units; do
		check "$u installed" test -f "$D$systemdsystemunitdir/$u"
	done
	check "the service runs the installed netechod on the installed file" \
		grep -qx "ExecStart=$sbindir/netechod -f -c $sysconfdir/netechod.conf" \
		"$D$systemdsystemunitdir/netechod.service"
	check "no @...@ left in any unit" \
		sh -c "! grep -q '@[a-z]*@' '$D$systemdsystemunitdir/'netechod*"
fi

# mandoc -T lint: clean, but for pages of other packages missing here.
# mandoc looks up cross references in /usr/share/man and, failing that,
# in the current directory: lint from one holding the installed pages.
if command -v mandoc >/dev/null; then
	pages=$(mktemp -d "${TMPDIR:-/tmp}/netecho-pages.XXXXXX")
	cp "$D$mandir/man1/netecho.1" "$D$mandir/man8/netechod.8" "$D$mandir/man5/netechod.conf.5" \
		"$pages/"
	notfound='referenced manual not found: Xr'
	for page in netecho.1 netechod.8 netechod.conf.5; do
		out=$(cd "$pages" && mandoc -T lint "$page" 2>&1 |
			grep -v 'outdated mandoc.db' |
			while read -r line; do
				# a reference to another package's page not installed here
				ref=$(echo "$line" | sed -n "s/.*$notfound \\([^ ]*\\) .*/\\1/p")
				case $ref in netecho|netechod|netechod.conf) ref= ;; esac
				if [ -n "$ref" ] && ! man -w "$ref" >/dev/null 2>&1; then
					echo "# (not installed here: $ref)" >&2
					continue
				fi
				echo "$line"
			done)
		[ -z "$out" ] || echo "$out"
		check "mandoc -T lint $page: clean" test -z "$out"
	done
	rm -rf "$pages"
else
	echo "# mandoc not installed: man page lint not run"
fi

# systemd-analyze needs the units where the paths in them are: not with
# DESTDIR
if [ "$systemdsystemunitdir" != no ] && [ -z "$D" ] && command -v systemd-analyze >/dev/null; then
	for u in $units; do
		out=$(MANPATH="$mandir:$(manpath 2>/dev/null || echo /usr/share/man)" \
			systemd-analyze verify "$systemdsystemunitdir/$u" 2>&1)
		rc=$?
		[ -z "$out" ] || echo "$out"
		check "systemd-analyze verify $u: clean" test $rc -eq 0 -a -z "$out"
	done
	for pair in netechod.service:1.6 netechod-activated.service:0.5; do
		u=${pair%:*}
		max=${pair#*:}
		score=$(systemd-analyze security --offline=yes "$systemdsystemunitdir/$u" \
			2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		echo "# $u: exposure $score"
		check "$u exposure ${score:-?} is at most $max" \
			awk -v s="${score:-99}" -v m="$max" 'BEGIN { exit !(s <= m) }'
	done
else
	echo "# units not verified here (DESTDIR install, or no systemd-analyze)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
