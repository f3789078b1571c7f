/* metricstext.c: the text of GET /metrics (see metricstext.h).
 *
 * It must not change a counter nor take a lock of its own: it reads
 * relaxed atomics and /proc, and the TCP server's counts through
 * tcp_counters() and tcp_threads(), which hold the server's lock for a
 * walk of its busy list at most; it writes only into the caller's buffer. */
#include "metricstext.h"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "connhist.h"
#include "reloadfacts.h"
#include "service.h"

#define L(n, v) ((const struct prom_label[]){ { n, v } })

/* A family's value for each service (by enum service), over one protocol;
 * NO_SAMPLE where there is none to give. */
#define NO_SAMPLE (-1.0)
typedef double column_t[SERVICE_LABELS];

/* The services and the protocols each serves, from the table (service.h). */
struct services {
	const char *name[SERVICE_LABELS];
	unsigned protocols[SERVICE_LABELS]; /* SERVICE_TCP | SERVICE_UDP */
};

static void services_known(struct services *s)
{
	unsigned n;
	const struct service_row *rows = service_rows(&n);

	memset(s, 0, sizeof *s);
	for (unsigned k = 0; k < n; k++) {
		s->name[rows[k].label] = rows[k].name;
		s->protocols[rows[k].label] |= rows[k].protocols;
	}
}

/* One family with a sample for each service and protocol it serves
 * (tcp or udp NULL: the family is not that protocol's). */
static void by_service(struct promtext *p, const struct services *s, const char *name,
		       enum prom_type type, const char *help, const column_t tcp,
		       const column_t udp)
{
	promtext_family(p, name, type, help);
	for (unsigned k = 0; k < SERVICE_LABELS; k++) {
		const struct prom_label l[] = {{"service", s->name[k]}, {"protocol", "tcp"}},
					u[] = {{"service", s->name[k]}, {"protocol", "udp"}};

		if (s->name[k] == NULL)
			continue;
		if (tcp != NULL && (s->protocols[k] & SERVICE_TCP) && tcp[k] >= 0)
			promtext_sample(p, "", l, 2, tcp[k]);
		if (udp != NULL && (s->protocols[k] & SERVICE_UDP) && udp[k] >= 0)
			promtext_sample(p, "", u, 2, udp[k]);
	}
}

/* The counter at offset in struct service_stats, for each service. */
static const double *column(column_t out, struct stats *st, size_t offset)
{
	for (unsigned k = 0; k < SERVICE_LABELS; k++)
		out[k] = (double)stats_get((stat_t *)((char *)&st->service[k] + offset));
	return out;
}

#define COLUMN(st, field) column((column_t){0}, (st), offsetof(struct service_stats, field))

/* Connections open and TCP bytes, for each service. The metrics service's
 * connections are libmicrohttpd's once handed over (v->http_open), and
 * their bytes are not counted: no sample rather than a wrong one. */
static void tcp_columns(const struct metrics_view *v, column_t active, column_t in, column_t out)
{
	struct tcp_counts by[SERVICE_LABELS] = {{0, 0, 0}};

	if (v->srv != NULL)
		tcp_counters(v->srv, by, NULL);
	for (unsigned k = 0; k < SERVICE_LABELS; k++) {
		active[k] = (double)by[k].active;
		in[k] = (double)by[k].in;
		out[k] = (double)by[k].out;
	}
	active[SERVICE_METRICS] = (double)v->http_open;
	in[SERVICE_METRICS] = out[SERVICE_METRICS] = NO_SAMPLE;
}

/* Path reports sent: the report service's alone. */
static void reports(struct promtext *p, const struct services *s, struct stats *st)
{
	column_t tcp, udp;

	column(tcp, st, offsetof(struct service_stats, tcp_reports));
	column(udp, st, offsetof(struct service_stats, udp_reports));
	for (unsigned k = 0; k < SERVICE_LABELS; k++)
		if (k != SERVICE_REPORT)
			tcp[k] = udp[k] = NO_SAMPLE;
	by_service(p, s, "netecho_reports_total", PROM_COUNTER, "Path reports sent.", tcp, udp);
}

