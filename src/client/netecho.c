/* netecho: the netecho client. Sends messages or standard input over TCP or
 * UDP and prints the replies (stream mode), times round trips like ping
 * (-n), loads an echo path like a benchmark tool (--bench, bench.c), or
 * shows what the network did to its packets (--path, pathprobe.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "escape.h"
#include "fds.h"
#include "net.h"
#include "parse.h"
#include "pathprobe.h"
#include "pathreport.h"
#include "scan.h"

#define MAX_MESSAGES  64        /* -m options */
#define IO_BUFSIZE    65536     /* bytes moved per read */
#define UDP_MAX       65507     /* largest UDP payload over IPv4 */
#define LINE_MAX_PING 4096      /* longest reply line kept in ping mode */
#define DEFAULT_WAIT  5.0       /* seconds: connect, and replies over TCP */
#define DEFAULT_UDP_WAIT 1.0    /* seconds: replies over UDP in stream mode */
#define PACE_TAIL     8         /* bytes of a message that mark its reply */
#define PING_MSG_MAX  400       /* bytes of a ping message */

/* exit statuses beyond sysexits' */
#define EXIT_LOST     1         /* ping: replies were lost */

struct options {
	const char *host;
	long port;
	int family;
	bool udp;
	bool raw;                       /* send -m messages without a newline */
	double wait;                    /* -w, or negative: the default */
	long count;                     /* -n: ping mode when > 0 */
	double interval;                /* -i */
	const char *msgs[MAX_MESSAGES];
	size_t nmsgs;
	bool bench;                     /* --bench, with: */
	long conns;                     /* -c */
	double seconds;                 /* -d */
	long size;                      /* -s */
	bool json;                      /* --json */
	bool path;                      /* --path, with: */
	bool pmtu;                      /* --pmtu */
	bool hops;                      /* --hops */
	long ttl;                       /* --ttl; -1: the system's */
	int dscp;                       /* --dscp; -1: the system's */
	bool size_set;                  /* -s given */
	bool scan;                      /* --scan, with: */
	unsigned short *ports;          /* the PORTS list, SCAN_PORTS_MAX at most */
	size_t nports;
	bool conns_set;                 /* -c given */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netecho [-46ru] [-m MESSAGE]... [-w SECONDS] [HOST [PORT]]\n"
		"       netecho [-46u] -n COUNT [-i SECONDS] [-m MESSAGE] [-w SECONDS] [HOST "
		"[PORT]]\n"
		"       netecho [-46u] --bench [-c CONNS] [-d SECONDS] [-s SIZE] [--json] [-w "
		"SECONDS]\n"
		"               [HOST [PORT]]\n"
		"       netecho [-46u] --path [--ttl N] [--dscp DSCP] [--pmtu] [--hops] [-s SIZE]\n"
		"               [--json]\n"
		"               [-w SECONDS] [HOST [PORT]]\n"
		"       netecho [-46u] --scan [-c PARALLEL] [--json] [-w SECONDS] HOST PORTS\n"
		"       netecho -h | -V\n"
		"\n"
		"Sends each MESSAGE, or standard input as it comes, to HOST (default 127.0.0.1)\n"
		"port PORT (default 50000) and prints the replies as they arrive.\n"
		"\n"
		"  -m, --message MESSAGE  send MESSAGE and a newline (repeatable, up to %d)\n"
		"  -r, --raw              send each MESSAGE without the newline\n"
		"  -u, --udp              use UDP: each message or input line is one datagram\n"
		"  -w, --wait SECONDS     limit for a name server, connecting, the server taking\n"
		"                         what is sent, and each wait on replies (default %g;\n"
		"                         over UDP replies are awaited %gs; path: %gs to\n"
		"                         connect, %gs for each report)\n"
		"  -n, --count COUNT      ping: send COUNT probes, print each round trip and\n"
		"                         a summary; a probe is \"MESSAGE seq=N\" and a newline\n"
		"                         (MESSAGE defaults to ping)\n"
		"  -i, --interval SECONDS ping: time between probes (default 1)\n"
		"  -b, --bench            load test: CONNS connections (UDP sockets with -u) each\n"
		"                         sending a SIZE-byte message and checking its echo, over\n"
		"                         and over, for SECONDS; then requests/s, MB/s and\n"
		"                         latency p50/p90/p99/max (a live line on a terminal);\n"
		"                         a greeting and a reply prefix are found out first\n"
		"  -c, --connections CONNS  bench: connections (default 10)\n"
		"  -d, --duration SECONDS   bench: how long (default 5)\n"
		"  -s, --size SIZE          bench: message bytes (default 64); path: bytes of the\n"
		"                           UDP probe (default %d, from %d)\n"
		"      --json               bench, path: the report as one JSON object\n"
		"  -p, --path             what the network did: asks netechod's path report\n"
		"                         service (PORT default %d) how a TCP SYN and a UDP\n"
		"                         datagram from here arrived, and prints one verdict per\n"
		"                         fact: nat, hops, dscp, ecn, mss, options, fragments\n"
		"                         (-u: UDP alone)\n"
		"      --ttl N              path: send with TTL (hop limit) N\n"
		"      --dscp DSCP          path: send with DSCP DSCP: a name (ef, af41, cs1, le,\n"
		"                           ...) or a number from 0 to 63\n"
		"      --pmtu               path: find the path MTU with DF probes, and whether\n"
		"                           larger packets vanish without an ICMP (a black hole)\n"
		"      --hops               path: trace the hops there over UDP (rising TTL, the\n"
		"                           ICMP \"time exceeded\" of each router)\n"
		"      --scan             is the path open, port by port: probes each of PORTS\n"
		"                         (\"7000-7010,8000\"), -c at a time (default %d), each\n"
		"                         waiting -w (default %gs), and says open (and whether\n"
		"                         it echoes), refused or filtered; over UDP with -u\n"
		"  -4, -6                 use IPv4 or IPv6 only\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"Exit status: 0 success; 1 ping replies lost, bench errors, no path report\n"
		"over UDP, or a scanned port not open; 64 usage; 68 host not found (path:\n"
		"an ICMP error, such as time exceeded, ended a probe);\n"
		"69 connection refused, failed or closed early (no report service); 71 system\n"
		"error; 74 output error; 75 timed out (or a name server did not answer);\n"
		"76 a malformed path report.\n",
		MAX_MESSAGES, DEFAULT_WAIT, DEFAULT_UDP_WAIT, PATH_CONNECT_WAIT, PATH_DEFAULT_WAIT,
		PATH_PROBE_SIZE, PATH_PROBE_MIN,
		PATH_DEFAULT_PORT, SCAN_PARALLEL, SCAN_WAIT);
}

