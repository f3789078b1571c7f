/* options.c: netecho's command line (see options.h). One table says each
 * option's names, argument, where its value goes, the modes it belongs to
 * and its help; getopt_long, --help and the checks between modes are made
 * from it. Parsing only: no socket, nothing sent; a bad argument is shown
 * escaped, never raw on the terminal. */
#include "options.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bench.h"
#include "escape.h"
#include "parse.h"
#include "pathprobe.h"
#include "pathreport.h"
#include "scan.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define HELP_COL 27 /* where --help's text of an option begins */

/* the modes an option belongs to */
enum {
	M_STREAM = 1,
	M_PING = 2,
	M_BENCH = 4,
	M_PATH = 8,
	M_SCAN = 16,
	M_ALL = 31,
};

/* how an option's value is stored */
enum kind { K_FLAG, K_LONG, K_SECONDS, K_CALL };

struct optdef {
	const char *name;               /* long name */
	char letter;                    /* short name, or 0 */
	const char *arg;                /* the argument's name, or NULL: none */
	enum kind kind;
	size_t off;                     /* where the value goes in struct options */
	double min, max;                /* K_LONG, K_SECONDS: the range */
	int (*call)(struct options *o, const char *name, const char *arg); /* K_CALL */
	unsigned modes;                 /* where it means something */
	const char *help;               /* lines, each after the first begins with \n */
};

static int add_message(struct options *o, const char *name, const char *arg);
static int set_ttl(struct options *o, const char *name, const char *arg);
static int set_port(struct options *o, const char *name, const char *arg);
static int check_host(const char *host);
static int set_expect(struct options *o, const char *name, const char *arg);
static int set_dscp(struct options *o, const char *name, const char *arg);

#define AT(field) offsetof(struct options, field)

