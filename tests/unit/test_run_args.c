/* Unit tests of `pith run` argument parsing: options, image, guest argv and environment. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <pith/abi.h>

#include "run_args.h"
#include "test.h"

static char *host_env[] = {"HOME=/root", "TERM=xterm", "EMPTY=", "LANG=C.UTF-8", NULL};

/* Parse a NULL-terminated list of arguments (those after "run"). */
static int parse(struct vmm_config *cfg, char *err, char **args)
{
	int n = 0;

	while (args[n])
		n++;
	err[0] = 0;
	return run_args__parse(cfg, n, args, host_env, err, 256);
}

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})

/* Guest argv/envp as one string, "a|b|c", for compact comparisons. */
static const char *join(int n, char *const *v)
{
	static char buf[1024];

	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, v[i]);
	}
	return buf;
}

static void expect(char **args, const char *argv_want, const char *env_want)
{
	struct vmm_config cfg;
	char err[256];

	if (!CHECKF(parse(&cfg, err, args) == RUN_ARGS_OK, "%s: %s", argv_want, err))
		return;
	CHECK_STR(join(cfg.argc, cfg.argv), argv_want);
	CHECK(cfg.argv[cfg.argc] == NULL);
	CHECK_STR(join(cfg.envc, cfg.envp), env_want);
	CHECK(cfg.envp[cfg.envc] == NULL);
	CHECK_STR(cfg.image_path, cfg.argv[0]);
	run_args__free(&cfg);
}

static void expect_error(char **args, const char *want)
{
	struct vmm_config cfg;
	char err[256];

	CHECK(parse(&cfg, err, args) == RUN_ARGS_ERROR);
	CHECK_STR(err, want);
}

static void test_argv(void)
{
	expect(ARGS("hello.pith"), "hello.pith", "");
	expect(ARGS("hello.pith", "one", "two"), "hello.pith|one|two", "");
	expect(ARGS("hello.pith", "--", "one"), "hello.pith|one", "");
	expect(ARGS("--", "hello.pith", "one"), "hello.pith|one", "");
	expect(ARGS("--", "hello.pith", "--", "one"), "hello.pith|one", "");
	expect(ARGS("hello.pith", "--", "--", "x"), "hello.pith|--|x", "");
	expect(ARGS("hello.pith", "--mem", "4M", "-e", "X=1"), "hello.pith|--mem|4M|-e|X=1", "");
	expect(ARGS("--", "--odd-name.pith"), "--odd-name.pith", "");
	expect(ARGS("./dir/x.pith", "a b", ""), "./dir/x.pith|a b|", "");
	expect(ARGS("-"), "-", "");
}

static void test_env(void)
{
	expect(ARGS("-e", "A=1", "img"), "img", "A=1");
	expect(ARGS("-eA=1", "--env", "B=2", "--env=C=3", "img"), "img", "A=1|B=2|C=3");
	expect(ARGS("-e", "HOME", "-e", "LANG", "img"), "img", "HOME=/root|LANG=C.UTF-8");
	expect(ARGS("-e", "NOT_SET", "img"), "img", "");
	expect(ARGS("-e", "EMPTY", "-e", "Z=", "img"), "img", "EMPTY=|Z=");
	expect(ARGS("-e", "A=1", "-e", "A=2", "img"), "img", "A=2");
	expect(ARGS("-e", "A=1", "-e", "AB=3", "-e", "A=x=y", "img"), "img", "A=x=y|AB=3");
	expect(ARGS("-e", "HOM", "img"), "img", ""); /* a prefix of HOME is not HOME */
	expect(ARGS("-e", "TERM=dumb", "-e", "TERM", "img"), "img", "TERM=xterm");
}

