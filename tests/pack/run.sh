#!/usr/bin/env bash
# pith pack: the OCI image layout tar it writes from build/hello.pith and build/site.pith. Checks
# the members, every blob's name against its sha256sum, the chain index.json -> manifest ->
# config/layer (digests and sizes), the config's fields, Docker's manifest.json, the layer's one
# file against the input (and the layer against GNU tar's ustar of that file), reproducibility,
# the options, and the errors (status 125, one line, no file left behind). No engine, no KVM.
#
# Usage: tests/pack/run.sh [NAME-REGEX]     (run only the tests whose names match)
# Environment: PITH (default build/bin/pith). Needs tar, jq, sha256sum, gcc (a static Linux
# executable to refuse).
# shellcheck disable=SC2317,SC2012,SC2015  # functions called through check(); ls of known names; A && B || C
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start pack "${1:-.}"

[ -x "$PITH" ] || abort "$PITH missing: build Pith first (make all examples)"
for f in build/hello.pith build/site.pith; do
	[ -f "$f" ] || abort "$f missing: make examples"
done
for tool in tar jq sha256sum cmp gcc; do
	command -v "$tool" >/dev/null || abort "$tool is not installed"
done

# ---- helpers ------------------------------------------------------------------------------------

# pack_into DIR ARGS...: run `pith pack ARGS` with DIR (made fresh) as the current folder. Sets
# OUT/ERR/STATUS as run does.
pack_into() {
	local dir=$1
	shift
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || return 1
	run "$PITH" pack "$@"
	cd "$ROOT" || return 1
}

# unpack TAR DIR: extract TAR into DIR (fresh).
unpack() {
	rm -rf "$2" && mkdir -p "$2" && tar -C "$2" -xf "$1" 2>"$TMP/tar.err" && return 0
	WHY="tar -xf $1 failed: $(head -c 300 "$TMP/tar.err")"
	return 1
}

# blob DIR DIGEST: the path of blob sha256:HEX in the unpacked layout DIR.
blob() {
	echo "$1/blobs/sha256/${2#sha256:}"
}

# jq_is FILE FILTER WANT: jq -c FILTER on FILE prints exactly WANT.
jq_is() {
	local got
	got=$(jq -c "$2" "$1" 2>&1)
	[ "$got" = "$3" ] && return 0
	WHY="$(basename "$1"): $2 is '$got', expected '$3'"
	return 1
}

# The config blob of the unpacked layout in DIR, through index.json and the manifest.
config_of() {
	local m
	m=$(blob "$1" "$(jq -r '.manifests[0].digest' "$1/index.json")")
	blob "$1" "$(jq -r '.config.digest' "$m")"
}

# ---- the layout ---------------------------------------------------------------------------------

# Pack IMAGE with the defaults into a fresh folder; the tar is NAME.oci.tar there.
t_default_name() {
	local name=$1 dir=$TMP/$1
	pack_into "$dir" "$ROOT/build/$name.pith" || return 1
	want_status 0 && want_no_stderr || return 1
	[ -f "$dir/$name.oci.tar" ] || { WHY="no $name.oci.tar in the current folder"; return 1; }
	[ "$(ls -A "$dir" | tr '\n' ' ')" = "$name.oci.tar " ] ||
		{ WHY="other files left: $(ls -A "$dir" | tr '\n' ' ')"; return 1; }
	unpack "$dir/$name.oci.tar" "$dir/x"
}

# The members, in order: the two folders, three blobs (sorted), then the four files.
t_members() {
	local tarf=$TMP/$1/$1.oci.tar got want
	got=$(tar -tf "$tarf" | sed -E 's|[0-9a-f]{64}$|HEX|')
	want=$(printf '%s\n' blobs/ blobs/sha256/ blobs/sha256/HEX blobs/sha256/HEX blobs/sha256/HEX \
		index.json manifest.json oci-layout repositories)
	[ "$got" = "$want" ] || { WHY="members: $(echo "$got" | tr '\n' ' ')"; return 1; }
	got=$(tar -tf "$tarf" | grep '^blobs/sha256/.' | sort -c 2>&1) ||
		{ WHY="blobs not sorted: $got"; return 1; }
	got=$(tar -tvf "$tarf" | awk '{print $2, $4, $5}' | sort -u | tr '\n' ' ')
	[ "$got" = "root/root 1970-01-01 00:00 " ] || { WHY="owners/times: $got"; return 1; }
}

