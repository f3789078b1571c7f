/* options.h: netecho's command line: the options it takes (one table feeds
 * getopt_long and --help), what they say once read, and which mode they
 * choose. Parsing only: it opens no socket and sends nothing. */
#ifndef NETECHO_OPTIONS_H
#define NETECHO_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MAX_MESSAGES     64     /* -m options */
#define IO_BUFSIZE       65536  /* bytes moved per read */
#define UDP_MAX          65507  /* largest UDP payload over IPv4 */
#define DEFAULT_WAIT     5.0    /* seconds: connect, and replies over TCP */
#define DEFAULT_UDP_WAIT 1.0    /* seconds: replies over UDP in stream mode */
#define DEFAULT_PORT     50000  /* netechod's echo port */
#define PING_MSG_MAX     400    /* bytes of a ping message */
#define PING_SIZE_MAX    UDP_MAX /* bytes of a ping probe (-s) */

/* The options, by row of the table in options.c. */
enum opt_id {
	OPT_IPV4,
	OPT_IPV6,
	OPT_MESSAGE,
	OPT_RAW,
	OPT_UDP,
	OPT_WAIT,
	OPT_COUNT,
	OPT_INTERVAL,
	OPT_TIMESTAMPS,
	OPT_QUIET,
	OPT_CONNECT,
	OPT_BENCH,
	OPT_STREAM,
	OPT_CONNS,
	OPT_DURATION,
	OPT_SIZE,
	OPT_JSON,
	OPT_PORT,
	OPT_PATH,
	OPT_TTL,
	OPT_DSCP,
	OPT_PMTU,
	OPT_HOPS,
	OPT_SCAN,
	OPT_EXPECT,
	OPT_HELP,
	OPT_VERSION,
	OPT_COUNT_OF
};

struct options {
	const char *host;
	long port;
	bool port_set;                  /* -p or PORT given */
	int family;
	bool ipv4, ipv6;                /* -4, -6 */
	bool udp;
	bool raw;                       /* send -m messages without a newline */
	double wait;                    /* -w, or negative: the default */
	long count;                     /* -n: ping mode; 0: until SIGINT */
	double interval;                /* -i */
	bool timestamps, quiet;         /* ping: -D, -q */
	bool connect;                   /* ping: --connect */
	const char *msgs[MAX_MESSAGES];
	size_t nmsgs;
	bool bench;                     /* --bench, with: */
	bool stream;                    /* --stream */
	long conns;                     /* -c */
	double seconds;                 /* -d */
	long size;                      /* -s */
	bool json;                      /* --json */
	bool path;                      /* --path, with: */
	bool pmtu;                      /* --pmtu */
	bool hops;                      /* --hops */
	long ttl;                       /* --ttl; -1: the system's */
	int dscp;                       /* --dscp; -1: the system's */
	bool scan;                      /* --scan, with: */
	unsigned short *ports;          /* the PORTS list, SCAN_PORTS_MAX at most; freed by
					 * options_free() */
	size_t nports;
	unsigned char *expect;          /* --expect: see scan_expect_parse(); freed by
					 * options_free() */
	bool help, version;             /* -h, -V: print and exit 0 */
	bool given[OPT_COUNT_OF];       /* which options the command line has */
};

/* Reads the command line into *o (defaults first). Returns 0, or -1 after
 * printing what is wrong on stderr (at most three lines). */
int options_parse(int argc, char **argv, struct options *o);

/* --help's text. */
void options_usage(FILE *out);

void options_free(struct options *o);

#endif
