/* pathprobe.h: netecho --path: asks netechod's report service how a TCP
 * connection's SYN and a UDP datagram from here arrived, sets that beside
 * what was sent (pathreport.h), and with --pmtu finds the path MTU over
 * UDP with DF probes of changing size (pmtuprobe.h).
 *
 * Every wait is bounded: connecting and each reply by the caller's wait,
 * --pmtu by its probes and its time (pmtuprobe.h).
 *
 * It must not parse a report itself: pathreport.h does. */
#ifndef NETECHO_PATHPROBE_H
#define NETECHO_PATHPROBE_H

#include <stdbool.h>

#include "net.h"

#define PATH_DEFAULT_PORT   50001       /* netechod's report service */
#define PATH_PROBE_SIZE     1024        /* UDP probe payload: room for any report */
#define PATH_PROBE_MIN      600         /* smallest probe -s takes: a report fits */
#define PATH_PACE_MS        125         /* --pmtu: between probes, under the report's rate (10/s) */
#define PATH_DEFAULT_WAIT   2.0         /* seconds: each report */
#define PATH_CONNECT_WAIT   4.0         /* seconds: connecting: past two SYNs resent (1 s, 2 s) */
#define PATH_WHY_MAX        320         /* a probe's failure, said */

struct path_options {
	struct net_addr addr;           /* the report service */
	char peer[NET_ADDRSTRLEN];
	bool tcp, udp;                  /* which to ask */
	bool pmtu;
	bool json;
	int ttl;                        /* -1: the system's */
	int dscp;                       /* -1: the system's (0) */
	long size;                      /* UDP probe payload bytes */
	double wait;                    /* seconds: each reply */
	double connect_wait;            /* seconds: connecting */
	bool hops;                      /* --hops: trace the hops there (pathhops.h) */
	bool progress;                  /* --pmtu: a live line on standard error */
};

/* The marks a probe socket gets before it connects. */
struct path_marks {
	bool v6;
	int ttl;      /* -1: the system's */
	int tos;      /* -1: the system's */
	int pmtudisc; /* -1: the system's */
	bool recverr; /* ICMP errors on the error queue */
};

/* Sets them (arg: a struct path_marks): for net_connect_with(). 0, or -1
 * with errno. */
int path_set_marks(int fd, void *arg);

/* Runs the probes and prints the verdicts (or one JSON object) on
 * standard output. Returns the exit status: 0 every report asked for
 * came; 1 the UDP report or --pmtu's first probe got no answer; 68 an
 * ICMP error ended a probe (time exceeded, unreachable: said with its
 * sender); 69 no report service (refused, or the connection closed
 * without a report); 74 output error; 75 timed out; 76 a malformed
 * report. */
int path_run(const struct path_options *o);

#endif