# Each blob's name is the sha256sum of its bytes.
t_blob_names() {
	local f sum n=0
	for f in "$TMP/$1/x/blobs/sha256/"*; do
		sum=$(sha256sum "$f" | cut -d' ' -f1)
		[ "$sum" = "$(basename "$f")" ] || { WHY="$(basename "$f") has sha256 $sum"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -eq 3 ] || { WHY="$n blobs, expected 3"; return 1; }
}

# descriptor_ok DIR JSON-FILE PATH MEDIA-TYPE: the descriptor at PATH names a blob present in DIR
# whose size is the descriptor's size, with that media type.
descriptor_ok() {
	local dir=$1 file=$2 path=$3 mt=$4 digest size f
	digest=$(jq -r "$path.digest" "$file") size=$(jq -r "$path.size" "$file")
	f=$(blob "$dir" "$digest")
	[ -f "$f" ] || { WHY="$path.digest $digest: no such blob"; return 1; }
	[ "$(stat -c %s "$f")" = "$size" ] || { WHY="$path.size $size, blob is $(stat -c %s "$f")"; return 1; }
	jq_is "$file" "$path.mediaType" "\"$mt\""
}

# index.json -> manifest -> config and layer; the config's diff_id is the layer's digest.
t_chain() {
	local dir=$TMP/$1/x m layer
	jq_is "$dir/oci-layout" . '{"imageLayoutVersion":"1.0.0"}' &&
		jq_is "$dir/index.json" '[.schemaVersion, .mediaType, (.manifests|length)]' \
			'[2,"application/vnd.oci.image.index.v1+json",1]' &&
		descriptor_ok "$dir" "$dir/index.json" '.manifests[0]' \
			application/vnd.oci.image.manifest.v1+json || return 1
	m=$(blob "$dir" "$(jq -r '.manifests[0].digest' "$dir/index.json")")
	jq_is "$m" '[.schemaVersion, .mediaType, (.layers|length)]' \
		'[2,"application/vnd.oci.image.manifest.v1+json",1]' &&
		descriptor_ok "$dir" "$m" .config application/vnd.oci.image.config.v1+json &&
		descriptor_ok "$dir" "$m" '.layers[0]' application/vnd.oci.image.layer.v1.tar || return 1
	layer=$(jq -r '.layers[0].digest' "$m")
	jq_is "$(config_of "$dir")" .rootfs "{\"type\":\"layers\",\"diff_ids\":[\"$layer\"]}" &&
		jq_is "$m" .annotations "{\"org.pith.image\":\"/$1.pith\",\"org.pith.mem\":\"64M\"}"
}

# The names each engine takes: io.containerd.image.name, ref.name, Docker's RepoTags.
t_names() {
	local dir=$TMP/$1/x
	jq_is "$dir/index.json" '.manifests[0].annotations' \
		"{\"io.containerd.image.name\":\"docker.io/library/$1:latest\",\"org.opencontainers.image.ref.name\":\"$1:latest\"}" &&
		jq_is "$dir/manifest.json" '.[0].RepoTags' "[\"$1:latest\"]"
}

