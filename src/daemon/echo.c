/* echo.c: the echo service, over TCP ([tcp]: the greeting, then each
 * chunk answered with reply_prefix and the chunk, until the end) and over
 * UDP ([udp]: with echo = yes, each datagram answered with reply_prefix
 * and the payload, within the datagram's size, held back by the UDP
 * core's rules and the echo's rates). Rows of services.c.
 *
 * It must not decide who is served (admission is done when it is
 * called), nor send a UDP reply but through dgram_reply(). */
#include "echo.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "clock.h"
#include "conn.h"
#include "connhist.h"
#include "log.h"
#include "net.h"
#include "ratelimit.h"
#include "report.h"
#include "udpcore.h"

/* struct tcp_info as Linux 4.10 and later fill it: glibc's, then what came
 * after it (the minimum RTT among it). */
struct tcp_info_ext {
	struct tcp_info base;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt;
};

static const char *reason_of(int err)
{
	switch (err) {
	case EAGAIN:
		return "idle-timeout";
	case ECONNRESET:
		return "reset";
	case EPIPE:
		return "peer-closed";
	default:
		return strerror(err);
	}
}

/* Reads and answers until the connection ends; returns why it did. With
 * proxy_protocol = optional, a client not in proxy_from whose first bytes
 * are a PROXY header is refused, unanswered. */
static const char *exchange(struct conn *w, const char *peer, uint64_t *in, uint64_t *out)
{
	const struct config *cfg = w->cfg;
	bool first = w->refuse_header;   /* a PROXY header in them is refused */

	for (;;) {
		ssize_t n;

		if (atomic_load_explicit(&w->stop, memory_order_relaxed))
			return conn_drain_on_stop(w);
		n = recv(w->fd, w->buf, sizeof w->buf, 0);
		if (n > 0 && first) {
			first = false;
			if (!admit_first_bytes(w, peer, w->buf, (size_t)n))
				return "proxy-header";
		}
		if (n > 0) {
			struct iovec iov[2] = {
				{ (void *)cfg->tcp.reply_prefix.data, cfg->tcp.reply_prefix.len },
				{ w->buf, (size_t)n },
			};
			struct iovec *v = cfg->tcp.reply_prefix.len > 0 ? iov : iov + 1;
			int rc;

			*in += (uint64_t)n;
			atomic_store_explicit(&w->in, *in, memory_order_relaxed);
			if (cfg->log.data)
				log_data("tcp data", peer, w->buf, (size_t)n, true);
			rc = conn_send_all(w, v, (int)(iov + 2 - v), out);
			atomic_store_explicit(&w->out, *out, memory_order_relaxed);
			if (rc < 0)
				return errno == EAGAIN ? "send-timeout" : reason_of(errno);
			continue;
		}
		if (n == 0)
			return "eof";
		if (errno != EINTR)
			return reason_of(errno);
	}
}

/* How the connection's SYN arrived, as log fields, and the local address
 * it reached (syn: as conn_read_syn()'s). */
static void open_facts(int fd, unsigned char *syn, char *local, size_t localsize, char *fields,
		       size_t size)
{
	struct syn_facts f;

	net_local(fd, local, localsize);
	conn_read_syn(fd, syn, &f, fields, size);
}

/* What TCP learnt of the path, for the close line: " rtt=12.3ms
 * rtt_min=11.9ms retrans=0 pmtu=1500"; "" when it cannot say (buf NULL:
 * no line to write, no text made). The RTT in microseconds in *rtt_us
 * (0: not known), for connhist.h. */
static void close_facts(int fd, char *buf, size_t size, uint32_t *rtt_us)
{
	struct tcp_info_ext ti;
	socklen_t len = sizeof ti;

	if (buf != NULL)
		buf[0] = '\0';
	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || len < sizeof ti.base)
		return;
	*rtt_us = ti.base.tcpi_rtt;
	if (buf == NULL)
		return;
	if (len >= offsetof(struct tcp_info_ext, min_rtt) + sizeof ti.min_rtt)
		snprintf(buf, size, " rtt=%.3fms rtt_min=%.3fms retrans=%u pmtu=%u",
			 ti.base.tcpi_rtt / 1000.0, ti.min_rtt / 1000.0, ti.base.tcpi_total_retrans,
			 ti.base.tcpi_pmtu);
	else
		snprintf(buf, size, " rtt=%.3fms retrans=%u pmtu=%u", ti.base.tcpi_rtt / 1000.0,
			 ti.base.tcpi_total_retrans, ti.base.tcpi_pmtu);
}