static void test_options(void)
{
	struct vmm_config cfg;
	char err[256];

	CHECK(parse(&cfg, err, ARGS("img")) == RUN_ARGS_OK);
	CHECK_U64(cfg.mem_size, 64ULL << 20);
	CHECK(!cfg.trace && !cfg.verbose && !cfg.selftest_seccomp && cfg.compat_kernel == NULL);
	run_args__free(&cfg);
	CHECK(parse(&cfg, err, ARGS("--mem", "4M", "--trace", "--verbose", "img", "--trace")) == 0);
	CHECK(cfg.mem_size == 4ULL << 20 && cfg.trace && cfg.verbose && !cfg.selftest_seccomp);
	CHECK(cfg.argc == 2 && strcmp(cfg.argv[1], "--trace") == 0);
	run_args__free(&cfg);
	CHECK(parse(&cfg, err, ARGS("--mem=1G", "--mem", "2G", "--selftest-seccomp", "img")) == 0);
	CHECK(cfg.mem_size == 2ULL << 30 && cfg.selftest_seccomp);
	run_args__free(&cfg);
	CHECK(parse(&cfg, err, ARGS("--help")) == RUN_ARGS_HELP);
	CHECK(parse(&cfg, err, ARGS("--trace", "-h", "img")) == RUN_ARGS_HELP);
}

static void test_errors(void)
{
	expect_error(ARGS("x") + 1, "run: no image given; see 'pith help'");
	expect_error(ARGS("--trace"), "run: no image given; see 'pith help'");
	expect_error(ARGS("--"), "run: no image given; see 'pith help'");
	expect_error(ARGS("--mem"), "run: --mem needs a size, e.g. --mem 64M; see 'pith help'");
	expect_error(ARGS("-e"), "run: -e needs NAME=VALUE or NAME; see 'pith help'");
	expect_error(ARGS("--env"), "run: --env needs NAME=VALUE or NAME; see 'pith help'");
	expect_error(ARGS("--bogus", "img"), "run: unknown option '--bogus'; see 'pith help'");
	expect_error(ARGS("--memory=4M", "img"),
		     "run: unknown option '--memory=4M'; see 'pith help'");
	expect_error(ARGS("-x", "img"), "run: unknown option '-x'; see 'pith help'");
	expect_error(ARGS("--mem", "512", "img"), "--mem 512: missing unit; write e.g. 512M or 2G");
	expect_error(ARGS("--mem=1T", "img"), "--mem 1T: too large; the most Pith supports is 4G");
	expect_error(ARGS("-e", "=x", "img"), "-e '=x': empty variable name; write -e NAME=VALUE");
	expect_error(ARGS("-e", "", "img"), "-e '': empty variable name; write -e NAME=VALUE");
}

/* Parse args that must succeed; the caller checks cfg->net and frees. */
static bool parse_ok(struct vmm_config *cfg, char **args)
{
	char err[256];

	return CHECKF(parse(cfg, err, args) == RUN_ARGS_OK, "%s: %s", args[0], err);
}

static uint32_t ip(const char *text)
{
	return inet_addr(text);
}

static void test_net_default(void)
{
	struct vmm_config cfg;

	if (!parse_ok(&cfg, ARGS("img")))
		return;
	CHECK(cfg.net.kind == NET_NONE && cfg.net.tap_fd == -1 && cfg.net.nports == 0);
	CHECK(!cfg.net.dhcp && !cfg.stats && cfg.net.mtu == 0 && cfg.net.ip == 0);
	run_args__free(&cfg);
	if (!parse_ok(&cfg, ARGS("--stats", "--net", "none", "img")))
		return;
	CHECK(cfg.stats && cfg.net.kind == NET_NONE && !cfg.net.dhcp);
	run_args__free(&cfg);
}

static void test_net_kinds(void)
{
	struct vmm_config cfg;

	if (parse_ok(&cfg, ARGS("--net", "tap:pith0", "img"))) {
		CHECK(cfg.net.kind == NET_TAP && cfg.net.tap_fd == -1 && cfg.net.dhcp);
		CHECK_STR(cfg.net.tap_name, "pith0");
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("--net=tap:abcdefghijklmno", "img"))) {
		CHECK_STR(cfg.net.tap_name, "abcdefghijklmno"); /* 15 characters: the most */
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("--net", "user", "img"))) {
		CHECK(cfg.net.kind == NET_PASST && cfg.net.nports == 0 && cfg.net.dhcp);
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("--net", "socket:/tmp/x.sock", "img"))) {
		CHECK(cfg.net.kind == NET_STREAM && cfg.net.dhcp);
		CHECK_STR(cfg.net.socket_path, "/tmp/x.sock");
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("--net", "user", "--net", "tap:t1", "img"))) {
		CHECK(cfg.net.kind == NET_TAP); /* the last --net counts */
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("--tap-fd", "7", "img"))) {
		CHECK(cfg.net.kind == NET_TAP && cfg.net.tap_fd == 7 && cfg.net.dhcp);
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("--net", "tap:t2", "--tap-fd=0", "img"))) {
		CHECK(cfg.net.kind == NET_TAP && cfg.net.tap_fd == 0);
		CHECK_STR(cfg.net.tap_name, "t2");
		run_args__free(&cfg);
	}
}