static int write_out(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An argument as a message shows it: in double quotes, escaped (a control
 * byte never reaches the terminal raw), cut after ARG_SHOWN bytes. */
#define ARG_SHOWN      64
#define ARG_SHOWN_SIZE ESCAPE_BUFSIZE(ARG_SHOWN)
static const char *shown(char buf[ARG_SHOWN_SIZE], const char *arg)
{
	escape_payload(buf, ARG_SHOWN_SIZE, arg, strlen(arg), ARG_SHOWN);
	return buf;
}

/* An option's number, or a message naming the option and the range. */
static int opt_long(int opt, const char *arg, long min, long max, long *out)
{
	char buf[ARG_SHOWN_SIZE];

	if (parse_long(arg, min, max, out) == 0)
		return 0;
	fprintf(stderr, "netecho: -%c: %s is not a whole number from %ld to %ld\n", opt,
		shown(buf, arg), min, max);
	return -1;
}

static int opt_seconds(int opt, const char *arg, double min, double max, double *out)
{
	char buf[ARG_SHOWN_SIZE];

	if (parse_seconds(arg, min, max, out) == 0)
		return 0;
	fprintf(stderr, "netecho: -%c: %s is not a number of seconds from %g to %g\n", opt,
		shown(buf, arg), min, max);
	return -1;
}

/* printf to stdout, flushed; -1 (and a message) when it cannot be
 * written, e.g. when the reader of a pipe went away. */
static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int say(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprintf(fmt, ap);
	va_end(ap);
	if (rc < 0 || fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "netecho: standard output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* long options without a letter */
enum { OPT_TTL = 256, OPT_DSCP, OPT_PMTU, OPT_SCAN, OPT_HOPS };

/* The checks between modes and their options, once all are read. */
static int check_modes(struct options *o, bool bench_only, bool path_only, bool port_set)
{
	if (o->count > 0 && o->nmsgs > 1) {
		fprintf(stderr, "netecho: ping mode (-n) takes one message\n");
		return -1;
	}
	if ((o->bench || o->path) && (o->count > 0 || o->nmsgs > 0 || o->raw)) {
		fprintf(stderr, "netecho: --%s sends its own messages: no -m, -n or -r with it\n",
			o->bench ? "bench" : "path");
		return -1;
	}
	if (o->bench + o->path + o->scan > 1) {
		fprintf(stderr, "netecho: one of --bench, --path and --scan\n");
		return -1;
	}
	if (o->scan && (o->count > 0 || o->nmsgs > 0 || o->raw || o->size_set)) {
		fprintf(stderr,
			"netecho: --scan sends its own probes: no -m, -n, -r or -s with it\n");
		return -1;
	}
	if (!o->bench && (bench_only || (o->conns_set && !o->scan))) {
		fprintf(stderr, "netecho: -d goes with --bench, -c with --bench or --scan\n");
		return -1;
	}
	if (o->scan && o->conns_set && o->conns > SCAN_PARALLEL_MAX) {
		fprintf(stderr, "netecho: -c: at most %d probes at once\n", SCAN_PARALLEL_MAX);
		return -1;
	}
	if (!o->path && path_only) {
		fprintf(stderr, "netecho: --ttl, --dscp, --pmtu and --hops go with --path\n");
		return -1;
	}
	if (!o->bench && !o->path && (o->size_set || (o->json && !o->scan))) {
		fprintf(stderr, "netecho: -s goes with --bench or --path, --json with those or "
				"--scan\n");
		return -1;
	}
	if (o->path && !o->size_set)
		o->size = PATH_PROBE_SIZE;
	if (o->path && (o->size < PATH_PROBE_MIN || o->size > UDP_MAX)) {
		fprintf(stderr, "netecho: -s: a path probe is from %d to %d bytes\n",
			PATH_PROBE_MIN, UDP_MAX);
		return -1;
	}
	if (o->path && !port_set)
		o->port = PATH_DEFAULT_PORT;
	for (size_t i = 0; i < o->nmsgs; i++) {
		size_t max = o->count > 0 ? PING_MSG_MAX : (o->udp ? UDP_MAX : IO_BUFSIZE) - 1;

		if (strlen(o->msgs[i]) > max) {
			fprintf(stderr,
				"netecho: -m: a message of %zu bytes is too long (at most %zu "
				"here)\n",
				strlen(o->msgs[i]), max);
			return -1;
		}
	}
	return 0;
}

/* --scan's HOST and PORTS, both needed. */
static int scan_arguments(struct options *o, int argc, char **argv)
{
	char err[128], arg[ARG_SHOWN_SIZE];

	if (argc != 2) {
		fprintf(stderr, "netecho: --scan takes HOST and PORTS (\"7000-7010,8000\")\n");
		usage(stderr);
		return -1;
	}
	o->host = argv[0];
	/* parse_ports() quotes a bad part as it is: a byte no port list holds
	 * (a control byte) is said here, escaped */
	for (const char *c = argv[1]; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e) {
			fprintf(stderr, "netecho: --scan: PORTS %s: not a list of ports and ranges "
					"(as 7000-7010,8000)\n",
				shown(arg, argv[1]));
			return -1;
		}
	o->ports = malloc(SCAN_PORTS_MAX * sizeof *o->ports);
	if (o->ports == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		return -1;
	}
	if (parse_ports(argv[1], strlen(argv[1]), o->ports, SCAN_PORTS_MAX, &o->nports, err,
			sizeof err) < 0 ||
	    (o->ports[0] == 0 && snprintf(err, sizeof err, "port 0 cannot be scanned") > 0)) {
		fprintf(stderr, "netecho: --scan: %s\n", err);
		return -1;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	bool bench_only = false, path_only = false, port_set = false;
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "raw", no_argument, NULL, 'r' },
		{ "udp", no_argument, NULL, 'u' },
		{ "wait", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "bench", no_argument, NULL, 'b' },
		{ "connections", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'J' },
		{ "path", no_argument, NULL, 'p' },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "dscp", required_argument, NULL, OPT_DSCP },
		{ "pmtu", no_argument, NULL, OPT_PMTU },
		{ "hops", no_argument, NULL, OPT_HOPS },
		{ "scan", no_argument, NULL, OPT_SCAN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->host = "127.0.0.1";
	o->port = 50000;
	o->family = AF_UNSPEC;
	o->wait = -1;
	o->interval = 1.0;
	o->conns = 10;
	o->seconds = 5;
	o->size = 64;
	o->ttl = -1;
	o->dscp = -1;
	while ((c = getopt_long(argc, argv, "46m:ruw:n:i:bc:d:s:phV", longopts, NULL)) != -1) {
		if (c == 'd')
			bench_only = true;      /* options that mean something to --bench alone */
		if (c == OPT_TTL || c == OPT_DSCP || c == OPT_PMTU || c == OPT_HOPS)
			path_only = true;       /* and to --path alone */
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'm':
			if (o->nmsgs == MAX_MESSAGES) {
				fprintf(stderr, "netecho: at most %d messages (-m)\n",
					MAX_MESSAGES);
				return -1;
			}
			o->msgs[o->nmsgs++] = optarg;
			break;
		case 'r':
			o->raw = true;
			break;
		case 'u':
			o->udp = true;
			break;
		case 'w':
			if (opt_seconds(c, optarg, 0.001, 86400, &o->wait) < 0)
				return -1;
			break;
		case 'n':
			if (opt_long(c, optarg, 1, 1000000000, &o->count) < 0)
				return -1;
			break;
		case 'i':
			if (opt_seconds(c, optarg, 0, 3600, &o->interval) < 0)
				return -1;
			break;
		case 'b':
			o->bench = true;
			break;
		case 'c':
			if (opt_long(c, optarg, 1, BENCH_MAX_CONNS, &o->conns) < 0)
				return -1;
			o->conns_set = true;
			break;
		case 'd':
			if (opt_seconds(c, optarg, 0.1, 86400, &o->seconds) < 0)
				return -1;
			break;
		case 's':
			if (opt_long(c, optarg, 1, BENCH_MAX_SIZE, &o->size) < 0)
				return -1;
			o->size_set = true;
			break;
		case 'J':
			o->json = true;
			break;
		case 'p':
			o->path = true;
			break;
		case OPT_TTL:
			if (parse_long(optarg, 1, 255, &o->ttl) < 0) {
				fprintf(stderr,
					"netecho: --ttl: '%s' is not a whole number from 1 to "
					"255\n",
					optarg);
				return -1;
			}
			break;
		case OPT_DSCP:
			if (path_dscp_parse(optarg, &o->dscp) < 0) {
				fprintf(stderr,
					"netecho: --dscp: '%s' is neither a DSCP name (ef, af11 to "
					"af43, cs0 to cs7, le, va) nor a number from 0 to 63\n",
					optarg);
				return -1;
			}
			break;
		case OPT_PMTU:
			o->pmtu = true;
			break;
		case OPT_HOPS:
			o->hops = true;
			break;
		case OPT_SCAN:
			o->scan = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("netecho %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->scan)
		return scan_arguments(o, argc - optind, argv + optind) < 0 ||
				       check_modes(o, bench_only, path_only, true) < 0
			       ? -1
			       : 0;
	if (optind < argc)
		o->host = argv[optind++];
	if (optind < argc) {
		if (parse_long(argv[optind++], 1, 65535, &o->port) < 0) {
			char arg[ARG_SHOWN_SIZE];

			fprintf(stderr, "netecho: %s is not a port from 1 to 65535\n",
				shown(arg, argv[optind - 1]));
			return -1;
		}
		port_set = true;
	}
	if (optind < argc) {
		char arg[ARG_SHOWN_SIZE];

		fprintf(stderr, "netecho: unexpected argument %s\n", shown(arg, argv[optind]));
		usage(stderr);
		return -1;
	}
	return check_modes(o, bench_only, path_only, port_set);
}

/* Resolves and connects, trying each address in turn. Returns the socket,
 * or -1 after printing why, with *status set. */
static int open_connection(const struct options *o, int *status, char *peer, size_t peersize)
{
	struct net_addr addrs[NET_MAX_ADDRS];
	char err[NET_ERRLEN];
	int socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	double wait = o->wait > 0 ? o->wait : DEFAULT_WAIT;
	double deadline = clock_now() + wait;
	int n = net_resolve(o->host, o->port, o->family, socktype, false, addrs, NET_MAX_ADDRS,
			    (int)(wait * 1000), err, sizeof err);
	int saved = 0;

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		*status = errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
		return -1;
	}
	/* each address in turn, all within one wait */
	for (int i = 0; i < n; i++) {
		int fd =
			net_connect(&addrs[i], socktype, clock_ms_until(deadline), err, sizeof err);

		if (fd >= 0) {
			net_format((struct sockaddr *)&addrs[i].ss, addrs[i].len, peer, peersize);
			return fd;
		}
		saved = errno;
		if (saved == ETIMEDOUT)
			break;
	}
	fprintf(stderr, "netecho: %s\n", err);
	*status = saved == ETIMEDOUT ? EX_TEMPFAIL : EX_UNAVAILABLE;
	return -1;
}

/* What to send next: the -m messages in turn, or standard input. */
struct source {
	const struct options *o;
	size_t next_msg;
	bool stdin_open;
	char *buf;                      /* IO_BUFSIZE */
	size_t len, off;                /* pending bytes in buf */
	/* -m messages go one at a time: the next once the bytes received end
	 * with the last PACE_TAIL bytes of the previous one, its reply */
	bool pace, awaiting;
	char want[PACE_TAIL], tail[PACE_TAIL];
	size_t want_len, tail_len;
};

/* Notes received bytes; ends the wait for a reply when they end it. */
static void saw_reply_bytes(struct source *s, const char *buf, size_t n)
{
	if (!s->awaiting)
		return;
	if (n >= PACE_TAIL) {
		memcpy(s->tail, buf + n - PACE_TAIL, PACE_TAIL);
		s->tail_len = PACE_TAIL;
	} else {
		size_t keep = s->tail_len + n > PACE_TAIL ? PACE_TAIL - n : s->tail_len;

		memmove(s->tail, s->tail + s->tail_len - keep, keep);
		memcpy(s->tail + keep, buf, n);
		s->tail_len = keep + n;
	}
	if (s->tail_len >= s->want_len &&
	    memcmp(s->tail + s->tail_len - s->want_len, s->want, s->want_len) == 0)
		s->awaiting = false;
}

/* Is the source waiting for the reply to what it sent? */
static bool awaiting_replies(const struct source *s)
{
	return s->awaiting && s->off == s->len;
}

/* Fills the pending buffer from the next message; false when none is left. */
static bool next_message(struct source *s)
{
	const char *m;
	size_t len;

	if (s->next_msg >= s->o->nmsgs || s->awaiting)
		return false;
	m = s->o->msgs[s->next_msg++];
	len = strlen(m);                /* at most IO_BUFSIZE - 1: see parse_options() */
	memcpy(s->buf, m, len);
	if (!s->o->raw)
		s->buf[len++] = '\n';
	s->len = len;
	s->off = 0;
	if (s->pace && len > 0) {
		s->want_len = len < PACE_TAIL ? len : PACE_TAIL;
		memcpy(s->want, s->buf + len - s->want_len, s->want_len);
		s->tail_len = 0;
		s->awaiting = true;
	}
	return true;
}

static bool input_done(const struct source *s)
{
	return s->len == s->off && !s->stdin_open && s->next_msg >= s->o->nmsgs &&
	       !awaiting_replies(s);
}

/* TCP stream mode: send, print replies, half-close, read to the end. */
static int run_tcp(const struct options *o, int fd, const char *peer)
{
	char *rbuf = malloc(IO_BUFSIZE);
	struct source s = {
		.o = o, .stdin_open = o->nmsgs == 0, .buf = malloc(IO_BUFSIZE),
		.pace = o->nmsgs > 0,
	};
	double wait = o->wait > 0 ? o->wait : DEFAULT_WAIT, deadline = 0;
	bool half_closed = false;
	int status = EX_UNAVAILABLE;

	if (rbuf == NULL || s.buf == NULL || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, "netecho: %s\n", strerror(errno ? errno : ENOMEM));
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = 0 },
		};
		int rc;

		if (s.off == s.len && !next_message(&s) && s.stdin_open)
			pfd[1].events = POLLIN;
		if (s.off < s.len)
			pfd[0].events |= POLLOUT;
		if (!half_closed && input_done(&s)) {
			if (shutdown(fd, SHUT_WR) < 0) {
				fprintf(stderr, "netecho: %s: shutdown: %s\n", peer,
					strerror(errno));
				goto out;
			}
			half_closed = true;
			deadline = clock_now() + wait;
		} else if (!half_closed && (awaiting_replies(&s) || s.off < s.len)) {
			/* waiting for replies, or for the server to take what is
			 * sent: either has to move within the wait */
			if (deadline == 0)
				deadline = clock_now() + wait;
		} else if (!half_closed) {
			deadline = 0;
		}
		rc = poll(pfd, pfd[1].events ? 2 : 1, clock_ms_until(deadline));
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "netecho: poll: %s\n", strerror(errno));
			goto out;
		}
		if (rc == 0) {
			if (s.off < s.len)
				fprintf(stderr,
					"netecho: %s: timed out after %gs: the server takes "
					"nothing of what is sent\n",
					peer, wait);
			else
				fprintf(stderr,
					"netecho: %s: timed out after %gs waiting for the "
					"replies\n",
					peer, wait);
			status = EX_TEMPFAIL;
			goto out;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, rbuf, IO_BUFSIZE, 0);

			if (n > 0) {
				if (write_out(rbuf, (size_t)n) < 0) {
					status = EX_IOERR;
					goto out;
				}
				saw_reply_bytes(&s, rbuf, (size_t)n);
				if (deadline > 0)
					deadline = clock_now() + wait;
			} else if (n == 0) {
				if (half_closed) {
					status = 0;
					goto out;
				}
				fprintf(stderr, "netecho: %s: the server closed the connection\n",
					peer);
				goto out;
			} else if (errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "netecho: %s: %s\n", peer, strerror(errno));
				goto out;
			}
		}
		if ((pfd[0].revents & POLLOUT) && s.off < s.len) {
			ssize_t n = send(fd, s.buf + s.off, s.len - s.off, MSG_NOSIGNAL);

			if (n > 0 && deadline > 0 && !half_closed)
				deadline = clock_now() + wait;      /* it takes what is sent */
			if (n >= 0)
				s.off += (size_t)n;
			else if (errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "netecho: %s: %s\n", peer, strerror(errno));
				goto out;
			}
		}
		if (pfd[1].revents) {
			ssize_t n = read(STDIN_FILENO, s.buf, IO_BUFSIZE);

			if (n > 0) {
				s.len = (size_t)n;
				s.off = 0;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				s.stdin_open = false;
			}
		}
	}
