/* metricstext.c: the text of GET /metrics (see metricstext.h).
 *
 * It must not change a counter nor take a lock: it reads relaxed atomics
 * and /proc, and writes only into the caller's buffer. */
#include "metricstext.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "connhist.h"
#include "reloadfacts.h"

#define L(n, v) ((const struct prom_label[]){ { n, v } })

static void counter(struct promtext *p, const char *name, const char *help, stat_t *c)
{
	promtext_family(p, name, PROM_COUNTER, help);
	promtext_sample(p, "", NULL, 0, (double)stats_get(c));
}

/* one family, a sample for each protocol */
static void by_protocol(struct promtext *p, const char *name, const char *help, double tcp,
			double udp)
{
	promtext_family(p, name, PROM_COUNTER, help);
	if (tcp >= 0)
		promtext_sample(p, "", L("protocol", "tcp"), 1, tcp);
	if (udp >= 0)
		promtext_sample(p, "", L("protocol", "udp"), 1, udp);
}

static void counters(struct promtext *p, const struct metrics_view *v)
{
	struct stats *st = v->st;
	uint64_t active = 0, in = 0, out = 0;

	if (v->srv != NULL)
		tcp_counters(v->srv, &active, &in, &out);
	counter(p, "netecho_tcp_connections_total", "TCP connections accepted and served.",
		&st->tcp_total);
	counter(p, "netecho_tcp_refused_total",
		"TCP connections accepted and closed at once by a limit.", &st->tcp_refused);
	by_protocol(p, "netecho_denied_total",
		    "Connections and datagrams refused by an access list.",
		    (double)stats_get(&st->tcp_denied), (double)stats_get(&st->udp_denied));
	counter(p, "netecho_proxy_errors_total",
		"Connections closed for a bad, missing or untrusted PROXY header.",
		&st->proxy_errors);
	by_protocol(p, "netecho_received_bytes_total", "Bytes received from clients.",
		    (double)in, (double)stats_get(&st->udp_bytes));
	by_protocol(p, "netecho_sent_bytes_total", "Bytes sent to clients over TCP.", (double)out,
		    -1);
	counter(p, "netecho_udp_datagrams_total", "UDP datagrams received.", &st->udp_datagrams);
	counter(p, "netecho_udp_echo_held_total",
		"UDP echoes not sent: rate limits, loops.", &st->udp_echo_held);
	counter(p, "netecho_reports_total", "Path reports sent, TCP and UDP.", &st->reports);
	counter(p, "netecho_reports_held_total",
		"UDP path reports not sent: too small a probe, rate limits.", &st->reports_held);
	counter(p, "netecho_errors_total", "Failed system calls and resources.", &st->errors);
	promtext_family(p, "netecho_tcp_connections_active", PROM_GAUGE,
			"TCP connections being served now.");
	promtext_sample(p, "", L("service", "echo"), 1, (double)active);
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

void metricstext_write(struct promtext *p, const struct metrics_view *v)
{
	struct rlimit rl;

	promtext_family(p, "netecho_build_info", PROM_GAUGE,
			"netechod's version, as a label; the value is always 1.");
	promtext_sample(p, "", L("version", PACKAGE_VERSION), 1, 1);
	counters(p, v);
	connhist_write(p);
	reloadfacts_write(p, v->started);
	gauge(p, "netecho_threads", "Threads of netechod, serving and cached.",
	      status_field("Threads:"));
	gauge(p, "netecho_open_fds", "Descriptors open.", open_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		gauge(p, "netecho_max_fds", "Descriptors netechod may open (RLIMIT_NOFILE).",
		      (double)rl.rlim_cur);
	gauge(p, "netecho_metrics_start_time_seconds",
	      "When the metrics service started, in seconds since the epoch.", v->started);
	gauge(p, "netecho_probes_running", "/probe requests probing now.", v->probes_running);
}