# Docker's manifest.json points at the same config and layer blobs as the OCI manifest.
t_docker_manifest() {
	local dir=$TMP/$1/x m
	m=$(blob "$dir" "$(jq -r '.manifests[0].digest' "$dir/index.json")")
	jq_is "$dir/manifest.json" '[.[0].Config, .[0].Layers]' \
		"$(jq -c '["blobs/sha256/" + (.config.digest|ltrimstr("sha256:")),
			   ["blobs/sha256/" + (.layers[0].digest|ltrimstr("sha256:"))]]' "$m")" &&
		jq_is "$dir/repositories" ".\"$1\".latest" \
			"$(jq -c '.layers[0].digest|ltrimstr("sha256:")' "$m")"
}

# The default config: amd64/linux, the entry point, labels; no Cmd, Env or ExposedPorts.
t_config_default() {
	local c
	c=$(config_of "$TMP/$1/x")
	jq_is "$c" '[.architecture, .os]' '["amd64","linux"]' &&
		jq_is "$c" .config "{\"Entrypoint\":[\"/$1.pith\"],\"Labels\":{\"org.pith.image\":\"/$1.pith\",\"org.pith.mem\":\"64M\"}}"
}

# The layer holds exactly <name>.pith (mode 0755, root, mtime 0), identical to the input, and is
# byte for byte what GNU tar writes for that file in ustar format.
t_layer() {
	local dir=$TMP/$1 m layer got
	m=$(blob "$dir/x" "$(jq -r '.manifests[0].digest' "$dir/x/index.json")")
	layer=$(blob "$dir/x" "$(jq -r '.layers[0].digest' "$m")")
	got=$(tar -tvf "$layer" | awk '{print $1, $2, $4, $5, $6}')
	[ "$got" = "-rwxr-xr-x root/root 1970-01-01 00:00 $1.pith" ] || { WHY="layer: $got"; return 1; }
	unpack "$layer" "$dir/layer" || return 1
	cmp -s "$dir/layer/$1.pith" "build/$1.pith" || { WHY="$1.pith differs from the input"; return 1; }
	mkdir -p "$dir/gnu" && cp "build/$1.pith" "$dir/gnu/" && chmod 0755 "$dir/gnu/$1.pith" &&
		tar --format=ustar -b 1 --owner=root:0 --group=root:0 --mtime=@0 -C "$dir/gnu" \
			-cf "$dir/gnu.tar" "$1.pith" || { WHY="GNU tar failed"; return 1; }
	cmp -s "$layer" "$dir/gnu.tar" || { WHY="the layer differs from GNU tar's ustar"; return 1; }
}

# Two packs of the same input are byte-identical (and so are their digests).
t_reproducible() {
	pack_into "$TMP/again" -o a.tar "$ROOT/build/$1.pith" && want_status 0 || return 1
	cmp -s "$TMP/again/a.tar" "$TMP/$1/$1.oci.tar" && return 0
	WHY="a second pack differs"
	return 1
}

for image in hello site; do
	check "$image: written as $image.oci.tar in the current folder" t_default_name "$image"
	check "$image: members, owners and times" t_members "$image"
	check "$image: blob names are their sha256" t_blob_names "$image"
	check "$image: index -> manifest -> config, layer" t_chain "$image"
	check "$image: image names for containerd, podman, docker" t_names "$image"
	check "$image: Docker manifest.json and repositories" t_docker_manifest "$image"
	check "$image: config defaults" t_config_default "$image"
	check "$image: the layer holds the image" t_layer "$image"
	check "$image: reproducible bytes" t_reproducible "$image"
done

# ---- options ------------------------------------------------------------------------------------