out:
	free(rbuf);
	free(s.buf);
	return status;
}

/* Takes the next datagram from standard input's buffered bytes: a line,
 * or UDP_MAX bytes without a newline, or at end of input what is left.
 * Returns its length, or 0 when none is complete yet. */
static size_t take_line(char *carry, size_t *carrylen, bool eof, char *out)
{
	char *nl = memchr(carry, '\n', *carrylen);
	size_t len;

	if (nl != NULL)
		len = (size_t)(nl - carry) + 1;
	else if (*carrylen == UDP_MAX || (eof && *carrylen > 0))
		len = *carrylen;
	else
		return 0;
	memcpy(out, carry, len);
	memmove(carry, carry + len, *carrylen - len);
	*carrylen -= len;
	return len;
}

/* Reads one datagram from the socket and prints it. */
static int print_reply(int fd, const char *peer, char *buf)
{
	ssize_t n = recv(fd, buf, UDP_MAX, MSG_DONTWAIT);

	if (n >= 0)
		return write_out(buf, (size_t)n) < 0 ? EX_IOERR : 0;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	if (errno == ECONNREFUSED)
		fprintf(stderr,
			"netecho: %s: nothing listens on that UDP port (connection refused)\n",
			peer);
	else
		fprintf(stderr, "netecho: %s: %s\n", peer, strerror(errno));
	return EX_UNAVAILABLE;
}

