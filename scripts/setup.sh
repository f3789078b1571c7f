# scripts/setup.sh: sourced by run.sh and test.sh. Installs what the build
# (and the tests) need from Debian's packages, then builds.

# The packages the build needs; test.sh adds those the tests need.
BUILD_PACKAGES="gcc make autoconf automake pkg-config libinih-dev libmicrohttpd-dev"

say() { printf '%s\n' "$*" >&2; }

# progress MESSAGE...: one line on stderr, "[M:SS] MESSAGE", M:SS the time
# since the script that sourced this began (run.sh and test.sh say what
# they are doing, step by step, with it; stderr, so that it shows while a
# script's output goes to a file or a pipe, and never mixes into it).
SETUP_START=${SETUP_START:-$(date +%s)}
elapsed() {
	local s
	s=$(( $(date +%s) - SETUP_START ))
	printf '%d:%02d' $((s / 60)) $((s % 60))
}
progress() { printf '[%s] %s\n' "$(elapsed)" "$*" >&2; }
# took START: the time since START (date +%s) as "4m07s"
took() {
	local s
	s=$(( $(date +%s) - $1 ))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# as_root CMD...: runs CMD as root, through sudo when needed.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		say "error: $1 needs root and sudo is not installed"
		return 1
	fi
}

# need_packages PKG...: installs the Debian packages that are missing.
need_packages() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		progress "packages: all $# installed"
		return 0
	fi
	command -v apt-get >/dev/null || {
		say "error: missing packages:$missing (and apt-get is not available)"
		return 1
	}
	progress "installing:$missing (apt-get; a minute or more on a fresh machine)"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	as_root apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		{ as_root apt-get update -q >/dev/null && as_root apt-get install -y -q \
			--no-install-recommends $missing >/dev/null; } ||
		{ say "error: apt-get could not install:$missing"; return 1; }
	progress "installed:$missing"
}

# build DIR [CONFIGURE ARGS...]: configures the tree in DIR (out of tree,
# so several builds live side by side) and builds it.
build() {
	local dir=$1 top
	shift
	top=$(pwd)
	if [ ! -x configure ]; then
		progress "autogen.sh: making the configure script"
		./autogen.sh >/dev/null 2>&1 || { say "error: autogen.sh failed"; ./autogen.sh
			return 1; }
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		progress "configuring $dir${*:+ ($*)}"
		( cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1 ) ||
			{ cat "$dir/configure.out" >&2; return 1; }
	fi
	progress "building $dir (make -j$(nproc))"
	( cd "$dir" && make -j"$(nproc)" >make.out 2>&1 ) ||
		{ tail -n 40 "$dir/make.out" >&2; return 1; }
	progress "built $dir"
}

# wait_listen tcp|udp PORT: until something listens on that local port
# (about 4 s at most).
wait_listen() {
	local i
	for i in $(seq 200); do
		[ -n "$(ss -Hln"${1:0:1}" "sport = :$2" 2>/dev/null)" ] && return 0
		sleep 0.02
	done
	say "nothing listens on $1 port $2"
	return 1
}
