#!/bin/bash
# package.sh: builds the Debian package from the tracked files (in a
# scratch copy), as "dpkg-buildpackage -us -uc -b" would in a clean checkout,
# and checks it: lintian shows no error or warning, and the package holds
# the daemon, the client, the configuration as a conffile, the three units
# and the three man pages. Run by ./test.sh; not part of make check.
set -u
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/netecho-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL - $*"; status=1; }

mkdir "$work/src"
git ls-files -z | xargs -0 cp --parents -t "$work/src" || { \
	echo "FAIL - cannot copy the tree"; exit 1; }
( cd "$work/src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1 ) ||
	{ tail -n 40 "$work/build.log"; echo "FAIL - dpkg-buildpackage"; exit 1; }
deb=$(ls "$work"/netecho_*_*.deb | head -n 1)
echo "ok - dpkg-buildpackage -us -uc -b built $(basename "$deb")"

lintian --tag-display-limit 0 "$work"/netecho_*.changes >"$work/lintian.out" 2>&1
grep -v 'running with root privileges is not recommended' "$work/lintian.out" | grep -E '^[EW]: ' \
	>"$work/lintian.bad"
if [ -s "$work/lintian.bad" ]; then cat \
	"$work/lintian.bad"; fail "lintian errors or warnings"; else \
		echo "ok - lintian: no error, no warning"; fi

dpkg -c "$deb" | awk '{ print $6 }' >"$work/files"
for f in ./usr/sbin/netechod ./usr/bin/netecho ./etc/netechod.conf \
	./lib/systemd/system/netechod.service ./lib/systemd/system/netechod.socket \
	./lib/systemd/system/netechod-report.socket ./lib/systemd/system/netechod-activated.service \
	./lib/systemd/system/netechod-metrics.socket \
	./usr/share/man/man1/netecho.1.gz ./usr/share/man/man8/netechod.8.gz \
	./usr/share/man/man5/netechod.conf.5.gz ./usr/share/doc/netecho/copyright; do
	grep -qx -- "$f" "$work/files" && echo "ok - the package holds $f" \
		|| fail "$f is not in the package"
done
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/netechod.conf "$work/control/conffiles" \
	&& echo "ok - /etc/netechod.conf is a conffile" ||
	fail "/etc/netechod.conf is not a conffile"
grep -q 'ExecStart=/usr/sbin/netechod -f -c /etc/netechod.conf' <(dpkg-deb --fsys-tarfile "$deb" \
	| tar -xO ./lib/systemd/system/netechod.service) &&
	echo "ok - the packaged unit runs /usr/sbin/netechod on /etc/netechod.conf" \
		|| fail "the packaged unit's paths"
# the project has no public home: no field may name one that does not exist
homepage=$(dpkg-deb -f "$deb" Homepage)
[ -z "$homepage" ] && echo "ok - no Homepage in the package" \
	|| fail "the package names a Homepage: $homepage"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/netecho/copyright \
	| grep -Eo 'https?://[^ ]+' | grep -v '/copyright-format/' >"$work/urls"
[ ! -s "$work/urls" ] && echo "ok - the copyright file names no address but its format's" \
	|| fail "the copyright file names $(cat "$work/urls")"
grep -E '^AC_INIT\(' configure.ac | grep -Eq 'https?://' \
	&& fail "AC_INIT names an address" || echo "ok - AC_INIT names no address"
exit $status