static void check_port(const struct net_port *p, unsigned host, unsigned guest, bool udp,
		       const char *addr)
{
	CHECKF(p->host == host && p->guest == guest && p->udp == udp, "port %u:%u", host, guest);
	CHECK_U64(p->host_addr, addr ? ip(addr) : 0);
}

static void test_net_publish(void)
{
	struct vmm_config cfg;

	if (!parse_ok(&cfg,
		      ARGS("-p", "8080:80", "--publish", "5353:53/udp", "-p1:65535/tcp",
			   "--publish=127.0.0.1:8443:443", "-p", "10.1.2.3:53:53/udp", "img")))
		return;
	CHECK(cfg.net.kind == NET_PASST && cfg.net.nports == 5 && cfg.net.dhcp);
	check_port(&cfg.net.ports[0], 8080, 80, false, NULL);
	check_port(&cfg.net.ports[1], 5353, 53, true, NULL);
	check_port(&cfg.net.ports[2], 1, 65535, false, NULL);
	check_port(&cfg.net.ports[3], 8443, 443, false, "127.0.0.1");
	check_port(&cfg.net.ports[4], 53, 53, true, "10.1.2.3");
	run_args__free(&cfg);
	if (parse_ok(&cfg, ARGS("--net", "user", "-p", "80:80", "-p", "80:80/udp", "img"))) {
		CHECK(cfg.net.kind == NET_PASST && cfg.net.nports == 2);
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("-p", "8080:80", "img", "-p", "1:2"))) {
		CHECK(cfg.net.nports == 1 && cfg.argc == 3); /* after the image: the guest's */
		run_args__free(&cfg);
	}
}

static void test_net_publish_max(void)
{
	char *args[2 * NET_PORTS_MAX + 4], specs[NET_PORTS_MAX + 1][16];
	struct vmm_config cfg;
	char err[256];
	int n = 0;

	for (int k = 0; k <= NET_PORTS_MAX; k++) {
		snprintf(specs[k], sizeof(specs[k]), "%d:80", 1000 + k);
		args[n++] = "-p";
		args[n++] = specs[k];
	}
	args[n++] = "img";
	args[n] = NULL;
	CHECK(parse(&cfg, err, args) == RUN_ARGS_ERROR);
	CHECK_STR(err, "run: at most 32 -p options");
	args[n - 3] = "img"; /* one fewer: exactly the most */
	args[n - 2] = NULL;
	if (parse_ok(&cfg, args)) {
		CHECK(cfg.net.nports == NET_PORTS_MAX);
		check_port(&cfg.net.ports[NET_PORTS_MAX - 1], 1000 + NET_PORTS_MAX - 1, 80, false,
			   NULL);
		run_args__free(&cfg);
	}
}

static void test_net_addresses(void)
{
	struct vmm_config cfg;
	static const uint8_t mac[6] = {0x02, 0xab, 0xCD, 0, 0, 0x01};

	if (parse_ok(&cfg,
		     ARGS("--net", "tap:pith0", "--ip", "10.0.7.2/24", "--gw", "10.0.7.1",
			  "--dns=9.9.9.9", "--mac", "02:ab:CD:00:00:01", "--mtu", "1500", "img"))) {
		CHECK(cfg.net.ip == ip("10.0.7.2") && cfg.net.prefix_len == 24 && !cfg.net.dhcp);
		CHECK(cfg.net.gateway == ip("10.0.7.1") && cfg.net.dns == ip("9.9.9.9"));
		CHECK(memcmp(cfg.net.mac, mac, 6) == 0 && cfg.net.mtu == 1500);
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("-p", "80:80", "--ip=192.168.1.1/32", "--mtu=576", "img"))) {
		CHECK(cfg.net.ip == ip("192.168.1.1") && cfg.net.prefix_len == 32);
		CHECK(cfg.net.gateway == 0 && cfg.net.mtu == 576 && !cfg.net.dhcp);
		run_args__free(&cfg);
	}
	if (parse_ok(&cfg, ARGS("--net", "user", "--dns", "10.0.2.3", "img"))) {
		CHECK(cfg.net.dhcp && cfg.net.dns == ip("10.0.2.3")); /* --dns with DHCP */
		run_args__free(&cfg);
	}
}