static const struct optdef table[OPT_COUNT_OF] = {
	[OPT_IPV4] = {"ipv4", '4', NULL, K_FLAG, AT(ipv4), 0, 0, NULL, M_ALL, "use IPv4 only"},
	[OPT_IPV6] = {"ipv6", '6', NULL, K_FLAG, AT(ipv6), 0, 0, NULL, M_ALL, "use IPv6 only"},
	[OPT_MESSAGE] = {"message", 'm', "MESSAGE", K_CALL, 0, 0, 0, add_message, M_STREAM | M_PING,
			 "send MESSAGE and a newline (repeatable, up to " STR(MAX_MESSAGES) ")"},
	[OPT_RAW] = {"raw", 'r', NULL, K_FLAG, AT(raw), 0, 0, NULL, M_STREAM,
		     "send each MESSAGE without the newline"},
	[OPT_UDP] = {"udp", 'u', NULL, K_FLAG, AT(udp), 0, 0, NULL, M_ALL,
		     "use UDP: each message or input line is one datagram"},
	[OPT_WAIT] = {"wait", 'w', "SECONDS", K_SECONDS, AT(wait), 0.001, 86400, NULL, M_ALL,
		      "limit for a name server, connecting, the server\n"
		      "taking what is sent, and each wait on replies\n"
		      "(defaults below)"},
	[OPT_COUNT] = {"count", 'n', "COUNT", K_LONG, AT(count), 0, 1000000000, NULL, M_PING,
		       "ping: send COUNT probes (0: until interrupted),\n"
		       "print each round trip, and ping's summary at the\n"
		       "end or on SIGINT (Ctrl-C); a probe is \"MESSAGE\n"
		       "seq=N\" and a newline (MESSAGE defaults to ping)"},
	[OPT_INTERVAL] = {"interval", 'i', "SECONDS", K_SECONDS, AT(interval), 0, 3600, NULL,
			  M_PING | M_BENCH,
			  "ping: time between probes (default 1); bench: a\n"
			  "line (JSON: an object) every SECONDS, from 0.1"},
	[OPT_TIMESTAMPS] = {"timestamps", 'D', NULL, K_FLAG, AT(timestamps), 0, 0, NULL, M_PING,
			    "ping: each line after the time of day, as\n"
			    "[seconds.microseconds] since 1970"},
	[OPT_QUIET] = {"quiet", 'q', NULL, K_FLAG, AT(quiet), 0, 0, NULL, M_PING,
		       "ping: the summary alone"},
	[OPT_CONNECT] = {"connect", 0, NULL, K_FLAG, AT(connect), 0, 0, NULL, M_PING,
			 "ping: time the TCP handshake instead, on a new\n"
			 "connection a probe (closed at once); -n as in\n"
			 "ping mode, until interrupted without it"},
	[OPT_BENCH] = {"bench", 'b', NULL, K_FLAG, AT(bench), 0, 0, NULL, M_BENCH,
		       "load test: CONNS connections (UDP sockets with\n"
		       "-u) each sending a SIZE-byte message and checking\n"
		       "its echo, over and over, for SECONDS; then\n"
		       "requests/s, bits/s and bytes/s each way, latency\n"
		       "p50/p90/p99/max and timeouts (a live line on a\n"
		       "terminal, or -i's lines); a greeting and a reply\n"
		       "prefix are found out first"},
	[OPT_STREAM] = {"stream", 0, NULL, K_FLAG, AT(stream), 0, 0, NULL, M_BENCH,
			"bench over TCP: each connection keeps sending\n"
			"while it reads the echo back (no stop and wait):\n"
			"throughput each way, every byte checked"},
	[OPT_CONNS] = {"connections", 'c', "CONNS", K_LONG, AT(conns), 1, BENCH_MAX_CONNS, NULL,
		       M_BENCH | M_SCAN,
		       "bench: connections (default 10); scan: probes at\n"
		       "once (default " STR(SCAN_PARALLEL) ")"},
	[OPT_DURATION] = {"duration", 'd', "SECONDS", K_SECONDS, AT(seconds), 0.1, 86400, NULL,
			  M_BENCH, "bench: how long, the whole run (default 5)"},
	[OPT_SIZE] = {"size", 's', "SIZE", K_LONG, AT(size), 1, BENCH_MAX_SIZE, NULL,
		      M_PING | M_BENCH | M_PATH,
		      "ping: bytes of a probe (MESSAGE padded with dots);\n"
		      "bench: message bytes (default 64); path: bytes of\n"
		      "the UDP probe (default " STR(PATH_PROBE_SIZE) ", from " STR(PATH_PROBE_MIN) ")"},
	[OPT_JSON] = {"json", 0, NULL, K_FLAG, AT(json), 0, 0, NULL, M_BENCH | M_PATH | M_SCAN,
		      "bench, path, scan: the report as one JSON object"},
	[OPT_PORT] = {"port", 'p', "PORT", K_CALL, 0, 0, 0, set_port,
		      M_STREAM | M_PING | M_BENCH | M_PATH,
		      "the port (as the PORT argument; default " STR(DEFAULT_PORT) ", path:\n"
		      STR(PATH_DEFAULT_PORT) ")"},
	[OPT_PATH] = {"path", 0, NULL, K_FLAG, AT(path), 0, 0, NULL, M_PATH,
		      "what the network did: asks netechod's path\n"
		      "report service (PORT default " STR(PATH_DEFAULT_PORT) ": the echo\n"
		      "port + 1) how a TCP SYN and a UDP datagram from\n"
		      "here arrived, and prints one verdict per fact:\n"
		      "nat, hops, dscp, ecn, mss, options, fragments\n"
		      "(-u: UDP alone)"},
	[OPT_TTL] = {"ttl", 0, "N", K_CALL, 0, 0, 0, set_ttl, M_PATH,
		     "path: send with TTL (hop limit) N"},
	[OPT_DSCP] = {"dscp", 0, "DSCP", K_CALL, 0, 0, 0, set_dscp, M_PATH,
		      "path: send with DSCP DSCP: a name (ef, af41, cs1,\n"
		      "le, ...) or a number from 0 to 63"},
	[OPT_PMTU] = {"pmtu", 0, NULL, K_FLAG, AT(pmtu), 0, 0, NULL, M_PATH,
		      "path: find the path MTU with DF probes, and\n"
		      "whether larger packets vanish without an ICMP (a\n"
		      "black hole)"},
	[OPT_HOPS] = {"hops", 0, NULL, K_FLAG, AT(hops), 0, 0, NULL, M_PATH,
		      "path: trace the hops there over UDP (rising TTL,\n"
		      "the ICMP \"time exceeded\" of each router)"},
	[OPT_SCAN] = {"scan", 0, NULL, K_FLAG, AT(scan), 0, 0, NULL, M_SCAN,
		      "is the path open, port by port: probes each of\n"
		      "PORTS (\"7000-7010,8000\"), -c at a time, each\n"
		      "waiting -w, and says open (and whether it\n"
		      "echoes), refused or filtered; over UDP with -u"},
	[OPT_EXPECT] = {"expect", 0, "SPEC", K_CALL, 0, 0, 0, set_expect, M_SCAN,
			"scan: the states wanted, as \"open:7000-7010\n"
			"refused:8000\" (open, refused, filtered,\n"
			"open|filtered): exit 0 when each port named is\n"
			"so, else 1 and what differs"},
	[OPT_HELP] = {"help", 'h', NULL, K_FLAG, AT(help), 0, 0, NULL, M_ALL,
		      "show this help and exit"},
	[OPT_VERSION] = {"version", 'V', NULL, K_FLAG, AT(version), 0, 0, NULL, M_ALL,
			 "show the version and exit"},
};

