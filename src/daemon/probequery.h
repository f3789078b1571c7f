/* probequery.h: the query of a /probe request, untrusted bytes from the
 * HTTP client: "target=HOST:PORT&module=NAME", percent-encoded.
 *
 * The target is a numeric address and a port, "192.0.2.1:7" or
 * "[2001:db8::1]:7": the daemon resolves no names (a name could take any
 * time to resolve and would be checked against probe_allow only after). A
 * zone ("fe80::1%eth0"), port 0 and anything after the port are refused,
 * and so are 0.0.0.0/8 and :: (connect() takes them for this host, whatever
 * probe_allow says of them), multicast and broadcast (many hosts at once),
 * IPv4-mapped ones included.
 * The module is a name of [A-Za-z0-9_-], at most PROBE_MODULE_MAX bytes; no
 * module given is "tcp". Other parameters are ignored (Prometheus's
 * relabelling may add some), at most PROBEQUERY_PARAMS in all; a parameter
 * given twice is refused. '+' is a space, %HH a byte; a bad escape, a NUL
 * or a control byte is refused.
 *
 * Also the scrape timeout Prometheus sends (X-Prometheus-Scrape-Timeout-
 * Seconds): the time a probe may take.
 *
 * Pure and unit-tested, fuzzed (tests/fuzz/fuzz_probequery.c). The reason
 * given on a refusal is a literal, never the bytes refused. */
#ifndef NETECHO_PROBEQUERY_H
#define NETECHO_PROBEQUERY_H

#include <stddef.h>
#include <sys/socket.h>

#define PROBEQUERY_MAX    2048          /* bytes of a query */
#define PROBEQUERY_PARAMS 16            /* parameters in a query */
#define PROBE_MODULE_MAX  32            /* bytes of a module's name */
#define PROBE_TARGET_MAX  64            /* bytes of a target, decoded ("[v6]:port" fits) */

struct probe_query {
	struct sockaddr_storage target; /* address and port */
	socklen_t target_len;
	char module[PROBE_MODULE_MAX + 1];
};

/* Parses len bytes of query (what follows '?', no NUL needed) into *q: 0,
 * or -1 with a literal reason in *why. */
int probequery_parse(const char *query, size_t len, struct probe_query *q, const char **why);

/* The seconds a probe may take: the scrape timeout in header (NULL: none
 * sent; seconds, as Prometheus writes it: "10", "9.5") less margin, at
 * most max, at least 0.1; dflt when there is no header or it is no number
 * in (0, 3600]. */
double probequery_budget(const char *header, double dflt, double margin, double max);

/* A module's name well formed (as the configuration's names must be)? */
int probequery_module_valid(const char *name, size_t len);

#endif