static void test_net_errors_kind(void)
{
	static const char net[] =
	    "run: --net needs tap:NAME, user, socket:PATH or none, e.g. --net tap:pith0";

	expect_error(ARGS("--net"), net);
	expect_error(ARGS("--net", "tap:", "img"), net);
	expect_error(ARGS("--net", "tap", "img"), net);
	expect_error(ARGS("--net", "socket:", "img"), net);
	expect_error(ARGS("--net", "bridge", "img"), net);
	expect_error(ARGS("--net", "tap:abcdefghijklmnop", "img"),
		     "run: --net tap:abcdefghijklmnop: a tap name has at most 15 characters");
}

static void test_net_errors_publish(void)
{
	static const char port[] = "run: -p needs HOST:GUEST ports (1-65535), e.g. -p 8080:80";

	expect_error(ARGS("-p"), port);
	expect_error(ARGS("--publish"), port);
	expect_error(ARGS("-p", "8080", "img"), port);
	expect_error(ARGS("-p", "8080:", "img"), port);
	expect_error(ARGS("-p", ":80", "img"), port);
	expect_error(ARGS("-p", "0:80", "img"), port);
	expect_error(ARGS("-p", "8080:65536", "img"), port);
	expect_error(ARGS("-p", "80a:80", "img"), port);
	expect_error(ARGS("-p", "-1:80", "img"), port);
	expect_error(ARGS("-p", "1.2.3.4:80", "img"), port);
	expect_error(ARGS("-p", "1:2:3:4", "img"),
		     "run: -p ADDR:HOST:GUEST needs an IPv4 address for ADDR, e.g. "
		     "-p 127.0.0.1:8080:80");
	expect_error(ARGS("-p", "localhost:80:80", "img"),
		     "run: -p ADDR:HOST:GUEST needs an IPv4 address for ADDR, e.g. "
		     "-p 127.0.0.1:8080:80");
	expect_error(ARGS("-p", "80:80/sctp", "img"),
		     "run: -p takes /tcp or /udp after the ports, e.g. -p 5353:53/udp");
	expect_error(ARGS("-p", "80:80/", "img"),
		     "run: -p takes /tcp or /udp after the ports, e.g. -p 5353:53/udp");
	expect_error(ARGS("-p", "80:80", "-p", "80:81/tcp", "img"),
		     "run: -p publishes host port 80/tcp twice; give each once");
	expect_error(ARGS("--net", "tap:pith0", "-p", "8080:80", "img"),
		     "run: -p publishes ports through user-mode networking, not --net tap; drop "
		     "-p, or use --net user");
	expect_error(ARGS("-p", "8080:80", "--net", "none", "img"),
		     "run: -p publishes ports through user-mode networking, not --net none; drop "
		     "-p, or use --net user");
	expect_error(ARGS("--tap-fd", "3", "-p", "8080:80", "img"),
		     "run: -p publishes ports through user-mode networking, not --net tap; drop "
		     "-p, or use --net user");
	expect_error(ARGS("--net", "socket:/x", "-p", "1:1", "img"),
		     "run: -p publishes ports through user-mode networking, not --net socket; "
		     "drop -p, or use --net user");
}

