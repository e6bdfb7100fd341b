# Helpers shared by the engine starters (tests/oci/lib/{containerd,podman,docker}.sh) and tests.
#
#   . tests/oci/lib/common.sh
#   oci_wait_socket PATH [SECONDS]   wait until PATH is a socket (default 20 s); 1 on timeout
#   oci_wait_gone PID [SECONDS]      wait until PID is dead or a zombie (default 10 s)
#   oci_stop_pid PID [SECONDS]       SIGTERM, wait, then SIGKILL; waits until it is gone
#   oci_pids_with TEXT               pids whose command line contains TEXT (fixed string)
#   oci_descendants PID              every descendant of PID (children first order not promised)
#   oci_kill_tree PID                SIGKILL PID and all its descendants
#   oci_umount_under DIR             unmount (lazily, deepest first) every mount at or under DIR
#   oci_mounts_under DIR             print the mount points at or under DIR
#   oci_cgroups_named TEXT           cgroup folders (any hierarchy) whose name contains TEXT
#   oci_ms_since T0                  milliseconds since T0 (an $EPOCHREALTIME value)
# No test assertions here: these only observe and clean up.
# shellcheck shell=bash disable=SC2034  # variables for the sourcing scripts

# Absolute paths of the Debian tools (podman calls runtimes without PATH; be explicit here too).
OCI_CTR=/usr/bin/ctr
OCI_CONTAINERD=/usr/bin/containerd
OCI_PODMAN=/usr/bin/podman
OCI_DOCKERD=/usr/sbin/dockerd
[ -x "$OCI_DOCKERD" ] || OCI_DOCKERD=/usr/bin/dockerd
OCI_DOCKER=/usr/bin/docker # NOT /usr/local/bin/docker (an unrelated client)
OCI_RUNC=/usr/sbin/runc
OCI_CRUN=/usr/bin/crun

oci_wait_socket() {
	local path=$1 limit=${2:-20} i
	for ((i = 0; i < limit * 20; i++)); do
		[ -S "$path" ] && return 0
		sleep 0.05
	done
	return 1
}

# True while PID exists and is not a zombie.
oci_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

oci_wait_gone() {
	local pid=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		oci_alive "$pid" || return 0
		sleep 0.05
	done
	return 1
}

oci_stop_pid() {
	local pid=$1 limit=${2:-10}
	[ -n "$pid" ] || return 0
	oci_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	oci_wait_gone "$pid" "$limit" && return 0
	kill -KILL "$pid" 2>/dev/null
	oci_wait_gone "$pid" 5
}

oci_pids_with() {
	local text=$1 f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$text" && echo "$pid"
	done
	return 0
}

# Children of PID from /proc/*/stat (field 4), recursively.
oci_descendants() {
	local parent=$1 f stat pid ppid rest
	for f in /proc/[0-9]*/stat; do
		stat=$(cat "$f" 2>/dev/null) || continue
		pid=${stat%% *}
		rest=${stat##*) }
		# shellcheck disable=SC2086  # fields on purpose
		set -- $rest
		ppid=$2
		[ "$ppid" = "$parent" ] || continue
		echo "$pid"
		oci_descendants "$pid"
	done
}

oci_kill_tree() {
	local pid=$1 all
	[ -n "$pid" ] || return 0
	all=$(oci_descendants "$pid")
	# shellcheck disable=SC2086  # a list of pids
	kill -KILL "$pid" $all 2>/dev/null
	return 0
}

oci_mounts_under() {
	local dir=${1%/}
	awk -v d="$dir" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' \
		/proc/self/mountinfo
}

oci_umount_under() {
	local m
	oci_mounts_under "$1" | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- |
		while IFS= read -r m; do
			umount -l "$m" 2>/dev/null
		done
	return 0
}

oci_cgroups_named() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "*$1*" 2>/dev/null
	return 0
}

oci_ms_since() {
	local t1=$EPOCHREALTIME
	echo $(((10#${t1//[.,]/} - 10#${1//[.,]/}) / 1000))
}