static int send_datagram(int fd, const char *peer, const char *buf, size_t len)
{
	if (send(fd, buf, len, 0) >= 0)
		return 0;
	fprintf(stderr, "netecho: %s: %s\n", peer,
		errno == ECONNREFUSED ? "nothing listens on that UDP port (connection refused)"
				      : strerror(errno));
	return EX_UNAVAILABLE;
}

/* UDP stream mode: each message or line of input is a datagram; replies
 * are printed as they come, and for the wait after the last datagram. */
static int run_udp(const struct options *o, int fd, const char *peer)
{
	char *buf = malloc(UDP_MAX), *carry = malloc(UDP_MAX), *rbuf = malloc(UDP_MAX);
	double wait = o->wait > 0 ? o->wait : DEFAULT_UDP_WAIT, deadline = 0;
	size_t carrylen = 0, next = 0;
	bool input_open = o->nmsgs == 0, eof = false;
	int status = EX_UNAVAILABLE;

	if (buf == NULL || carry == NULL || rbuf == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		size_t len;
		int rc;

		/* what is ready to go goes */
		while (next < o->nmsgs) {
			len = strlen(o->msgs[next]);
			memcpy(buf, o->msgs[next++], len);
			if (!o->raw)
				buf[len++] = '\n';
			if ((status = send_datagram(fd, peer, buf, len)) != 0)
				goto out;
		}
		while ((len = take_line(carry, &carrylen, eof, buf)) > 0)
			if ((status = send_datagram(fd, peer, buf, len)) != 0)
				goto out;
		if (!input_open && deadline == 0)
			deadline = clock_now() + wait;
		rc = poll(pfd, input_open ? 2 : 1, deadline > 0 ? clock_ms_until(deadline) : -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "netecho: poll: %s\n", strerror(errno));
			goto out;
		}
		if (rc == 0) {
			status = 0;     /* the wait for replies is over */
			goto out;
		}
		if (pfd[0].revents && (status = print_reply(fd, peer, rbuf)) != 0)
			goto out;
		if (input_open && pfd[1].revents) {
			ssize_t n = read(STDIN_FILENO, carry + carrylen, UDP_MAX - carrylen);

			if (n > 0) {
				carrylen += (size_t)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				input_open = false;
				eof = true;
			}
		}
	}