static void test_net_errors_tap_fd_ip(void)
{
	static const char ipu[] = "run: --ip needs an IPv4 address and prefix length, e.g. "
				  "--ip 10.0.7.2/24";

	expect_error(ARGS("--tap-fd", "3", "--net", "user", "img"),
		     "run: --tap-fd cannot be used with --net user; drop one of them");
	expect_error(ARGS("--tap-fd", "x", "img"),
		     "run: --tap-fd needs the number of an open tap fd, e.g. --tap-fd 3");
	expect_error(ARGS("--tap-fd", "-1", "img"),
		     "run: --tap-fd needs the number of an open tap fd, e.g. --tap-fd 3");
	expect_error(ARGS("--tap-fd"), "run: --tap-fd needs the number of an open tap fd, e.g. "
				       "--tap-fd 3");
	expect_error(ARGS("--net", "user", "--ip", "10.0.0.1", "img"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "10.0.0.1/33", "img"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "10.0.0.1/0", "img"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "10.0.0/24", "img"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "10.0.0.256/24", "img"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "0.0.0.0/8", "img"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "224.0.0.1/4", "img"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "010.0.0.1/8", "img"), ipu);
	expect_error(ARGS("--ip"), ipu);
	expect_error(ARGS("--net", "user", "--ip", "10.0.7.0/24", "img"),
		     "run: --ip 10.0.7.0/24 is its subnet's network or broadcast address; choose "
		     "a host address");
	expect_error(ARGS("--net", "user", "--ip", "10.0.7.255/24", "img"),
		     "run: --ip 10.0.7.255/24 is its subnet's network or broadcast address; "
		     "choose a host address");
	expect_error(ARGS("--net", "user", "--gw", "10.0.7.1", "img"),
		     "run: --gw needs --ip (without --ip the guest asks DHCP for its gateway)");
	expect_error(ARGS("--net", "user", "--ip", "10.0.7.2/24", "--gw", "10.0.8.1", "img"),
		     "run: --gw 10.0.8.1 is not on the subnet of --ip 10.0.7.2/24; choose a "
		     "gateway the guest can reach");
	expect_error(ARGS("--net", "user", "--gw", "10.0.7", "img"),
		     "run: --gw needs an IPv4 address, e.g. --gw 10.0.7.1");
	expect_error(ARGS("--dns"), "run: --dns needs an IPv4 address, e.g. --dns 10.0.7.1");
	expect_error(ARGS("--net", "user", "--dns", "255.255.255.255", "img"),
		     "run: --dns needs an IPv4 address, e.g. --dns 10.0.7.1");
}

static void test_net_errors_other(void)
{
	static const char macu[] = "run: --mac needs a unicast MAC address, e.g. "
				   "--mac 02:00:00:00:00:01";
	static const char mtu[] = "run: --mtu needs a number from 576 to 1500 (larger frames are "
				  "not supported yet), e.g. --mtu 1400";

	expect_error(ARGS("--mac"), macu);
	expect_error(ARGS("--net", "user", "--mac", "03:00:00:00:00:01", "img"), macu);
	expect_error(ARGS("--net", "user", "--mac", "00:00:00:00:00:00", "img"), macu);
	expect_error(ARGS("--net", "user", "--mac", "02:00:00:00:00", "img"), macu);
	expect_error(ARGS("--net", "user", "--mac", "02:00:00:00:00:01:02", "img"), macu);
	expect_error(ARGS("--net", "user", "--mac", "02-00-00-00-00-01", "img"), macu);
	expect_error(ARGS("--net", "user", "--mac", "02:00:00:00:00:0g", "img"), macu);
	expect_error(ARGS("--net", "user", "--mac", "2:00:00:00:00:01", "img"), macu);
	expect_error(ARGS("--mtu"), mtu);
	expect_error(ARGS("--net", "user", "--mtu", "575", "img"), mtu);
	expect_error(ARGS("--net", "user", "--mtu", "1501", "img"), mtu);
	expect_error(ARGS("--net", "user", "--mtu", "1500x", "img"), mtu);
	expect_error(ARGS("--ip", "10.0.7.2/24", "img"),
		     "run: --ip needs a network; add --net tap:NAME, --net user or -p HOST:GUEST");
	expect_error(ARGS("--net", "none", "--mtu", "1500", "img"),
		     "run: --mtu needs a network; add --net tap:NAME, --net user or -p HOST:GUEST");
	expect_error(ARGS("--mac", "02:00:00:00:00:01", "img"),
		     "run: --mac needs a network; add --net tap:NAME, --net user or -p HOST:GUEST");
	expect_error(ARGS("--dns", "1.1.1.1", "img"),
		     "run: --dns needs a network; add --net tap:NAME, --net user or -p HOST:GUEST");
}

/* Parse with the operations options (-d, --name, --rm); returns the result code. */
static int parse_ops(struct vmm_config *cfg, struct run_ops *ops, char *err, char **args)
{
	int n = 0;

	while (args[n])
		n++;
	err[0] = 0;
	return run_args__parse_ops(cfg, ops, n, args, host_env, err, 256);
}