/* The echo: the greeting, then each chunk answered, until the end. */
void echo_serve_tcp(struct conn *w, const char *peer)
{
	const struct config *cfg = w->cfg;
	char local[NET_ADDRSTRLEN], facts[REPORT_FIELDS_MAX], tcpinfo[128] = "";
	char via[NET_ADDRSTRLEN + 8];
	uint64_t in = 0, out = 0;
	uint32_t rtt_us = 0;
	const char *reason;
	double start = clock_now();
	int fd = w->fd;
	bool say;

	conn_via(w, via, sizeof via);
	if (cfg->log.path_facts && log_admit_kind(LOG_INFO, "tcp open")) {
		open_facts(fd, (unsigned char *)w->buf, local, sizeof local, facts, sizeof facts);
		log_msg(LOG_INFO, "tcp open peer=%s%s local=%s %s", peer, via, local, facts);
	} else if (cfg->log.path_facts) {
		/* no line: no facts made, but the saved SYN is read all the
		 * same, or the kernel keeps it until the connection closes (a
		 * failure: none was saved, as after a SYN cookie; nothing to free) */
		socklen_t len = SAVED_SYN_MAX;

		(void)getsockopt(fd, IPPROTO_TCP, TCP_SAVED_SYN, w->buf, &len);
	} else if (log_admit_kind(LOG_INFO, "tcp open")) {
		log_msg(LOG_INFO, "tcp open peer=%s%s local=%s", peer, via,
			net_local(fd, local, sizeof local));
	}
	if (conn_options(w) < 0) {
		reason = strerror(errno);
		stats_add(&conn_stats(w)->errors, 1);
	} else {
		struct iovec greeting = { (void *)cfg->tcp.greeting.data, cfg->tcp.greeting.len };

		if (greeting.iov_len > 0 && conn_send_all(w, &greeting, 1, &out) < 0)
			reason = reason_of(errno);
		else
			reason = exchange(w, peer, &in, &out);
		/* what our own forced close at the end of shutdown_timeout looks like */
		if (atomic_load(&w->stop) &&
		    (strcmp(reason, "peer-closed") == 0 || strcmp(reason, "reset") == 0))
			reason = "shutdown";
	}
	/* TCP_INFO for the close line, and for the metrics' RTT histogram */
	say = cfg->log.path_facts && log_enabled(LOG_INFO);
	if (say || cfg->service[CONFIG_METRICS].enabled)
		close_facts(fd, say ? tcpinfo : NULL, sizeof tcpinfo, &rtt_us);
	conn_close(w, peer);
	connhist_note(clock_now() - start, rtt_us);
	atomic_store_explicit(&w->in, in, memory_order_relaxed);
	atomic_store_explicit(&w->out, out, memory_order_relaxed);
	log_conn(LOG_INFO,
		 "tcp close peer=%s%s in=%" PRIu64 " out=%" PRIu64 " duration=%.3fs reason=%s%s",
		 peer, via, in, out, clock_now() - start, reason, tcpinfo);
}

/* The echo: the prefix, then the payload, cut to the datagram's size, so
 * that a reply is never larger than what asked for it (with the default
 * empty prefix it is the datagram itself); only with [udp] echo = yes. */
void echo_serve_udp(struct dgram *d, void *state)
{
	const struct config_text *prefix = &d->cfg->udp.reply_prefix;
	size_t plen = prefix->len < d->len ? prefix->len : d->len;
	struct iovec iov[2] = {
		{ (void *)prefix->data, plen },
		{ (void *)d->data, d->len - plen },
	};
	const char *why;

	if (!d->cfg->udp.echo)
		return;
	why = dgram_hold(d, state);
	if (why != NULL)
		dgram_held_back(d, "echo", why, &d->st->service[SERVICE_ECHO].udp_held);
	else
		(void)dgram_reply(d, iov, 2, "echo", NULL);
}

/* The echo's rates: [udp] echo_rate and echo_rate_total. */
void *echo_udp_new(const struct config *cfg)
{
	uint64_t key[2];

	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		return NULL;
	return ratelimit_new(key[0], key[1], (double)cfg->udp.echo_rate,
			     (double)cfg->udp.echo_rate_total);
}

void echo_udp_configure(void *state, const struct config *cfg)
{
	ratelimit_set(state, (double)cfg->udp.echo_rate, (double)cfg->udp.echo_rate_total);
}

void echo_udp_free(void *state)
{
	ratelimit_free(state);
}