/* the value getopt_long returns for a row */
static int key_of(int i)
{
	return table[i].letter != 0 ? table[i].letter : 256 + i;
}

void options_usage(FILE *out)
{
	fputs("usage: netecho [-46ru] [-m MESSAGE]... [-w SECONDS] [-p PORT] [HOST [PORT]]\n"
	      "       netecho [-46Dqu] -n COUNT [-i SECONDS] [-m MESSAGE] [-s SIZE]\n"
	      "               [-w SECONDS] [-p PORT] [HOST [PORT]]\n"
	      "       netecho [-46Dq] --connect [-n COUNT] [-i SECONDS] [-w SECONDS]\n"
	      "               [-p PORT] [HOST [PORT]]\n"
	      "       netecho [-46u] --bench [--stream] [-c CONNS] [-d SECONDS] [-i SECONDS]\n"
	      "               [-s SIZE] [--json] [-w SECONDS] [-p PORT] [HOST [PORT]]\n"
	      "       netecho [-46u] --path [--ttl N] [--dscp DSCP] [--pmtu] [--hops] [-s SIZE]\n"
	      "               [--json] [-w SECONDS] [-p PORT] [HOST [PORT]]\n"
	      "       netecho [-46u] --scan [-c PARALLEL] [--json] [--expect SPEC] [-w SECONDS]\n"
	      "               HOST PORTS\n"
	      "       netecho -h | -V\n"
	      "\n"
	      "Sends each MESSAGE, or standard input as it comes, to HOST (default 127.0.0.1)\n"
	      "port PORT (default " STR(
		      DEFAULT_PORT) ") and prints the replies as they arrive.\n\n",
	      out);
	for (int i = 0; i < OPT_COUNT_OF; i++) {
		const struct optdef *d = &table[i];
		char head[48];
		int n = snprintf(head, sizeof head, "  %c%c%s--%s%s%s", d->letter ? '-' : ' ',
				 d->letter ? d->letter : ' ', d->letter ? ", " : "  ", d->name,
				 d->arg ? " " : "", d->arg ? d->arg : "");

		fprintf(out, "%s%*s", head, n < HELP_COL ? HELP_COL - n : 1, "");
		for (const char *h = d->help; *h != '\0';) {
			size_t len = strcspn(h, "\n");

			fprintf(out, "%.*s\n", (int)len, h);
			h += len;
			if (*h == '\n' && *++h != '\0')
				fprintf(out, "%*s", HELP_COL, "");
		}
	}
	fprintf(out,
		"\nWaits by default: %gs to connect and for TCP replies, %gs for UDP replies;\n"
		"path: %gs to connect, %gs for each report; scan: %gs a probe.\n"
		"\n"
		"Exit status: 0 success; 1 ping replies lost, bench errors, no path report\n"
		"over UDP, or a scanned port not open; 64 usage; 68 host not found (path:\n"
		"an ICMP error, such as time exceeded, ended a probe);\n"
		"69 connection refused, failed or closed early (no report service); 71 system\n"
		"error; 74 output error; 75 timed out (or a name server did not answer);\n"
		"76 a malformed path report.\n",
		DEFAULT_WAIT, DEFAULT_UDP_WAIT, PATH_CONNECT_WAIT, PATH_DEFAULT_WAIT, SCAN_WAIT);
}

/* An argument as a message shows it: in double quotes, escaped (a control
 * byte never reaches the terminal raw), cut after ARG_SHOWN bytes. */
