#!/bin/sh
# Fetches Debian's musl 1.2.3 source package into a cache, through a private apt configuration.
#
# Usage: musl/fetch.sh            prints the path of the verified .dsc on stdout
# The machine's apt sources are never changed: a one-line deb-src list, its own lists and cache
# directories are passed to apt-get with -o options. apt checks the signed index as usual and
# each downloaded file against the checksums in it. The download is kept in
# ${XDG_CACHE_HOME:-$HOME/.cache}/pith/musl so `make distclean` does not fetch it again.
# PITH_DEBIAN_MIRROR overrides the archive URI taken from the machine's apt sources.
set -eu

VERSION=1.2.3
SUITE=bookworm
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
CACHE=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pith/musl

die() {
	echo "pith: $1; $2" >&2
	exit 1
}

# The .dsc of the cached download, if any (Debian revision may change, upstream must not).
cached_dsc() {
	for f in "$CACHE"/src/musl_"$VERSION"-*.dsc; do
		[ -f "$f" ] && [ -f "$CACHE/src/musl_$VERSION.orig.tar.gz" ] && { echo "$f"; return 0; }
	done
	return 1
}

# The archive URI of the machine's own Debian sources (deb822 or one-line format).
debian_uri() {
	uri=${PITH_DEBIAN_MIRROR:-}
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' \
			/etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 ~ / '"$SUITE"' / {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	echo "$uri"
}

# Runs apt-get with the private configuration rooted at $1.
private_apt() {
	dir=$1
	shift
	apt-get -q -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" "$@"
}

download() {
	[ -f "$KEYRING" ] || die "no Debian archive keyring at $KEYRING" \
		"install debian-archive-keyring (make deps)"
	command -v dpkg-source >/dev/null || die "dpkg-source is missing" "install dpkg-dev (make deps)"
	apt=$CACHE/apt
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$CACHE/src"
	uri=$(debian_uri)
	echo "deb-src [signed-by=$KEYRING] $uri $SUITE main" >"$apt/sources.list"
	echo "fetching Debian's musl source from $uri" >&2
	# apt-get update exits 0 even when the index could not be fetched: look for the index.
	if ! private_apt "$apt" update >&2 || ! ls "$apt"/lists/*_Sources* >/dev/null 2>&1; then
		die "cannot reach the Debian archive at $uri" \
			"check the network (or set PITH_DEBIAN_MIRROR), then rerun make"
	fi
	(cd "$CACHE/src" && private_apt "$apt" source --download-only "musl" >&2) ||
		die "apt-get source musl failed" "see apt's message above, then rerun make"
	rm -rf "$apt" # the index (~10 MB) is not needed once the source is here
}

if ! dsc=$(cached_dsc); then
	download
	dsc=$(cached_dsc) || die "the archive has no musl $VERSION source for $SUITE" \
		"check $CACHE/src and the machine's apt sources"
fi
echo "$dsc"