out:
	free(buf);
	free(carry);
	free(rbuf);
	return status;
}

/* Does the line (without its newline) end with tag? */
static bool ends_with(const char *line, size_t len, const char *tag)
{
	size_t t = strlen(tag);

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return len >= t && memcmp(line + len - t, tag, t) == 0;
}

/* Ping mode: COUNT probes, one at a time, each timed to its reply: the
 * line ending with the probe's "seq=N". */
static int run_ping(const struct options *o, int fd, const char *peer)
{
	const char *msg = o->nmsgs > 0 ? o->msgs[0] : "ping";
	double wait = o->wait > 0 ? o->wait : DEFAULT_WAIT;
	double min = 0, max = 0, sum = 0, sum2 = 0, start = clock_now();
	char *line = malloc(LINE_MAX_PING), *rbuf = malloc(IO_BUFSIZE), probe[PING_MSG_MAX + 32];
	size_t linelen = 0;
	long received = 0, sent = 0;
	int status = EX_UNAVAILABLE, failed = 0;

	if (line == NULL || rbuf == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		goto out;
	}
	if (say("PING %s (%s): %s\n", o->host, peer, o->udp ? "udp" : "tcp") < 0) {
		status = EX_IOERR;
		goto out;
	}
	for (long seq = 1; seq <= o->count && failed == 0; seq++) {
		char tag[32];
		int plen = snprintf(probe, sizeof probe, "%s seq=%ld\n", msg, seq);
		double t0 = clock_now(), deadline = t0 + wait;
		bool got = false;

		snprintf(tag, sizeof tag, "seq=%ld", seq);
		if (send(fd, probe, (size_t)plen, MSG_NOSIGNAL) != plen) {
			fprintf(stderr, "netecho: %s: %s\n", peer,
				errno == ECONNREFUSED
					? "nothing listens on that UDP port (connection refused)"
					: strerror(errno));
			failed = EX_UNAVAILABLE;
			break;
		}
		sent++;
		while (!got && failed == 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int rc = poll(&pfd, 1, clock_ms_until(deadline));
			ssize_t n;

			if (rc < 0 && errno == EINTR)
				continue;
			if (rc <= 0)
				break;
			n = recv(fd, rbuf, IO_BUFSIZE, MSG_DONTWAIT);
			if (n == 0 && !o->udp) {
				fprintf(stderr, "netecho: %s: the server closed the connection\n",
					peer);
				failed = EX_UNAVAILABLE;
				break;
			}
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				if (errno == ECONNREFUSED && o->udp)
					continue;       /* ICMP: counted as lost */
				fprintf(stderr, "netecho: %s: %s\n", peer, strerror(errno));
				failed = EX_UNAVAILABLE;
				break;
			}
			/* over UDP a datagram is a line; over TCP, lines */
			if (o->udp)
				linelen = 0;
			for (ssize_t i = 0; i < n && !got; i++) {
				if (linelen < LINE_MAX_PING)
					line[linelen++] = rbuf[i];
				if (rbuf[i] != '\n' && !(o->udp && i == n - 1))
					continue;
				if (ends_with(line, linelen, tag)) {
					double rtt = (clock_now() - t0) * 1000.0;

					got = true;
					received++;
					if (received == 1 || rtt < min)
						min = rtt;
					if (rtt > max)
						max = rtt;
					sum += rtt;
					sum2 += rtt * rtt;
					if (say("%zu bytes from %s: seq=%ld time=%.3f ms\n",
						linelen, peer, seq, rtt) < 0)
						failed = EX_IOERR;
				}
				linelen = 0;
			}
		}
		if (!got && failed == 0 &&
		    say("no reply from %s: seq=%ld within %gs\n", peer, seq, wait) < 0)
			failed = EX_IOERR;
		if (seq < o->count && failed == 0) {
			double until = t0 + o->interval;

			while (clock_now() < until) {
				double left = until - clock_now();
				struct timespec ts = {(time_t)left,
						      (long)((left - (double)(time_t)left) * 1e9)};

				if (nanosleep(&ts, NULL) < 0 && errno != EINTR)
					break;
			}
		}
	}
	if (failed == EX_IOERR) {
		status = EX_IOERR;
		goto out;
	}
	{
		double avg = received > 0 ? sum / (double)received : 0,
		       var = received > 0 ? sum2 / (double)received - avg * avg : 0;

		if (say("\n--- %s netecho statistics ---\n"
			"%ld sent, %ld received, %.0f%% loss, time %.0fms\n",
			peer, sent, received,
			sent > 0 ? 100.0 * (double)(sent - received) / (double)sent : 0.0,
			(clock_now() - start) * 1000.0) < 0 ||
		    (received > 0 && say("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min,
					 avg, max, var > 0 ? sqrt(var) : 0.0) < 0)) {
			status = EX_IOERR;
			goto out;
		}
	}
	status = failed != 0 ? failed : received == sent && sent == o->count ? 0 : EXIT_LOST;
