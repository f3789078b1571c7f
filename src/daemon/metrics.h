/* metrics.h: the [metrics] service: HTTP by libmicrohttpd on connections
 * the daemon's own listeners accepted and admitted (its row in
 * services.c), answering GET /metrics (metricstext.c) and GET /probe
 * (probequery.c, probegate.c, probe.c).
 *
 * libmicrohttpd runs a thread per connection (MHD_USE_THREAD_PER_CONNECTION)
 * bounded by [metrics] max_connections: a probe waits on the network for
 * up to its budget, and a thread of its own keeps it from holding up a
 * scrape of /metrics or another probe, with no event loop of ours; a
 * connection beyond the bound is closed at once. Each connection has
 * [metrics] timeout seconds, a request METRICS_REQUEST_MEMORY bytes (the
 * request line and headers; a body is refused), and a probe at most
 * METRICS_PROBE_MAX_S seconds.
 *
 * Settings come with each connection: a reload applies from the next
 * connection on (max_connections and timeout: from the next start, as
 * libmicrohttpd takes them once).
 *
 * It must not parse a request's bytes itself (probequery.h does), nor hold
 * a lock while a probe runs. */
#ifndef NETECHO_METRICS_H
#define NETECHO_METRICS_H

struct conn;

#define METRICS_REQUEST_MEMORY  16384   /* bytes of a request line and headers */
#define METRICS_PROBE_MAX_S     30.0    /* seconds a probe may take, at most */
#define METRICS_PROBE_DEFAULT_S 5.0     /* without a scrape timeout from Prometheus */
#define METRICS_PROBE_MARGIN_S  0.5     /* taken off Prometheus's scrape timeout */

/* The row's serve function: hands the connection to libmicrohttpd. */
void metrics_serve_tcp(struct conn *c, const char *peer);

/* At exit, before the TCP server goes: ends every HTTP connection (a probe
 * running ends within its budget) and frees what the service holds. */
void metrics_stop(void);

#endif