# -t, --mem, -p (sorted, unique, tcp by default), -e (a later NAME wins) and the arguments.
t_options() {
	local dir=$TMP/opts c m
	pack_into "$dir" -o web.tar -t pho3/web:v1 --mem 131072K -p 80 -p 53/udp --port=80/tcp \
		-e A=1 -e B=x=y --env A=2 "$ROOT/build/site.pith" 8080 "two words" &&
		want_status 0 && want_no_stderr && unpack "$dir/web.tar" "$dir/x" || return 1
	c=$(config_of "$dir/x")
	m=$(blob "$dir/x" "$(jq -r '.manifests[0].digest' "$dir/x/index.json")")
	jq_is "$c" .config.Entrypoint '["/site.pith"]' &&
		jq_is "$c" .config.Cmd '["8080","two words"]' &&
		jq_is "$c" .config.Env '["A=2","B=x=y"]' &&
		jq_is "$c" .config.ExposedPorts '{"53/udp":{},"80/tcp":{}}' &&
		jq_is "$c" .config.Labels '{"org.pith.image":"/site.pith","org.pith.mem":"128M"}' &&
		jq_is "$m" .annotations '{"org.pith.image":"/site.pith","org.pith.mem":"128M"}' &&
		jq_is "$dir/x/index.json" '.manifests[0].annotations' \
			'{"io.containerd.image.name":"docker.io/pho3/web:v1","org.opencontainers.image.ref.name":"pho3/web:v1"}' &&
		jq_is "$dir/x/manifest.json" '.[0].RepoTags' '["pho3/web:v1"]' &&
		jq_is "$dir/x/repositories" 'keys' '["pho3/web"]'
}

# A registry with a port is part of the name (the tag defaults to latest).
t_registry_name() {
	local dir=$TMP/reg
	pack_into "$dir" -t localhost:5000/team/hello -o h.tar "$ROOT/build/hello.pith" &&
		want_status 0 && unpack "$dir/h.tar" "$dir/x" || return 1
	jq_is "$dir/x/index.json" '.manifests[0].annotations."io.containerd.image.name"' \
		'"localhost:5000/team/hello:latest"' &&
		jq_is "$dir/x/manifest.json" '.[0].RepoTags' '["localhost:5000/team/hello:latest"]'
}

# "--" ends the options: what follows the image is its arguments, even "-o".
t_dashdash() {
	local dir=$TMP/dd
	pack_into "$dir" -o h.tar -- "$ROOT/build/hello.pith" -o x && want_status 0 &&
		unpack "$dir/h.tar" "$dir/x" && jq_is "$(config_of "$dir/x")" .config.Cmd '["-o","x"]'
}

# An image file without .pith: the layer's file gets .pith (what pith-oci recognizes).
t_no_suffix() {
	local dir=$TMP/nosuffix
	mkdir -p "$TMP/src" && cp build/hello.pith "$TMP/src/hello-copy" || return 1
	pack_into "$dir" "$TMP/src/hello-copy" && want_status 0 &&
		unpack "$dir/hello-copy.oci.tar" "$dir/x" &&
		jq_is "$(config_of "$dir/x")" .config.Entrypoint '["/hello-copy.pith"]'
}

# An existing output is replaced (atomically: no temporary file is left beside it).
t_replaces() {
	local dir=$TMP/replace
	rm -rf "$dir" && mkdir -p "$dir" && echo old >"$dir/o.tar" || return 1
	run "$PITH" pack -o "$dir/o.tar" build/hello.pith && want_status 0 || return 1
	cmp -s "$dir/o.tar" "$TMP/hello/hello.oci.tar" || { WHY="o.tar was not replaced"; return 1; }
	[ "$(ls -A "$dir")" = o.tar ] || { WHY="left: $(ls -A "$dir" | tr '\n' ' ')"; return 1; }
}

# --help prints the usage, with pith pack's paragraph.
t_help() {
	run "$PITH" pack --help && want_status 0 && want "pith pack [-o OUT]" "-t, --tag NAME[:TAG]"
}

check "options land in the config, manifest and names" t_options
check "a registry name with a port" t_registry_name
check "-- before the image" t_dashdash
check "an image file without .pith" t_no_suffix
check "an existing output is replaced" t_replaces
check "--help" t_help

# ---- errors -------------------------------------------------------------------------------------