out:
	free(line);
	free(rbuf);
	return status;
}

/* --bench: resolves the first address and hands over to bench.c. */
static int run_bench(const struct options *o)
{
	struct bench_options b = {
		.udp = o->udp,
		.conns = o->conns,
		.seconds = o->seconds,
		.size = o->size,
		.wait = o->wait > 0 ? o->wait
			: o->udp    ? DEFAULT_UDP_WAIT
				    : DEFAULT_WAIT,
		.json = o->json,
		.progress = !o->json && isatty(STDERR_FILENO),
	};
	char err[NET_ERRLEN];
	int n = net_resolve(o->host, o->port, o->family, o->udp ? SOCK_DGRAM : SOCK_STREAM, false,
			    &b.addr, 1, (int)(b.wait * 1000), err, sizeof err);

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
	}
	net_format((struct sockaddr *)&b.addr.ss, b.addr.len, b.peer, sizeof b.peer);
	return bench_run(&b);
}

/* --scan: resolves the first address and hands over to scan.c. */
static int run_scan(const struct options *o)
{
	struct scan_options so = {
		.ports = o->ports,
		.nports = o->nports,
		.udp = o->udp,
		.parallel = o->conns_set ? o->conns : SCAN_PARALLEL,
		.wait = o->wait > 0 ? o->wait : SCAN_WAIT,
		.json = o->json,
		.progress = !o->json && isatty(STDERR_FILENO),
	};
	char err[NET_ERRLEN];
	int n = net_resolve(o->host, 0, o->family, o->udp ? SOCK_DGRAM : SOCK_STREAM, false,
			    &so.addr, 1, (int)(so.wait * 1000), err, sizeof err);

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
	}
	net_format_host((struct sockaddr *)&so.addr.ss, so.addr.len, so.host, sizeof so.host);
	return scan_run(&so);
}

