/* reportsvc.c: the path report service ([report]), both halves: over
 * TCP, one line, the JSON of how the connection's SYN arrived (the
 * proxy's, when it came through one, which the report says), and the
 * connection ends; over UDP, the JSON of how the datagram arrived, sent
 * only when it is smaller than the datagram. The facts and the JSON are
 * report.c's (pure); the client's reader is pathreport.c. A row of
 * services.c.
 *
 * It must not decide who is served, nor send a UDP reply but through
 * dgram_reply(), nor ever answer with more bytes than asked. */
#include "reportsvc.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "conn.h"
#include "log.h"
#include "net.h"
#include "probemem.h"
#include "ratelimit.h"
#include "report.h"
#include "udpcore.h"

#define REPORT_DRAIN 8          /* reads of what a report's client sent, before closing */

/* The report service on TCP: one line, the JSON of how the connection's
 * SYN arrived (the proxy's, when it came through one, which the report
 * says), and the connection ends. */
void report_serve_tcp(struct conn *w, const char *peer)
{
	const struct config *cfg = w->cfg;
	struct syn_facts facts;
	struct net_addr local;
	bool have_syn, have_local;
	char json[REPORT_JSON_MAX], where[NET_ADDRSTRLEN] = "?", via[NET_ADDRSTRLEN + 8];
	char fields[REPORT_FIELDS_MAX];
	size_t n;
	uint64_t out = 0;
	struct iovec iov;
	struct tcp_info ti;
	socklen_t tilen = sizeof ti;
	long synack_mss = -1;
	int synack_wscale = -1;

	have_syn = conn_read_syn(w->fd, (unsigned char *)w->buf, &facts, fields, sizeof fields);
	have_local = net_local_addr(w->fd, &local) == 0;
	/* the MSS the SYN-ACK announced: the connection's advmss, less the
	 * timestamps option once they were agreed */
	if (getsockopt(w->fd, IPPROTO_TCP, TCP_INFO, &ti, &tilen) == 0 && ti.tcpi_advmss > 0) {
		synack_mss = (long)ti.tcpi_advmss +
			     ((ti.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0 ? REPORT_TS_OPTION : 0);
		/* window scale agreed: the SYN-ACK carried this end's; else none */
		synack_wscale = (ti.tcpi_options & TCPI_OPT_WSCALE) != 0 ? ti.tcpi_rcv_wscale
									  : REPORT_NONE;
	}
	n = report_tcp_json(
		json, sizeof json, have_syn ? &facts : NULL, (const struct sockaddr *)&w->peer,
		w->peerlen,
		have_local && cfg->report.show_local ? (const struct sockaddr *)&local.ss : NULL,
		have_local ? local.len : 0,
		w->proxylen > 0 ? (const struct sockaddr *)&w->proxy : NULL, w->proxylen,
		&(struct report_synack){ synack_mss, synack_wscale });
	iov = (struct iovec){ json, n };
	if (conn_options(w) < 0 || conn_send_all(w, &iov, 1, &out) < 0) {
		stats_add(&conn_stats(w)->errors, 1);
	} else {
		stats_add(&conn_stats(w)->service[SERVICE_REPORT].tcp_reports, 1);
		atomic_store_explicit(&w->out, out, memory_order_relaxed);
		/* what the client sent goes unread: read it, so that closing
		 * sends a FIN after the report rather than a reset before it */
		for (int i = 0;
		     i < REPORT_DRAIN && recv(w->fd, w->buf, sizeof w->buf, MSG_DONTWAIT) > 0; i++)
			;
	}
	if (have_local)
		net_format((const struct sockaddr *)&local.ss, local.len, where, sizeof where);
	conn_close(w, peer);
	if (!log_admit_kind(LOG_INFO, "report tcp"))
		return;
	log_msg(LOG_INFO, "report tcp peer=%s%s local=%s %s len=%zu", peer,
		conn_via(w, via, sizeof via), where, fields, n);
}

/* What the report keeps between datagrams: its rates ([report] rate,
 * rate_total) and the --pmtu probes that came. */
struct report_state {
	struct ratelimit *limit;
	struct probemem *mem;
};

/* The report: how the datagram arrived, as JSON, when it is at least
 * REPORT_MARGIN bytes smaller than the datagram that asked: it never
 * amplifies, and a report sent to an echo service (or to another report
 * service) comes back too small to be answered, so no loop outlives one
 * round (two reports differ in length by the digits of the sizes they
 * name: fewer than REPORT_MARGIN). */
void report_serve_udp(struct dgram *d, void *state)
{
	struct report_state *rs = state;
	char json[REPORT_JSON_MAX];
	struct iovec iov = { json, 0 };
	const char *why;
	struct dgram_facts g = *d->f;
	struct probemem_view session;
	uint64_t id;
	unsigned seq;

	/* a --pmtu probe is remembered even when its report is held back */
	if (probemem_parse(d->data, d->len, &id, &seq) == 0) {
		probemem_note(rs->mem, d->from, id, seq, d->now, &session);
		g.session = &session;
	}
	d->f = &g;
	iov.iov_len = report_udp_json(
		json, sizeof json, d->f, d->len, d->from, d->fromlen,
		d->cfg->report.show_local ? (const struct sockaddr *)&d->dst->ss : NULL,
		d->dst->len);
	why = iov.iov_len + REPORT_MARGIN > d->len ? "probe-too-small" : dgram_hold(d, rs->limit);
	if (why != NULL) {
		dgram_held_back(d, "report", why, &d->st->service[SERVICE_REPORT].udp_held);
		return;
	}
	/* as the report says (report.h): a known TTL, the probe's own marks */
	if (dgram_reply(d, &iov, 1, "report",
			&(struct dgram_marks){.ttl = REPORT_REPLY_TTL, .tos = d->f->tos}))
		stats_add(&d->st->service[SERVICE_REPORT].udp_reports, 1);
}

void *report_udp_new(const struct config *cfg)
{
	struct report_state *rs = calloc(1, sizeof *rs);
	uint64_t key[2];

	if (rs == NULL)
		return NULL;
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key ||
	    (rs->limit = ratelimit_new(key[1], key[0], (double)cfg->report.rate,
				       (double)cfg->report.rate_total)) == NULL ||
	    (rs->mem = probemem_new(key[0] ^ key[1], key[1] + 1)) == NULL) {
		int saved = errno;

		report_udp_free(rs);
		errno = saved;
		return NULL;
	}
	return rs;
}

void report_udp_configure(void *state, const struct config *cfg)
{
	struct report_state *rs = state;

	ratelimit_set(rs->limit, (double)cfg->report.rate, (double)cfg->report.rate_total);
}

void report_udp_free(void *state)
{
	struct report_state *rs = state;

	if (rs == NULL)
		return;
	ratelimit_free(rs->limit);
	probemem_free(rs->mem);
	free(rs);
}