static void counters(struct promtext *p, const struct metrics_view *v)
{
	struct stats *st = v->st;
	struct services s;
	column_t active, in, out;

	services_known(&s);
	tcp_columns(v, active, in, out);
	by_service(p, &s, "netecho_connections_total", PROM_COUNTER,
		   "TCP connections accepted and served.", COLUMN(st, tcp_total), NULL);
	by_service(p, &s, "netecho_connections_refused_total", PROM_COUNTER,
		   "TCP connections accepted and closed at once by a limit.",
		   COLUMN(st, tcp_refused), NULL);
	by_service(p, &s, "netecho_denied_total", PROM_COUNTER,
		   "Connections and datagrams refused by an access list.", COLUMN(st, tcp_denied),
		   COLUMN(st, udp_denied));
	by_service(p, &s, "netecho_proxy_errors_total", PROM_COUNTER,
		   "Connections closed for a bad, missing or untrusted PROXY header.",
		   COLUMN(st, proxy_errors), NULL);
	by_service(p, &s, "netecho_received_bytes_total", PROM_COUNTER,
		   "Bytes received from clients (not the metrics service's HTTP).", in,
		   COLUMN(st, udp_bytes));
	by_service(p, &s, "netecho_sent_bytes_total", PROM_COUNTER,
		   "Bytes sent to clients over TCP (not the metrics service's HTTP).", out, NULL);
	by_service(p, &s, "netecho_datagrams_total", PROM_COUNTER, "UDP datagrams received.", NULL,
		   COLUMN(st, udp_datagrams));
	by_service(
		p, &s, "netecho_replies_held_total", PROM_COUNTER,
		"UDP replies not sent: the echo's rate limits and loops; the report's too small a probe, rate limits.",
		NULL, COLUMN(st, udp_held));
	reports(p, &s, st);
	promtext_family(p, "netecho_errors_total", PROM_COUNTER,
			"Failed system calls and resources.");
	promtext_sample(p, "", NULL, 0, (double)stats_get(&st->errors));
	by_service(p, &s, "netecho_connections_active", PROM_GAUGE,
		   "TCP connections open now (the metrics service's: libmicrohttpd's).", active,
		   NULL);
}

/* a number from /proc/self/status ("Threads:"); -1 when it cannot say */
static double status_field(const char *field)
{
	char line[256];
	double v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0 &&
		    sscanf(line + strlen(field), "%lf", &v) == 1)
			break;
	fclose(f);
	return v;
}

static double open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	double n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;           /* less the directory's own descriptor */
}

static void gauge(struct promtext *p, const char *name, const char *help, double v)
{
	if (v < 0)
		return;         /* not known: no sample rather than a wrong one */
	promtext_family(p, name, PROM_GAUGE, help);
	promtext_sample(p, "", NULL, 0, v);
}

/* the connection threads: serving a connection, and cached */
static void threads(struct promtext *p, const struct metrics_view *v)
{
	uint64_t serving, cached;

	if (v->srv == NULL)
		return;
	tcp_threads(v->srv, &serving, &cached);
	promtext_family(
		p, "netecho_connection_threads", PROM_GAUGE,
		"Connection threads: serving a TCP connection, or cached for the next one.");
	promtext_sample(p, "", L("state", "serving"), 1, (double)serving);
	promtext_sample(p, "", L("state", "cached"), 1, (double)cached);
}

void metricstext_write(struct promtext *p, const struct metrics_view *v)
{
	struct rlimit rl;

	promtext_family(p, "netecho_build_info", PROM_GAUGE,
			"netechod's version, as a label; the value is always 1.");
	promtext_sample(p, "", L("version", PACKAGE_VERSION), 1, 1);
	counters(p, v);
	connhist_write(p);
	reloadfacts_write(p, v->started);
	gauge(p, "netecho_threads", "Threads of netechod, all of them.", status_field("Threads:"));
	threads(p, v);
	gauge(p, "netecho_open_fds", "Descriptors open.", open_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		gauge(p, "netecho_max_fds", "Descriptors netechod may open (RLIMIT_NOFILE).",
		      (double)rl.rlim_cur);
	gauge(p, "netecho_metrics_start_time_seconds",
	      "When the metrics service started, in seconds since the epoch.", v->started);
	gauge(p, "netecho_probes_running", "/probe requests probing now.", v->probes_running);
}
