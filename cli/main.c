/* The pith command: dispatches build, run, inspect, disk, pack, ps, logs, stop, kill, rm, help
   and --version. */
#include "cli.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pith/abi.h>

#include "oci.h"

static const char help_text[] =
    "Usage:\n"
    "  pith build [-o OUT] [--rootfs DIR] [--copy SRC:DEST]... [CC-FLAGS...] SOURCE.c...\n"
    "  pith run [OPTIONS] [--] IMAGE [--] [ARGS...]\n"
    "  pith inspect IMAGE|INSTANCE\n"
    "  pith disk create [--force] FILE SIZE\n"
    "  pith pack [-o OUT] [-t NAME[:TAG]] [--mem SIZE] [-p PORT]... [-e NAME=VALUE]... IMAGE\n"
    "            [ARGS...]\n"
    "  pith ps [-a] [-q]\n"
    "  pith logs [-f] INSTANCE\n"
    "  pith stop [-t DURATION] INSTANCE...\n"
    "  pith kill [-s SIGNAL] INSTANCE...\n"
    "  pith rm [-f] INSTANCE...\n"
    "  pith help\n"
    "  pith --version\n"
    "\n"
    "pith build compiles and links C sources into one Pith image with pith-cc (gcc with Pith's\n"
    "musl and library OS) at -O2; other flags go to pith-cc after -O2. OUT defaults to the\n"
    "first source's name with .pith in place of .c, in the current folder.\n"
    "  --rootfs DIR          DIR's files become the image's / (a RAM filesystem, writable;\n"
    "                        modes, mtimes and symlinks kept, owner root)\n"
    "  --copy SRC:DEST       also put the file or directory SRC at DEST, an absolute path in\n"
    "                        the image (repeatable)\n"
    "The files are packed into the image only if the program uses files (open, stat, ...).\n"
    "\n"
    "pith run boots IMAGE (a Pith image, or a static Linux x86_64 executable) in a KVM virtual\n"
    "machine. Everything after IMAGE is the program's arguments; one -- right after IMAGE is\n"
    "dropped. The program's argv[0] is IMAGE as given. Its environment holds only the\n"
    "variables given with -e.\n"
    "  --mem SIZE            guest memory, 2M..4G, a multiple of 4K, with a unit: K, M or G\n"
    "                        (powers of 1024; KB and KiB mean K) (default 64M)\n"
    "  -e, --env NAME=VALUE  put NAME=VALUE in the program's environment (repeatable)\n"
    "  -e, --env NAME        copy NAME from pith's own environment (nothing if it is unset)\n"
    "  --trace               print every system call the program makes\n"
    "  --verbose             print the monitor's setup timings, its seccomp allow-list and\n"
    "                        the number of VM exits\n"
    "  --stats               print the VM exit, network and disk counters (monitor and\n"
    "                        guest) at exit\n"
    "  --timeslice DURATION  how long a thread runs before another runnable one preempts it,\n"
    "                        with a unit: ns, us, ms or s; at most 10s (default 10ms)\n"
    "Networking (default: none):\n"
    "  -p, --publish [ADDR:]HOST:GUEST[/tcp|/udp]\n"
    "                        forward host port HOST (on ADDR, default all) to the guest's\n"
    "                        port GUEST through user-mode networking (passt; repeatable,\n"
    "                        up to 32; no privileges needed)\n"
    "  --net user            user-mode networking through passt, without forwarded ports\n"
    "  --net tap:NAME        the tap device NAME (needs CAP_NET_ADMIN or a tap you own)\n"
    "  --net socket:PATH     frames over the UNIX stream socket PATH, each preceded by its\n"
    "                        4-byte big-endian length (qemu's stream framing)\n"
    "  --net none            no network\n"
    "  --ip A.B.C.D/N        the guest's static address (default: DHCP)\n"
    "  --gw A.B.C.D          its gateway (with --ip)\n"
    "  --dns A.B.C.D         its name server\n"
    "  --mac XX:XX:XX:XX:XX:XX  its MAC address (default: a random local one)\n"
    "  --mtu N               its MTU, 576..9000 (default 1500)\n"
    "Instances (default: none of these; the run is not recorded anywhere):\n"
    "  -d, --detach          run in the background: print the instance's id once the guest\n"
    "                        started, and exit 0 (its output goes to pith logs)\n"
    "  --name NAME           register the run as instance NAME ([a-zA-Z0-9][a-zA-Z0-9_.-]*,\n"
    "                        at most 63 characters; taken until pith rm)\n"
    "  --rm                  remove the instance when it ends\n"
    "Disks (default: none):\n"
    "  --disk FILE[:MOUNTPOINT][:ro]\n"
    "                        the ext2 image FILE (its size a multiple of 512) as a disk,\n"
    "                        mounted at MOUNTPOINT (absolute; default /mnt/diskN, N counting\n"
    "                        from 0); :ro opens it read-only. Repeatable, up to 8. An image\n"
    "                        is locked while a run uses it (read-write: by that run alone)\n"
    "It exits with the program's exit status, 139 if the program crashed (a report is\n"
    "printed), or 125 if Pith could not run it (one line says why).\n"
    "\n"
    "pith inspect prints an image's size, kind, ABI version, entry point, segments, the\n"
    "library OS components linked in, its root filesystem (--rootfs) and its number of\n"
    "symbols.\n"
    "\n"
    "pith ps lists the running instances (-a: also the ended ones; -q: only their ids);\n"
    "pith logs prints an instance's output (-f: and follows it until the instance ends);\n"
    "pith stop sends SIGTERM, then SIGKILL after DURATION (default 10s; ms or s; 0: at once)\n"
    "and waits for the end; pith kill sends SIGNAL (default KILL); pith rm removes ended\n"
    "instances (-f: kills running ones first); pith inspect INSTANCE prints its record as\n"
    "JSON. INSTANCE is a name, an id or a unique prefix of an id. The state lives in\n"
    "$PITH_STATE_DIR, else /run/pith (root) or $XDG_RUNTIME_DIR/pith.\n"
    "\n"
    "pith disk create makes FILE, a sparse file of SIZE bytes (at least 1M, with a unit as for\n"
    "--mem), formatted ext2 with the host's mkfs.ext2 (Debian package e2fsprogs). It refuses\n"
    "to replace an existing FILE unless --force is given.\n"
    "\n"
    "pith pack writes IMAGE (a Pith image) as an OCI image layout tar that docker load, podman\n"
    "load and ctr image import take: one layer holding /NAME.pith, run by pith-oci. ARGS\n"
    "become the image's default arguments (its Cmd).\n"
    "  -o, --output OUT      the tar to write (default: IMAGE's name without .pith, plus\n"
    "                        .oci.tar, in the current folder; replaced atomically)\n"
    "  -t, --tag NAME[:TAG]  the image's name (default: IMAGE's name without .pith; TAG\n"
    "                        default latest)\n"
    "  --mem SIZE            the guest's memory when the container sets no memory limit, as\n"
    "                        for pith run --mem (default 64M)\n"
    "  -p, --port PORT[/tcp|/udp]  a port the guest listens on (ExposedPorts; repeatable)\n"
    "  -e, --env NAME=VALUE  an environment variable of the guest (repeatable)\n";