static void test_ops(void)
{
	struct vmm_config cfg;
	struct run_ops ops;
	char err[256];

	if (CHECK(parse_ops(&cfg, &ops, err, ARGS("img")) == RUN_ARGS_OK)) {
		CHECK(!ops.detach && !ops.rm && ops.name == NULL && cfg.ready_fd == -1);
		run_args__free(&cfg);
	}
	if (CHECKF(parse_ops(&cfg, &ops, err,
			     ARGS("-d", "--name", "web1", "--rm", "--mem", "8M", "img", "-d")) ==
		       RUN_ARGS_OK,
		   "%s", err)) {
		CHECK(ops.detach && ops.rm && cfg.mem_size == 8ULL << 20);
		CHECK_STR(ops.name, "web1");
		CHECK(cfg.argc == 2 &&
		      strcmp(cfg.argv[1], "-d") == 0); /* after the image: the guest's */
		run_args__free(&cfg);
	}
	if (CHECK(parse_ops(&cfg, &ops, err, ARGS("--detach", "--name=a.b-c_9", "img")) == 0)) {
		CHECK(ops.detach && !ops.rm);
		CHECK_STR(ops.name, "a.b-c_9");
		run_args__free(&cfg);
	}
	/* run_args__parse (the monitor's options only) does not know them */
	expect_error(ARGS("-d", "img"), "run: unknown option '-d'; see 'pith help'");
	expect_error(ARGS("--name", "x", "img"), "run: unknown option '--name'; see 'pith help'");
	expect_error(ARGS("--rm", "img"), "run: unknown option '--rm'; see 'pith help'");
}

static void expect_ops_error(char **args, const char *want)
{
	struct vmm_config cfg;
	struct run_ops ops;
	char err[256];

	CHECK(parse_ops(&cfg, &ops, err, args) == RUN_ARGS_ERROR);
	CHECK_STR(err, want);
}

static void test_ops_names(void)
{
	static const char bad[] = "a letter or digit, then letters, digits, '_', '.' or '-', at "
				  "most 63 characters";
	char msg[256], n63[64], n64[65];

	memset(n63, 'x', 63);
	n63[63] = 0;
	memset(n64, 'y', 64);
	n64[64] = 0;
	CHECK(run_args__valid_name("web1") && run_args__valid_name("9") &&
	      run_args__valid_name(n63));
	CHECK(!run_args__valid_name("") && !run_args__valid_name(n64));
	CHECK(!run_args__valid_name("-x") && !run_args__valid_name(".x") &&
	      !run_args__valid_name("_x"));
	CHECK(!run_args__valid_name("a b") && !run_args__valid_name("a/b") &&
	      !run_args__valid_name("é"));
	expect_ops_error(ARGS("--name"),
			 "run: --name needs a name, e.g. --name web1; see 'pith help'");
	snprintf(msg, sizeof(msg), "run: --name 'a/b': a name is %s", bad);
	expect_ops_error(ARGS("--name", "a/b", "img"), msg);
	snprintf(msg, sizeof(msg), "run: --name '%s': a name is %s", n64, bad);
	expect_ops_error(ARGS("--name", n64, "img"), msg);
	expect_ops_error(ARGS("-d"), "run: no image given; see 'pith help'");
}

static void test_duration(void)
{
	uint64_t ns = 1;

	CHECK(run_args__duration("0", &ns) == 0 && ns == 0);
	CHECK(run_args__duration("500ms", &ns) == 0 && ns == 500000000ULL);
	CHECK(run_args__duration("10s", &ns) == 0 && ns == 10000000000ULL);
	CHECK(run_args__duration("10", &ns) < 0 && run_args__duration("", &ns) < 0);
	CHECK(run_args__duration("1.5s", &ns) < 0 && run_args__duration("5m", &ns) < 0);
}

int main(void)
{
	test_ops();
	test_ops_names();
	test_duration();
	test_argv();
	test_env();
	test_options();
	test_errors();
	test_net_default();
	test_net_kinds();
	test_net_publish();
	test_net_publish_max();
	test_net_addresses();
	test_net_errors_kind();
	test_net_errors_publish();
	test_net_errors_tap_fd_ip();
	test_net_errors_other();
	return test__done();
}