#define ARG_SHOWN 64
#define ARG_SHOWN_SIZE ESCAPE_BUFSIZE(ARG_SHOWN)
static const char *shown(char buf[ARG_SHOWN_SIZE], const char *arg)
{
	escape_payload(buf, ARG_SHOWN_SIZE, arg, strlen(arg), ARG_SHOWN);
	return buf;
}

/* How the option was written in messages: -c or --ttl. */
static const char *spelled(const struct optdef *d, char buf[32])
{
	if (d->letter != 0)
		snprintf(buf, 32, "-%c", d->letter);
	else
		snprintf(buf, 32, "--%s", d->name);
	return buf;
}

static int add_message(struct options *o, const char *name, const char *arg)
{
	(void)name;
	if (o->nmsgs == MAX_MESSAGES) {
		fprintf(stderr, "netecho: at most %d messages (-m)\n", MAX_MESSAGES);
		return -1;
	}
	o->msgs[o->nmsgs++] = arg;
	return 0;
}

static int set_ttl(struct options *o, const char *name, const char *arg)
{
	char buf[ARG_SHOWN_SIZE];

	if (parse_long(arg, 1, 255, &o->ttl) == 0)
		return 0;
	fprintf(stderr, "netecho: %s: %s is not a whole number from 1 to 255\n", name,
		shown(buf, arg));
	return -1;
}

static int set_port(struct options *o, const char *name, const char *arg)
{
	char buf[ARG_SHOWN_SIZE];

	if (parse_long(arg, 1, 65535, &o->port) == 0)
		return 0;
	fprintf(stderr, "netecho: %s: %s is not a port from 1 to 65535\n", name, shown(buf, arg));
	return -1;
}

static int set_expect(struct options *o, const char *name, const char *arg)
{
	char err[128];

	if (o->expect == NULL && (o->expect = calloc(SCAN_PORTS_MAX, 1)) == NULL) {
		fprintf(stderr, "netecho: out of memory\n");
		return -1;
	}
	if (scan_expect_parse(arg, o->expect, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "netecho: %s: %s\n", name, err);
	return -1;
}

/* --expect names only ports the scan probes. */
static int check_expect(const struct options *o)
{
	size_t k = 0;

	for (unsigned port = 0; port < SCAN_PORTS_MAX; port++) {
		if (o->expect[port] == 0)
			continue;
		while (k < o->nports && o->ports[k] < port)
			k++;
		if (k == o->nports || o->ports[k] != port) {
			fprintf(stderr, "netecho: --expect: port %u is not in PORTS\n", port);
			return -1;
		}
	}
	return 0;
}

static int set_dscp(struct options *o, const char *name, const char *arg)
{
	char buf[ARG_SHOWN_SIZE];

	if (path_dscp_parse(arg, &o->dscp) == 0)
		return 0;
	fprintf(stderr,
		"netecho: %s: %s is neither a DSCP name (ef, af11 to af43, cs0 to cs7, le, va) nor a number from 0 to 63\n",
		name, shown(buf, arg));
	return -1;
}

/* Stores one option's value as its row says. */
static int take(struct options *o, int i, const char *arg)
{
	const struct optdef *d = &table[i];
	char *at = (char *)o + d->off, name[32], buf[ARG_SHOWN_SIZE];

	o->given[i] = true;
	spelled(d, name);
	switch (d->kind) {
	case K_FLAG: *(bool *)at = true; return 0;
	case K_CALL: return d->call(o, name, arg);
	case K_LONG:
		if (parse_long(arg, (long)d->min, (long)d->max, (long *)at) == 0)
			return 0;
		fprintf(stderr, "netecho: %s: %s is not a whole number from %ld to %ld\n", name,
			shown(buf, arg), (long)d->min, (long)d->max);
		return -1;
	case K_SECONDS:
		if (parse_seconds(arg, d->min, d->max, (double *)at) == 0)
			return 0;
		fprintf(stderr, "netecho: %s: %s is not a number of seconds from %g to %g\n", name,
			shown(buf, arg), d->min, d->max);
		return -1;
	}
	return -1;
}

static void defaults(struct options *o)
{
	o->host = "127.0.0.1";
	o->port = DEFAULT_PORT;
	o->family = AF_UNSPEC;
	o->wait = -1;
	o->interval = 1.0;
	o->conns = 10;
	o->seconds = 5;
	o->size = 64;
	o->ttl = -1;
	o->dscp = -1;
}

/* getopt_long's short and long options, from the table. */
static void getopt_tables(char *shorts, struct option *longs)
{
	size_t k = 0;

	shorts[k++] = ':';      /* ':' for a missing argument, '?' for an unknown option */
	for (int i = 0; i < OPT_COUNT_OF; i++) {
		longs[i] = (struct option){table[i].name,
					   table[i].arg ? required_argument : no_argument, NULL,
					   key_of(i)};
		if (table[i].letter == 0)
			continue;
		shorts[k++] = table[i].letter;
		if (table[i].arg)
			shorts[k++] = ':';
	}
	shorts[k] = '\0';
	longs[OPT_COUNT_OF] = (struct option){NULL, 0, NULL, 0};
}

/* An option getopt_long does not know, or without its argument: one line,
 * and where to look. */
static void unknown(char **argv, int c)
{
	char buf[ARG_SHOWN_SIZE], opt[3] = { '-', (char)optopt, '\0' };
	const char *what = optopt != 0 ? opt : shown(buf, argv[optind - 1]);

	if (c == ':')
		fprintf(stderr, "netecho: %s needs an argument\n", what);
	else
		fprintf(stderr, "netecho: unknown option %s\n", what);
	fprintf(stderr, "Try 'netecho --help' for more information.\n");
}

/* Reads the options; stops at the first bad one. */
static int read_options(int argc, char **argv, struct options *o)
{
	char shorts[2 * OPT_COUNT_OF + 2];
	struct option longs[OPT_COUNT_OF + 1];
	int c;

	getopt_tables(shorts, longs);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		int i = 0;

		while (i < OPT_COUNT_OF && key_of(i) != c)
			i++;
		if (i == OPT_COUNT_OF) {
			unknown(argv, c);
			return -1;
		}
		if (take(o, i, optarg) < 0)
			return -1;
	}
	return 0;
}