/* The operations commands (issue 6): cli/ps_cmd.c, logs_cmd.c, stop_cmd.c, rm_cmd.c. */
static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} ops_cmds[] = {{"ps", ps_cmd__main},
		{"logs", logs_cmd__main},
		{"stop", stop_cmd__main},
		{"kill", kill_cmd__main},
		{"rm", rm_cmd__main}};

void cli__help(void)
{
	fputs(help_text, stdout);
}

static void print_error(const char *fmt, va_list ap, const char *tail)
{
	fputs("pith: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(tail, stderr);
}

int cli__error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_error(fmt, ap, "\n");
	va_end(ap);
	return PITH_EXIT_ERROR;
}

int cli__usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_error(fmt, ap, "; see 'pith help'\n");
	va_end(ap);
	return PITH_EXIT_ERROR;
}

/*
 * Put /dev/null on any of fds 0-2 that is closed, so that no file pith opens (/dev/kvm, a VM or
 * vCPU fd, the image) lands there and receives the guest's output or messages meant for the user.
 * open() returns the lowest free fd, which is the closed one, as fds below it are open.
 */
static void std_fds__fill(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			_exit(PITH_EXIT_ERROR); /* cannot say why: there may be no stderr */
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	std_fds__fill();
	if (argc > 0 &&
	    strcmp(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], "pith-oci") == 0)
		return oci__main(argc, argv); /* the OCI runtime: cli/oci_main.c */
	if (!cmd)
		return cli__usage_error("no command given");
	if (strcmp(cmd, "run") == 0)
		return run_cmd__main(argc - 2, argv + 2);
	if (strcmp(cmd, "build") == 0)
		return build_cmd__main(argc - 2, argv + 2);
	if (strcmp(cmd, "inspect") == 0)
		return inspect_cmd__main(argc - 2, argv + 2);
	if (strcmp(cmd, "disk") == 0)
		return disk_cmd__main(argc - 2, argv + 2);
	if (strcmp(cmd, "pack") == 0)
		return pack_cmd__main(argc - 2, argv + 2);
	for (size_t i = 0; i < sizeof(ops_cmds) / sizeof(ops_cmds[0]); i++)
		if (strcmp(cmd, ops_cmds[i].name) == 0)
			return ops_cmds[i].main(argc - 2, argv + 2);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		cli__help();
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("pith %s (ABI version %u)\n", PITH_VERSION, PITH_ABI_VERSION);
		return 0;
	}
	return cli__usage_error("unknown command '%s'", cmd);
}
