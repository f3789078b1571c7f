/* statsline.c: the counters as text (see statsline.h).
 *
 * It must not change a counter: it reads them and writes text into the
 * caller's buffer. */
#include "statsline.h"

#include <inttypes.h>
#include <stdio.h>

#include "log.h"
#include "outbuf.h"

/* " tcp=7000:12,7001:3": the ports of one protocol that were reached, at
 * most STATS_PORTS_SHOWN, then how many more. */
#define STATS_PORTS_SHOWN 64
static void ports_reached(struct outbuf *o, const char *proto, stat_t *counts)
{
	size_t shown = 0, more = 0;

	if (counts == NULL)
		return;
	for (unsigned p = 0; p < STATS_PORTS; p++) {
		uint64_t n = stats_get(&counts[p]);

		if (n == 0)
			continue;
		if (shown == STATS_PORTS_SHOWN)
			more++;
		else if (shown++ == 0)
			outbuf_add(o, " %s=%u:%" PRIu64, proto, p, n);
		else
			outbuf_add(o, ",%u:%" PRIu64, p, n);
	}
	if (more > 0)
		outbuf_add(o, " (+%zu more)", more);
}

void statsline_log(struct stats *st, const struct statsline_extra *x)
{
	log_notice("stats uptime=%.0f tcp_active=%" PRIu64 " tcp_total=%" PRIu64
		   " tcp_refused=%" PRIu64 " tcp_denied=%" PRIu64 " tcp_bytes_in=%" PRIu64
		   " tcp_bytes_out=%" PRIu64 " udp_datagrams=%" PRIu64 " udp_bytes=%" PRIu64
		   " udp_denied=%" PRIu64 " udp_echo_held=%" PRIu64 " reports=%" PRIu64
		   " reports_held=%" PRIu64 " proxy_errors=%" PRIu64 " reloads=%lu errors=%" PRIu64,
		   x->uptime, x->tcp_active, STATS_TOTAL(st, tcp_total),
		   STATS_TOTAL(st, tcp_refused), STATS_TOTAL(st, tcp_denied), x->tcp_in, x->tcp_out,
		   STATS_TOTAL(st, udp_datagrams), STATS_TOTAL(st, udp_bytes),
		   STATS_TOTAL(st, udp_denied), stats_get(&st->service[SERVICE_ECHO].udp_held),
		   STATS_TOTAL(st, tcp_reports) + STATS_TOTAL(st, udp_reports),
		   stats_get(&st->service[SERVICE_REPORT].udp_held), STATS_TOTAL(st, proxy_errors),
		   x->reloads, stats_get(&st->errors));
	/* a line a protocol: each fits a log line */
	if (x->many_ports) {
		char line[(STATS_PORTS_SHOWN + 1) * 28];
		struct outbuf o;

		outbuf_start(&o, line, sizeof line);
		ports_reached(&o, "tcp", st->tcp_port);
		log_notice("stats ports%s", line[0] != '\0' ? line : " tcp=none");
		outbuf_start(&o, line, sizeof line);
		ports_reached(&o, "udp", st->udp_port);
		log_notice("stats ports%s", line[0] != '\0' ? line : " udp=none");
	}
}

void statsline_status(struct stats *st, const struct statsline_extra *x, char *buf, size_t size)
{
	snprintf(buf, size,
		 "%" PRIu64 " connections open, %" PRIu64 " served, %" PRIu64 " refused, %" PRIu64
		 " denied; %" PRIu64 " datagrams, %" PRIu64 " denied",
		 x->tcp_active, STATS_TOTAL(st, tcp_total), STATS_TOTAL(st, tcp_refused),
		 STATS_TOTAL(st, tcp_denied), STATS_TOTAL(st, udp_datagrams),
		 STATS_TOTAL(st, udp_denied));
}