/* The mode the options choose. */
static unsigned mode_of(const struct options *o)
{
	return o->bench		     ? M_BENCH
	       : o->path	     ? M_PATH
	       : o->scan	     ? M_SCAN
	       : o->given[OPT_COUNT] || o->connect ? M_PING
				     : M_STREAM;
}

/* The modes of a mask, as "--bench or --path". */
static const char *modes_named(unsigned modes, char *buf, size_t size)
{
	static const char *const names[] = {"stream mode", "ping mode (-n)", "--bench", "--path",
					    "--scan"};
	size_t len = 0;

	buf[0] = '\0';
	for (int m = 0; m < 5; m++)
		if ((modes & (1u << m)) && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len > 0 ? " or " : "", names[m]);
	return buf;
}

/* Every option given belongs to the mode chosen. */
static int check_belongs(const struct options *o, unsigned mode)
{
	char name[32], modes[96], now[32];

	if (o->bench + o->path + o->scan > 1) {
		fprintf(stderr, "netecho: one of --bench, --path and --scan\n");
		return -1;
	}
	for (int i = 0; i < OPT_COUNT_OF; i++) {
		if (!o->given[i] || (table[i].modes & mode))
			continue;
		fprintf(stderr, "netecho: %s goes with %s, not %s\n", spelled(&table[i], name),
			modes_named(table[i].modes, modes, sizeof modes),
			modes_named(mode, now, sizeof now));
		return -1;
	}
	return 0;
}

/* Ping mode's own checks. */
static int check_ping(struct options *o)
{
	/* MESSAGE, " seq=" and up to 10 digits and a newline */
	size_t least = (o->nmsgs > 0 ? strlen(o->msgs[0]) : 4) + 16;

	if (o->nmsgs > 1) {
		fprintf(stderr, "netecho: ping mode (-n) takes one message\n");
		return -1;
	}
	if (o->connect && (o->udp || o->nmsgs > 0 || o->given[OPT_SIZE])) {
		fprintf(stderr, "netecho: --connect times TCP handshakes: no -u, -m or -s with it\n");
		return -1;
	}
	if (o->given[OPT_SIZE] && ((size_t)o->size < least || o->size > PING_SIZE_MAX)) {
		fprintf(stderr, "netecho: -s: a ping probe here is from %zu to %d bytes\n", least,
			PING_SIZE_MAX);
		return -1;
	}
	return 0;
}