# fails_cleanly TEXT ARGS...: `pith pack ARGS` run in a fresh folder exits 125 with one line
# "pith: ..." holding TEXT, and leaves the folder empty.
fails_cleanly() {
	local text=$1 dir=$TMP/err
	shift
	pack_into "$dir" "$@" && want_pith_error && want "$text" || return 1
	[ -z "$(ls -A "$dir")" ] && return 0
	WHY="left behind: $(ls -A "$dir" | tr '\n' ' ')"
	return 1
}

make_refusable() {
	gcc -O1 -static -o "$TMP/linux-static" tests/unit/fixtures/hello.c 2>"$TMP/gcc.err" ||
		abort "gcc -static failed: $(head -c 300 "$TMP/gcc.err")"
	echo "not an image" >"$TMP/notes.txt"
	cp build/hello.pith "$TMP/Hello.pith"
}
make_refusable

check "error: a static Linux executable" fails_cleanly "is not a Pith image" -o o.tar "$TMP/linux-static"
check "error: a text file" fails_cleanly "notes.txt" "$TMP/notes.txt"
check "error: a missing file" fails_cleanly "$TMP/missing.pith" "$TMP/missing.pith"
check "error: --mem without a unit" fails_cleanly "--mem 64: missing unit" --mem 64 "$ROOT/build/hello.pith"
check "error: --mem too small" fails_cleanly "--mem" --mem 1M "$ROOT/build/hello.pith"
check "error: -o in a missing folder" fails_cleanly "cannot write $TMP/err/no/o.tar" \
	-o "$TMP/err/no/o.tar" "$ROOT/build/hello.pith"
check "error: -o under a file" fails_cleanly "cannot write /dev/null/o.tar" -o /dev/null/o.tar \
	"$ROOT/build/hello.pith"
check "error: an unknown option" fails_cleanly "unknown option '--bogus'" --bogus "$ROOT/build/hello.pith"
check "error: no image" fails_cleanly "no image given" -o o.tar
check "error: -o without a value" fails_cleanly "-o needs a file" -o
check "error: an invalid -t" fails_cleanly "invalid image name 'Web'" -t Web "$ROOT/build/hello.pith"
check "error: an invalid tag" fails_cleanly "invalid tag '.v1'" -t web:.v1 "$ROOT/build/hello.pith"
check "error: a file name that is no image name" fails_cleanly "give one with -t" "$TMP/Hello.pith"
check "error: -p 0" fails_cleanly "-p 0:" -p 0 "$ROOT/build/hello.pith"
check "error: -p 70000" fails_cleanly "-p 70000:" -p 70000 "$ROOT/build/hello.pith"
check "error: -p 80/sctp" fails_cleanly "-p 80/sctp:" -p 80/sctp "$ROOT/build/hello.pith"
check "error: -e without =" fails_cleanly "-e NAME: write NAME=VALUE" -e NAME "$ROOT/build/hello.pith"

# -o naming an existing folder: refused, the folder left as it was, no temporary file beside it.
t_out_is_dir() {
	local dir=$TMP/isdir
	rm -rf "$dir" && mkdir -p "$dir/out" || return 1
	run "$PITH" pack -o "$dir/out" build/hello.pith && want_pith_error && want "cannot write" ||
		return 1
	[ "$(ls -A "$dir")" = out ] && [ -z "$(ls -A "$dir/out")" ] && return 0
	WHY="left behind: $(ls -AR "$dir" | tr '\n' ' ')"
	return 1
}

# A failed pack leaves an existing output as it was.
t_keeps_old() {
	local dir=$TMP/keep
	rm -rf "$dir" && mkdir -p "$dir" && echo old >"$dir/o.tar" || return 1
	run "$PITH" pack -o "$dir/o.tar" "$TMP/linux-static" && want_pith_error || return 1
	[ "$(cat "$dir/o.tar")" = old ] && [ "$(ls -A "$dir")" = o.tar ] && return 0
	WHY="o.tar changed or files left: $(ls -A "$dir" | tr '\n' ' ')"
	return 1
}

check "error: -o is a folder" t_out_is_dir
check "error: an existing output is kept" t_keeps_old

finish