/* --path: resolves the first address and hands over to pathprobe.c. */
static int run_path(const struct options *o)
{
	struct path_options p = {
		.tcp = !o->udp,
		.udp = true,
		.pmtu = o->pmtu,
		.hops = o->hops,
		.json = o->json,
		.ttl = (int)o->ttl,
		.dscp = o->dscp,
		.size = o->size,
		.wait = o->wait > 0 ? o->wait : PATH_DEFAULT_WAIT,
		.connect_wait = o->wait > 0 ? o->wait : PATH_CONNECT_WAIT,
		.progress = isatty(STDERR_FILENO),
	};
	char err[NET_ERRLEN];
	int n = net_resolve(o->host, o->port, o->family, SOCK_STREAM, false, &p.addr, 1,
			    (int)(p.wait * 1000), err, sizeof err);

	if (n < 0) {
		fprintf(stderr, "netecho: %s\n", err);
		return errno == EAGAIN ? EX_TEMPFAIL : EX_NOHOST;
	}
	net_format((struct sockaddr *)&p.addr.ss, p.addr.len, p.peer, sizeof p.peer);
	return path_run(&p);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	char peer[NET_ADDRSTRLEN];
	int fd, status;
	struct sigaction ign = { .sa_handler = SIG_IGN };

	/* before any socket: replies must not go into one on descriptor 1 */
	if (fds_ensure_std() < 0)
		return EX_OSERR;
	if (parse_options(argc, argv, &o) < 0)
		return EX_USAGE;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0) {
		fprintf(stderr, "netecho: sigaction: %s\n", strerror(errno));
		return EX_OSERR;
	}
	if (o.bench)
		return run_bench(&o);
	if (o.path)
		return run_path(&o);
	if (o.scan) {
		status = run_scan(&o);
		free(o.ports);
		return status;
	}
	fd = open_connection(&o, &status, peer, sizeof peer);
	if (fd < 0)
		return status;
	if (o.count > 0)
		status = run_ping(&o, fd, peer);
	else if (o.udp)
		status = run_udp(&o, fd, peer);
	else
		status = run_tcp(&o, fd, peer);
	close(fd);
	return status;
}