/* The checks within a mode, once all options are read. */
static int check_modes(struct options *o)
{
	unsigned mode = mode_of(o);

	if (check_belongs(o, mode) < 0)
		return -1;
	if (o->scan && o->given[OPT_CONNS] && o->conns > SCAN_PARALLEL_MAX) {
		fprintf(stderr, "netecho: -c: at most %d probes at once\n", SCAN_PARALLEL_MAX);
		return -1;
	}
	if (mode == M_PING && check_ping(o) < 0)
		return -1;
	if (o->stream && o->udp) {
		fprintf(stderr, "netecho: --stream is a TCP bench: not with -u\n");
		return -1;
	}
	if (mode == M_BENCH && o->given[OPT_INTERVAL] && o->interval < 0.1) {
		fprintf(stderr, "netecho: -i: bench intervals are 0.1 s at least\n");
		return -1;
	}
	if (o->path && !o->given[OPT_SIZE])
		o->size = PATH_PROBE_SIZE;
	if (o->path && (o->size < PATH_PROBE_MIN || o->size > UDP_MAX)) {
		fprintf(stderr, "netecho: -s: a path probe is from %d to %d bytes\n",
			PATH_PROBE_MIN, UDP_MAX);
		return -1;
	}
	for (size_t i = 0; i < o->nmsgs; i++) {
		size_t max = mode == M_PING ? PING_MSG_MAX : (o->udp ? UDP_MAX : IO_BUFSIZE) - 1;

		if (strlen(o->msgs[i]) > max) {
			fprintf(stderr,
				"netecho: -m: a message of %zu bytes is too long (at most %zu here)\n",
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
		return -1;
	}
	o->host = argv[0];
	if (check_host(o->host) < 0)
		return -1;
	/* parse_ports() quotes a bad part as it is: a byte no port list holds
	 * (a control byte) is said here, escaped */
	for (const char *c = argv[1]; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e) {
			fprintf(stderr,
				"netecho: --scan: PORTS %s: not a list of ports and ranges (as 7000-7010,8000)\n",
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

/* A host that is a bare number ("31000") is a port meant for -p: the
 * resolver would take it for an IPv4 address (0.0.121.24). */
static int check_host(const char *host)
{
	char arg[ARG_SHOWN_SIZE];

	if (host[0] == '\0' || strspn(host, "0123456789") != strlen(host))
		return 0;
	fprintf(stderr, "netecho: HOST %s is a bare number, not a host: a port is -p PORT, or HOST PORT\n",
		shown(arg, host));
	return -1;
}

/* [HOST [PORT]] */
static int host_and_port(struct options *o, int argc, char **argv)
{
	char arg[ARG_SHOWN_SIZE];

	if (argc > 0 && check_host(o->host = argv[0]) < 0)
		return -1;
	if (argc > 1 && o->given[OPT_PORT]) {
		fprintf(stderr, "netecho: the port twice: -p and the argument %s\n",
			shown(arg, argv[1]));
		return -1;
	}
	if (argc > 1 && parse_long(argv[1], 1, 65535, &o->port) < 0) {
		fprintf(stderr, "netecho: %s is not a port from 1 to 65535\n", shown(arg, argv[1]));
		return -1;
	}
	if (argc > 2) {
		fprintf(stderr, "netecho: unexpected argument %s\n", shown(arg, argv[2]));
		return -1;
	}
	o->port_set = argc > 1 || o->given[OPT_PORT];
	if (o->path && !o->port_set)
		o->port = PATH_DEFAULT_PORT;
	return 0;
}

int options_parse(int argc, char **argv, struct options *o)
{
	defaults(o);
	if (read_options(argc, argv, o) < 0)
		return -1;
	if (o->help || o->version)
		return 0;
	o->family = o->ipv6 ? AF_INET6 : o->ipv4 ? AF_INET : AF_UNSPEC;
	if (o->scan && scan_arguments(o, argc - optind, argv + optind) < 0)
		return -1;
	if (o->scan && o->expect != NULL && check_expect(o) < 0)
		return -1;
	if (!o->scan && host_and_port(o, argc - optind, argv + optind) < 0)
		return -1;
	return check_modes(o);
}

void options_free(struct options *o)
{
	free(o->ports);
	free(o->expect);
	o->ports = NULL;
	o->expect = NULL;
}
