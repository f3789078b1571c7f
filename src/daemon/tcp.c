/* tcp.c: listeners, the accept thread and one thread per connection (see
 * tcp.h).
 *
 * A connection thread blocks in recv() with SO_RCVTIMEO as its idle timeout,
 * and answers each chunk with one sendmsg() of prefix and chunk. To stop it,
 * tcp_stop_accepting() sets its stop flag and sends it WAKE_SIGNAL, whose
 * handler does nothing but interrupt recv() with EINTR; the thread then
 * half-closes, reads until the client closes (so close() never resets a
 * connection whose replies are still in flight) and ends.
 *
 * Descriptors: a connection accepted with a descriptor number at or above
 * the limit less TCP_FD_HEADROOM is closed at once (refused,
 * "out-of-descriptors"). Descriptor numbers are handed out lowest first,
 * so such a number means that fewer than TCP_FD_HEADROOM are left: the
 * accept thread refuses clients while it still has descriptors to refuse
 * them with, and the other threads (syslog, a reload) have room. Should
 * accept() fail with EMFILE all the same, the thread spends a spare
 * descriptor it keeps for the purpose to accept and close one client, and
 * opens it again at its next turn, for as long as that fails.
 *
 * The thread cache: a thread whose connection ended waits, while fewer
 * than [tcp] thread_cache do, for the accept thread to hand it the next
 * one, instead of ending; a connection costs a thread's creation only when
 * none waits. Idle threads come only from busy ones, so busy and idle
 * together never exceed max_connections. */
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "acl.h"
#include "clock.h"
#include "heartbeat.h"
#include "log.h"
#include "net.h"
#include "proxyparse.h"
#include "report.h"
#include "shared.h"
#include "srclimit.h"
#include "synparse.h"

#define WAKE_SIGNAL      (SIGRTMIN + 1)
#define ACCEPT_BATCH     64     /* accepts per listener before looking at the others */
#define EVENTS           64     /* epoll events per wait */
#define BACKOFF_MIN_MS   10     /* first pause after accept() or a thread fails */
#define BACKOFF_MAX_MS   1000
#define RESIGNAL_MS      100    /* a stop request is repeated this often */
#define STOP_GRACE_S     5      /* after closing the rest, how long to wait for their threads */
#define SAVED_SYN_MAX    512    /* bytes of a saved SYN's headers: IPv6 extension headers too */
#define REPORT_DRAIN     8      /* reads of what a report's client sent, before closing */
#define PROXY_WAIT_S     5      /* seconds a proxy has to send its whole PROXY header */

/* struct tcp_info as Linux 4.10 and later fill it: glibc's, then what came
 * after it (the minimum RTT among it). */
struct tcp_info_ext {
	struct tcp_info base;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt;
};

struct worker {
	struct tcp_server *srv;
	struct worker *prev, *next;     /* on srv->busy, srv->idle or srv->dead */
	pthread_cond_t assigned;        /* idle: a connection came, or time to go */
	bool quit;                      /* under srv->lock: idle and no longer wanted */
	pthread_t tid;
	bool tid_valid;                 /* under srv->lock: tid is set */
	int fd;                         /* under srv->lock once serving; -1 once closed */
	struct sockaddr_storage peer;   /* under srv->lock: the client (from a PROXY header too) */
	socklen_t peerlen;
	struct sockaddr_storage proxy;  /* the proxy it came through, when it did */
	socklen_t proxylen;             /* 0: it did not */
	enum service service;           /* the echo or the report */
	bool from_proxy;                /* from proxy_from: a PROXY header is to be read */
	struct config *cfg;             /* this connection's settings (a reference) */
	bool per_source;                /* counted in srv->sources */
	atomic_bool sending;            /* interrupted in a send: not to be interrupted again */
	atomic_bool stop;               /* asked to end (tcp_stop_accepting()) */
	atomic_bool stopping;           /* the thread has seen it */
	stat_t in, out;                 /* bytes so far, for the stats line */
	char buf[TCP_BUFSIZE];
};

/* A listener retired by a reload: drained until its time is up. */
struct retiring {
	struct sock sock;
	double until;
	long taken;
};

struct tcp_server {
	struct stats *st;
	pthread_mutex_t lock;
	pthread_cond_t changed;         /* a connection ended */
	struct shared_slot cfg;         /* for new connections */
	atomic_uint generation;         /* bumped by every reconfigure */
	struct sockset listeners;
	pthread_t acceptor;
	bool accepting;
	struct srclimit *sources;       /* under lock: connections per address */
	atomic_int fd_ceiling;          /* accepted descriptors from here on are refused */
	int spare_fd;                   /* accept thread: spent when accept() meets EMFILE */
	struct heartbeat beat;          /* the accept thread's, for the watchdog */
	bool out_of_fds;                /* accept thread: in that state, said once */
	uint64_t done_in, done_out;     /* under lock: bytes of ended connections */
	struct worker *busy;
	unsigned long nbusy;
	struct worker *idle;            /* the thread cache: threads waiting for a connection */
	unsigned long nidle;
	atomic_long thread_cache;       /* how many may wait there */
	struct worker *dead;            /* ended, to be joined */
	bool stopping;
	pthread_attr_t attr;
};

static void on_wake(int sig)
{
	(void)sig;      /* only interrupts a blocking call */
}

static void list_add(struct worker **head, struct worker *w)
{
	w->prev = NULL;
	w->next = *head;
	if (*head != NULL)
		(*head)->prev = w;
	*head = w;
}

static void list_del(struct worker **head, struct worker *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		*head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

/* close() whose failure can only be counted: the descriptor is gone
 * either way. */
static void close_counted(struct tcp_server *srv, int fd)
{
	if (close(fd) < 0)
		stats_add(&srv->st->errors, 1);
}

/* Sends all of the iovecs, going on after EINTR: a connection owes its
 * replies even while it is asked to stop. Once interrupted it sets
 * *sending, so that the stop procedure leaves it alone and the send
 * timeout can run its course. Adds what it sent to *out. Returns 0, or -1
 * with errno (EAGAIN: the send timeout passed). */
static int send_all(int fd, struct iovec *iov, int iovcnt, uint64_t *out, atomic_bool *sending)
{
	bool interrupted = false;
	int rc = 0;

	while (iovcnt > 0) {
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
		/* one buffer (no prefix): send() is the lighter call */
		ssize_t n = iovcnt == 1 ? send(fd, iov->iov_base, iov->iov_len, MSG_NOSIGNAL)
				       : sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR) {
				if (!interrupted)
					atomic_store(sending, true);
				interrupted = true;
				continue;
			}
			rc = -1;
			break;
		}
		*out += (uint64_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	if (interrupted) {
		int saved = errno;

		atomic_store(sending, false);
		errno = saved;
	}
	return rc;
}

static int set_timeout(int fd, int opt, long seconds)
{
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
}

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

/* TCP_NODELAY and the two timeouts of a new connection, from its own
 * configuration. */
static int connection_options(int fd, const struct config *cfg)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    set_timeout(fd, SO_RCVTIMEO, cfg->tcp.idle_timeout) < 0 ||
	    set_timeout(fd, SO_SNDTIMEO, cfg->tcp.send_timeout) < 0)
		return -1;
	return 0;
}

/* After a stop request: the replies are sent; half-close, then read and
 * drop whatever the client still sends until it closes. A client that
 * takes none of what it is sent (the bytes waiting in our send queue do
 * not shrink) for send_timeout is not waited for any longer. Returns the
 * reason the connection ends. */
static const char *half_close_and_drain(struct worker *w, long send_timeout)
{
	int unsent = -1, now;

	atomic_store(&w->stopping, true);
	if (shutdown(w->fd, SHUT_WR) < 0)
		return "shutdown";
	if (set_timeout(w->fd, SO_RCVTIMEO, send_timeout) < 0 ||
	    ioctl(w->fd, SIOCOUTQ, &unsent) < 0)
		unsent = -1;
	for (;;) {
		ssize_t n = recv(w->fd, w->buf, sizeof w->buf, 0);

		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && errno == EAGAIN && unsent >= 0 && ioctl(w->fd, SIOCOUTQ, &now) == 0) {
			if (now > 0 && now >= unsent)
				return "send-timeout";  /* it does not read */
			unsent = now;
			continue;               /* it reads, or has all: wait for its close */
		}
		return "shutdown";
	}
}

static bool whole_signature(const char *buf, size_t len);
static void proxy_refused(struct worker *w, const char *peer, const char *why);

/* Reads and answers until the connection ends; returns why it did. With
 * proxy_protocol = optional, a client not in proxy_from whose first bytes
 * are a PROXY header is refused, unanswered. */
static const char *exchange(struct worker *w, const char *peer, uint64_t *in, uint64_t *out)
{
	const struct config *cfg = w->cfg;
	bool first = !w->from_proxy && cfg->tcp.proxy_protocol == PROXY_OPTIONAL;

	for (;;) {
		ssize_t n;

		if (atomic_load_explicit(&w->stop, memory_order_relaxed))
			return half_close_and_drain(w, cfg->tcp.send_timeout);
		n = recv(w->fd, w->buf, sizeof w->buf, 0);
		if (n > 0 && first) {
			first = false;
			if (whole_signature(w->buf, (size_t)n)) {
				proxy_refused(w, peer,
					      "a PROXY header from a peer not in proxy_from");
				return "proxy-header";
			}
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
			rc = send_all(w->fd, v, (int)(iov + 2 - v), out, &w->sending);
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

/* The connection's SYN (the saved SYN can be read once: here) into *f,
 * and as log fields: its facts, or syn=unreadable or why it did not
 * parse. syn is room for SAVED_SYN_MAX bytes: the worker's buffer, whose
 * first page the connection's first recv() touches anyway, rather than
 * more of the thread's stack. Returns whether *f holds facts. */
static bool read_syn(int fd, unsigned char *syn, struct syn_facts *f, char *fields, size_t size)
{
	socklen_t len = SAVED_SYN_MAX;
	enum syn_result r;

	if (getsockopt(fd, IPPROTO_TCP, TCP_SAVED_SYN, syn, &len) < 0 || len == 0) {
		snprintf(fields, size, "syn=unreadable");
		return false;
	}
	r = synparse(syn, len, f);
	if (r != SYN_OK) {
		snprintf(fields, size, "syn=%s", synparse_error(r));
		return false;
	}
	report_syn_fields(fields, size, f);
	return true;
}

/* How the connection's SYN arrived, as log fields, and the local address
 * it reached (syn: as read_syn()'s). */
static void open_facts(int fd, unsigned char *syn, char *local, size_t localsize, char *fields,
		       size_t size)
{
	struct syn_facts f;

	net_local(fd, local, localsize);
	read_syn(fd, syn, &f, fields, size);
}

/* What TCP learnt of the path, for the close line: " rtt=12.3ms
 * rtt_min=11.9ms retrans=0 pmtu=1500"; "" when it cannot say. */
static void close_facts(int fd, char *buf, size_t size)
{
	struct tcp_info_ext ti;
	socklen_t len = sizeof ti;

	buf[0] = '\0';
	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || len < sizeof ti.base)
		return;
	if (len >= offsetof(struct tcp_info_ext, min_rtt) + sizeof ti.min_rtt)
		snprintf(buf, size, " rtt=%.3fms rtt_min=%.3fms retrans=%u pmtu=%u",
			 ti.base.tcpi_rtt / 1000.0, ti.min_rtt / 1000.0, ti.base.tcpi_total_retrans,
			 ti.base.tcpi_pmtu);
	else
		snprintf(buf, size, " rtt=%.3fms retrans=%u pmtu=%u", ti.base.tcpi_rtt / 1000.0,
			 ti.base.tcpi_total_retrans, ti.base.tcpi_pmtu);
}

static void refused(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		    const char *reason, long limit);
static void denied(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		   enum service service, const char *via);

/* The section of a service's settings: [tcp] for the echo. */
static enum config_section section_of(enum service service)
{
	return service == SERVICE_REPORT ? CONFIG_REPORT : CONFIG_TCP;
}

static int proxy_mode(const struct config *cfg, enum service service)
{
	return service == SERVICE_REPORT ? cfg->report.proxy_protocol : cfg->tcp.proxy_protocol;
}

/* " via=ADDRESS" when the connection came through a proxy, else "". */
static const char *via_of(const struct worker *w, char *buf, size_t size)
{
	char proxy[NET_ADDRSTRLEN];

	buf[0] = '\0';
	if (w->proxylen > 0)
		snprintf(buf, size, " via=%s",
			 net_format((const struct sockaddr *)&w->proxy, w->proxylen, proxy,
				    sizeof proxy));
	return buf;
}

/* Reads a proxy's PROXY header: waits for it (PROXY_WAIT_S at most), peeks
 * at what has come until it is whole, then takes exactly its bytes, so
 * that what follows is the client's. PROXY_NONE when the connection does
 * not begin with one (or, optional, sends nothing in the time); *why says
 * what was wrong otherwise. */
static enum proxy_result read_proxy_header(struct worker *w, bool optional, struct proxy_header *h,
					   const char **why)
{
	double deadline = clock_now() + PROXY_WAIT_S;
	int lowat = 1;
	ssize_t seen = 0;
	enum proxy_result r = PROXY_MORE;

	*why = NULL;
	while (r == PROXY_MORE) {
		struct pollfd p = { .fd = w->fd, .events = POLLIN | POLLRDHUP };
		int rc = poll(&p, 1, clock_ms_until(deadline));
		ssize_t n;

		if (rc < 0 && errno == EINTR) {
			if (atomic_load(&w->stop)) {
				*why = "the daemon stops";
				r = PROXY_BAD;
			}
			continue;
		}
		if (rc == 0) {
			if (optional && lowat == 1)
				return PROXY_NONE;      /* nothing came: no header */
			*why = "no whole PROXY header in 5 s";
			r = PROXY_BAD;
			continue;
		}
		n = rc < 0 ? -1 : recv(w->fd, w->buf, PROXY_MAX, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* nothing more than last time: either the peer closed its side
		 * (poll() would say so at once, for ever) or poll() woke below
		 * SO_RCVLOWAT (memory pressure): wait on, within the deadline */
		if (n == 0 || (n == seen && (p.revents & (POLLRDHUP | POLLHUP)))) {
			*why = "closed before its PROXY header";
			r = PROXY_BAD;
			continue;
		}
		if (n < 0) {
			*why = strerror(errno);
			r = PROXY_BAD;
			continue;
		}
		if (n == seen)
			continue;
		seen = n;
		r = proxy_parse(w->buf, (size_t)n, h, why);
		if (r == PROXY_MORE) {
			/* poll() again only once more than this has come */
			lowat = (int)n + 1;
			if (setsockopt(w->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) < 0) {
				*why = strerror(errno);
				r = PROXY_BAD;
			}
		}
	}
	if (lowat > 1) {
		lowat = 1;
		if (setsockopt(w->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) < 0 &&
		    r == PROXY_OK) {
			*why = strerror(errno);
			return PROXY_BAD;
		}
	}
	if (r == PROXY_NONE && !optional) {
		*why = "no PROXY header (proxy_protocol = yes)";
		return PROXY_BAD;
	}
	if (r == PROXY_OK && recv(w->fd, w->buf, h->length, MSG_WAITALL) != (ssize_t)h->length) {
		*why = "the PROXY header could not be taken";
		return PROXY_BAD;
	}
	return r;
}

/* Does a first chunk begin with a whole PROXY signature ("PROXY " or
 * version 2's twelve bytes)? */
static bool whole_signature(const char *buf, size_t len)
{
	return len >= 12 ? proxy_signature(buf, 12) : len >= 6 && memcmp(buf, "PROXY ", 6) == 0;
}

/* Counts and logs a connection closed for its PROXY header. */
static void proxy_refused(struct worker *w, const char *peer, const char *why)
{
	stats_add(&w->srv->st->proxy_errors, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE, "tcp proxy header refused peer=%s: %s", peer, why);
}

/* Before a connection is served: a proxy's PROXY header, whose client then
 * takes the proxy's place, and for such a client (or the proxy itself, when
 * no header named one) the access list and the per-source limit, which the
 * accept thread applied to everyone else. A
 * peer not in proxy_from that opens with a header, when headers are
 * optional, is refused. False when the connection is to be closed (it was
 * counted and logged). peer is the client's address as text, updated. */
static bool before_serving(struct worker *w, char *peer, size_t peersize)
{
	const struct config *cfg = w->cfg;
	int mode = proxy_mode(cfg, w->service);
	struct proxy_header h;
	const char *why;
	char via[NET_ADDRSTRLEN + 8];

	if (!w->from_proxy)
		return true;    /* (exchange() refuses one that sends a header) */
	switch (read_proxy_header(w, mode == PROXY_OPTIONAL, &h, &why)) {
	case PROXY_OK:
		break;
	case PROXY_NONE:
		h.local = true;         /* served as the proxy itself */
		break;
	default:
		proxy_refused(w, peer, why);
		return false;
	}
	/* LOCAL (a health check), UNKNOWN, no header: the proxy is the client */
	if (!h.local) {
		pthread_mutex_lock(&w->srv->lock);
		memcpy(&w->proxy, &w->peer, w->peerlen);
		w->proxylen = w->peerlen;
		memcpy(&w->peer, &h.src, h.srclen);
		w->peerlen = h.srclen;
		pthread_mutex_unlock(&w->srv->lock);
		net_format((struct sockaddr *)&w->peer, w->peerlen, peer, peersize);
	}
	if (acl_check(config_access(cfg, section_of(w->service)), (struct sockaddr *)&w->peer) ==
	    ACL_DENY) {
		denied(w->srv, &w->peer, w->peerlen, w->service, via_of(w, via, sizeof via));
		return false;
	}
	if (cfg->tcp.max_per_source > 0 && w->service == SERVICE_ECHO) {
		enum srclimit_result r;

		pthread_mutex_lock(&w->srv->lock);
		r = srclimit_take(w->srv->sources, (struct sockaddr *)&w->peer,
				  (unsigned long)cfg->tcp.max_per_source);
		w->per_source = r == SRCLIMIT_TAKEN;
		pthread_mutex_unlock(&w->srv->lock);
		if (r == SRCLIMIT_FULL || r == SRCLIMIT_NOMEM) {
			refused(w->srv, &w->peer, w->peerlen,
				r == SRCLIMIT_FULL ? "max_per_source" : "out-of-memory",
				r == SRCLIMIT_FULL ? cfg->tcp.max_per_source : 0);
			return false;
		}
	}
	return true;
}

/* Closes the connection's socket, which no other thread then touches:
 * -1 under the lock first, as tcp_stop_accepting() reads it. */
static void close_connection(struct worker *w, const char *peer)
{
	int fd = w->fd;

	pthread_mutex_lock(&w->srv->lock);
	w->fd = -1;
	pthread_mutex_unlock(&w->srv->lock);
	if (close(fd) < 0) {
		stats_add(&w->srv->st->errors, 1);
		log_conn(LOG_WARNING, "tcp close peer=%s: %s", peer, strerror(errno));
	}
}

/* The report service on TCP: one line, the JSON of how the connection's
 * SYN arrived (the proxy's, when it came through one, which the report
 * says), and the connection ends. */
static void serve_report(struct worker *w, const char *peer)
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

	have_syn = read_syn(w->fd, (unsigned char *)w->buf, &facts, fields, sizeof fields);
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
	if (connection_options(w->fd, cfg) < 0 ||
	    send_all(w->fd, &iov, 1, &out, &w->sending) < 0) {
		stats_add(&w->srv->st->errors, 1);
	} else {
		stats_add(&w->srv->st->reports, 1);
		atomic_store_explicit(&w->out, out, memory_order_relaxed);
		/* what the client sent goes unread: read it, so that closing
		 * sends a FIN after the report rather than a reset before it */
		for (int i = 0;
		     i < REPORT_DRAIN && recv(w->fd, w->buf, sizeof w->buf, MSG_DONTWAIT) > 0; i++)
			;
	}
	if (have_local)
		net_format((const struct sockaddr *)&local.ss, local.len, where, sizeof where);
	close_connection(w, peer);
	if (!log_admit_kind(LOG_INFO, "report tcp"))
		return;
	log_msg(LOG_INFO, "report tcp peer=%s%s local=%s %s len=%zu", peer,
		via_of(w, via, sizeof via), where, fields, n);
}

/* The echo: the greeting, then each chunk answered, until the end. */
static void serve_echo(struct worker *w, const char *peer)
{
	const struct config *cfg = w->cfg;
	char local[NET_ADDRSTRLEN], facts[REPORT_FIELDS_MAX], tcpinfo[128] = "";
	char via[NET_ADDRSTRLEN + 8];
	uint64_t in = 0, out = 0;
	const char *reason;
	double start = clock_now();
	int fd = w->fd;

	via_of(w, via, sizeof via);
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
	if (connection_options(fd, cfg) < 0) {
		reason = strerror(errno);
		stats_add(&w->srv->st->errors, 1);
	} else {
		struct iovec greeting = { (void *)cfg->tcp.greeting.data, cfg->tcp.greeting.len };

		if (greeting.iov_len > 0 && send_all(fd, &greeting, 1, &out, &w->sending) < 0)
			reason = reason_of(errno);
		else
			reason = exchange(w, peer, &in, &out);
		/* what our own forced close at the end of shutdown_timeout looks like */
		if (atomic_load(&w->stop) &&
		    (strcmp(reason, "peer-closed") == 0 || strcmp(reason, "reset") == 0))
			reason = "shutdown";
	}
	if (cfg->log.path_facts && log_enabled(LOG_INFO))
		close_facts(fd, tcpinfo, sizeof tcpinfo);
	close_connection(w, peer);
	atomic_store_explicit(&w->in, in, memory_order_relaxed);
	atomic_store_explicit(&w->out, out, memory_order_relaxed);
	log_conn(LOG_INFO,
		 "tcp close peer=%s%s in=%" PRIu64 " out=%" PRIu64 " duration=%.3fs reason=%s%s",
		 peer, via, in, out, clock_now() - start, reason, tcpinfo);
}

/* Serves one connection from accept to close. */
static void serve(struct worker *w)
{
	char peer[NET_ADDRSTRLEN];

	net_format((struct sockaddr *)&w->peer, w->peerlen, peer, sizeof peer);
	if (!before_serving(w, peer, sizeof peer)) {
		close_connection(w, peer);
		return;
	}
	stats_add(&w->srv->st->tcp_total, 1);   /* served: once its client passed */
	if (w->service == SERVICE_REPORT)
		serve_report(w, peer);
	else
		serve_echo(w, peer);
}

/* A connection the accept thread took, and what it decided of it. */
struct arrival {
	int fd;
	struct sockaddr_storage ss;
	socklen_t len;
	enum service service;
	bool from_proxy;                /* from proxy_from: a PROXY header comes first */
};

/* Gives a connection to w, a new thread or one from the cache; with
 * srv->lock held (or before the thread exists). */
static void assign(struct worker *w, const struct arrival *a, struct config *cfg, bool counted)
{
	w->fd = a->fd;
	w->quit = false;
	memcpy(&w->peer, &a->ss, a->len);
	w->peerlen = a->len;
	w->proxylen = 0;
	w->service = a->service;
	w->from_proxy = a->from_proxy;
	w->cfg = cfg;
	w->per_source = counted;
	atomic_store(&w->stop, false);
	atomic_store(&w->stopping, false);
	atomic_store(&w->in, 0);
	atomic_store(&w->out, 0);
	atomic_store(&w->sending, false);
}

/* A thread whose connection ended: into the cache, while there is room,
 * to wait for the next one (true when it came), or onto the dead list.
 * With srv->lock held. */
static bool wait_in_cache(struct tcp_server *srv, struct worker *w)
{
	if (srv->stopping || srv->nidle >= (unsigned long)atomic_load(&srv->thread_cache))
		return false;
	list_add(&srv->idle, w);
	srv->nidle++;
	/* the accept thread hands over the next connection and moves us to
	 * busy */
	while (w->fd < 0 && !w->quit && !srv->stopping)
		pthread_cond_wait(&w->assigned, &srv->lock);
	if (w->fd >= 0)
		return true;
	/* stopping, or no longer wanted: leave the cache (counted in it until
	 * now, so that a shutdown waits for us) */
	list_del(&srv->idle, w);
	srv->nidle--;
	return false;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tcp_server *srv = w->srv;
	sigset_t wake;
	bool again;

	pthread_setname_np(pthread_self(), "tcp-conn");
	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	if (pthread_sigmask(SIG_UNBLOCK, &wake, NULL) != 0)
		log_conn(
			LOG_WARNING,
			"tcp: a connection thread cannot be woken to stop; it ends at shutdown_timeout");
	do {
		serve(w);
		shared_unref(w->cfg);
		w->cfg = NULL;
		pthread_mutex_lock(&srv->lock);
		if (w->per_source)
			srclimit_put(srv->sources, (struct sockaddr *)&w->peer);
		srv->done_in += atomic_load_explicit(&w->in, memory_order_relaxed);
		srv->done_out += atomic_load_explicit(&w->out, memory_order_relaxed);
		list_del(&srv->busy, w);
		srv->nbusy--;
		pthread_cond_broadcast(&srv->changed);
		again = wait_in_cache(srv, w);
		if (!again) {
			list_add(&srv->dead, w);
			pthread_cond_broadcast(&srv->changed);
		}
		pthread_mutex_unlock(&srv->lock);
	} while (again);
	return NULL;
}

/* Takes the ended threads that can be joined; call with srv->lock held. */
static struct worker *take_dead(struct tcp_server *srv)
{
	struct worker *list = NULL, *w, *next;

	for (w = srv->dead; w != NULL; w = next) {
		next = w->next;
		if (!w->tid_valid)
			continue;       /* its creator has not stored the id yet */
		list_del(&srv->dead, w);
		list_add(&list, w);
	}
	return list;
}

static void join_all(struct worker *list)
{
	while (list != NULL) {
		struct worker *next = list->next;
		int rc = pthread_join(list->tid, NULL);

		if (rc != 0) {
			log_errx("tcp: cannot join a connection thread: %s", strerror(rc));
		} else {        /* (not while it may still run) */
			pthread_cond_destroy(&list->assigned);
			free(list);
		}
		list = next;
	}
}

/* Counts and logs a connection the access list refused (rate-limited to
 * LOG_DENIALS_PER_SEC a second); its descriptor is closed already. */
static void denied(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		   enum service service, const char *via)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->tcp_denied, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE, "%s denied peer=%s%s",
			service == SERVICE_REPORT ? "report tcp" : "tcp",
			net_format((const struct sockaddr *)ss, len, peer, sizeof peer), via);
}

/* Counts and logs a connection refused by a limit; its descriptor is
 * closed already. */
static void refused(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		    const char *reason, long limit)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->tcp_refused, 1);
	if (!log_admit_kind(LOG_NOTICE, "tcp refused"))
		return;
	net_format((const struct sockaddr *)ss, len, peer, sizeof peer);
	if (limit > 0)
		log_msg(LOG_NOTICE, "tcp refused peer=%s reason=%s (%ld)", peer, reason, limit);
	else
		log_msg(LOG_NOTICE, "tcp refused peer=%s reason=%s", peer, reason);
}

/* Counts and logs a connection closed for want of a resource. */
static void failed(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		   const char *reason, int err)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->errors, 1);
	if (!log_admit_kind(LOG_ERR, "tcp refused"))
		return;
	net_format((const struct sockaddr *)ss, len, peer, sizeof peer);
	if (err != 0)
		log_msg(LOG_ERR,
			"tcp refused peer=%s reason=%s (pthread_create: %s); pausing new connections",
			peer, reason, strerror(err));
	else
		log_msg(LOG_ERR, "tcp refused peer=%s reason=%s; pausing new connections", peer,
			reason);
}

enum { DISPATCHED, BACK_OFF };

/* Decides, with srv->lock held, whether a connection may be served:
 * NULL, with *counted set when it was counted per source, or the reason
 * to refuse it and the limit it met (0: a resource failed). Connections
 * through a proxy are counted per source once their header names the
 * client; report connections are not. */
static const char *admit(struct tcp_server *srv, const struct config *cfg,
			 const struct arrival *a, bool *counted, long *limit)
{
	*counted = false;
	*limit = 0;
	if (srv->stopping)
		return "shutdown";
	if (srv->nbusy >= (unsigned long)cfg->tcp.max_connections) {
		*limit = cfg->tcp.max_connections;
		return "max_connections";
	}
	if (cfg->tcp.max_per_source == 0 || a->from_proxy || a->service == SERVICE_REPORT)
		return NULL;
	switch (srclimit_take(srv->sources, (const struct sockaddr *)&a->ss,
			      (unsigned long)cfg->tcp.max_per_source)) {
	case SRCLIMIT_TAKEN:
		*counted = true;
		return NULL;
	case SRCLIMIT_FULL:
		*limit = cfg->tcp.max_per_source;
		return "max_per_source";
	case SRCLIMIT_NOMEM:
		return "out-of-memory";
	case SRCLIMIT_BADADDR:
		break;
	}
	return NULL;            /* not IPv4 or IPv6: not counted per source */
}

/* Undoes the place dispatch() kept for a thread that could not be made. */
static void unreserve(struct tcp_server *srv, const struct sockaddr_storage *ss, bool counted)
{
	pthread_mutex_lock(&srv->lock);
	if (counted)
		srclimit_put(srv->sources, (const struct sockaddr *)ss);
	srv->nbusy--;
	pthread_cond_broadcast(&srv->changed);
	pthread_mutex_unlock(&srv->lock);
}

/* A new thread for an accepted connection, its place among the busy ones
 * kept already. */
static int start_worker(struct tcp_server *srv, const struct arrival *a, struct config *cfg,
			bool counted)
{
	struct worker *w = malloc(sizeof *w);
	int rc;

	if (w == NULL || pthread_cond_init(&w->assigned, NULL) != 0) {
		free(w);
		unreserve(srv, &a->ss, counted);
		shared_unref(cfg);
		close_counted(srv, a->fd);
		failed(srv, &a->ss, a->len, "out-of-memory", 0);
		return BACK_OFF;
	}
	w->srv = srv;
	w->tid_valid = false;
	assign(w, a, cfg, counted);
	pthread_mutex_lock(&srv->lock);
	list_add(&srv->busy, w);        /* before it runs: it leaves the list itself */
	pthread_mutex_unlock(&srv->lock);
	rc = pthread_create(&w->tid, &srv->attr, worker_main, w);
	pthread_mutex_lock(&srv->lock);
	if (rc == 0) {
		w->tid_valid = true;
		pthread_mutex_unlock(&srv->lock);
		return DISPATCHED;
	}
	list_del(&srv->busy, w);
	pthread_mutex_unlock(&srv->lock);
	unreserve(srv, &a->ss, counted);
	shared_unref(w->cfg);
	pthread_cond_destroy(&w->assigned);
	free(w);
	close_counted(srv, a->fd);
	failed(srv, &a->ss, a->len, "no-thread", rc);
	return BACK_OFF;
}

/* The access list and the PROXY protocol, at once, before a thread is
 * spent on the connection: a client the list denies, or one not in
 * proxy_from where proxy_protocol = yes, is closed at once (true). A
 * connection from proxy_from is let through: its header names the client
 * the list judges, in its thread. */
static bool turned_away(struct tcp_server *srv, const struct config *cfg, struct arrival *a)
{
	enum config_section section = section_of(a->service);
	const struct acl *proxies = config_proxies(cfg, section);

	a->from_proxy =
		proxies != NULL && acl_check(proxies, (struct sockaddr *)&a->ss) == ACL_ALLOW;
	if (a->from_proxy)
		return false;
	if (proxy_mode(cfg, a->service) == PROXY_YES) {
		char peer[NET_ADDRSTRLEN];

		close_counted(srv, a->fd);
		stats_add(&srv->st->proxy_errors, 1);
		if (log_admit_denial())
			log_msg(LOG_NOTICE,
				"tcp proxy header refused peer=%s: not in proxy_from (proxy_protocol = yes)",
				net_format((struct sockaddr *)&a->ss, a->len, peer, sizeof peer));
		return true;
	}
	if (acl_check(config_access(cfg, section), (struct sockaddr *)&a->ss) == ACL_DENY) {
		close_counted(srv, a->fd);
		denied(srv, &a->ss, a->len, a->service, "");
		return true;
	}
	return false;
}

/* Hands an accepted connection to a cached thread or a new one, or
 * refuses it: closed at once, so that a client over a limit learns it at
 * once. */
static int dispatch(struct tcp_server *srv, struct arrival *a)
{
	struct config *cfg = shared_slot_get(&srv->cfg);
	struct worker *w = NULL, *dead;
	const char *reason;
	bool counted;
	long limit;

	if (turned_away(srv, cfg, a)) {
		shared_unref(cfg);
		return DISPATCHED;
	}
	pthread_mutex_lock(&srv->lock);
	dead = take_dead(srv);
	reason = admit(srv, cfg, a, &counted, &limit);
	if (reason == NULL) {
		srv->nbusy++;           /* its place, whoever serves it */
		w = srv->idle;
		if (w != NULL) {
			/* a cached thread takes it; under the lock, since once
			 * it is released the thread may run, finish and be gone */
			list_del(&srv->idle, w);
			srv->nidle--;
			assign(w, a, cfg, counted);
			list_add(&srv->busy, w);
			pthread_cond_signal(&w->assigned);
		}
	}
	pthread_mutex_unlock(&srv->lock);
	join_all(dead);
	if (w != NULL)
		return DISPATCHED;
	if (reason == NULL)
		return start_worker(srv, a, cfg, counted);
	shared_unref(cfg);
	close_counted(srv, a->fd);
	if (limit > 0) {
		refused(srv, &a->ss, a->len, reason, limit);
		return DISPATCHED;
	}
	if (strcmp(reason, "shutdown") == 0)
		return DISPATCHED;
	failed(srv, &a->ss, a->len, reason, 0);
	return BACK_OFF;
}

/* accept() met EMFILE or ENFILE: spends the spare descriptor to accept a
 * waiting client and close it at once. 0 when a client was refused, -1
 * when none could be (the spare is opened again at the next turn). */
static int refuse_with_spare(struct tcp_server *srv, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd;

	if (srv->spare_fd < 0)
		return -1;
	close_counted(srv, srv->spare_fd);
	srv->spare_fd = -1;
	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	close_counted(srv, fd);
	refused(srv, &ss, len, "out-of-descriptors", 0);
	return 0;
}

/* Says once when descriptors run out, and once when they are back. */
static void out_of_descriptors(struct tcp_server *srv, bool out, const char *why)
{
	if (out && !srv->out_of_fds)
		log_errx("tcp accept: %s; refusing new connections until some close", why);
	else if (!out && srv->out_of_fds)
		log_notice("tcp accept: descriptors available again; accepting");
	srv->out_of_fds = out;
}

/* Accepts what is waiting on one listener, at most ACCEPT_BATCH. */
static int accept_some(struct tcp_server *srv, const struct sock *l)
{
	int lfd = l->fd;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct arrival a = { .len = sizeof a.ss, .service = l->service };
		int fd = accept4(lfd, (struct sockaddr *)&a.ss, &a.len, SOCK_CLOEXEC);

		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return DISPATCHED;
			case EINTR:
			case ECONNABORTED:      /* the client gave up in the queue */
			case EPROTO:
			case EPERM:             /* a firewall said no */
				continue;
			case EMFILE:
			case ENFILE:
				stats_add(&srv->st->errors, 1);
				out_of_descriptors(srv, true, strerror(errno));
				if (refuse_with_spare(srv, lfd) == 0)
					continue;
				return BACK_OFF;
			default:                /* ENOBUFS, ENOMEM ... */
				stats_add(&srv->st->errors, 1);
				log_conn(LOG_ERR, "tcp accept: %s; pausing new connections",
					 strerror(errno));
				return BACK_OFF;
			}
		}
		if (fd >= atomic_load_explicit(&srv->fd_ceiling, memory_order_relaxed)) {
			/* a descriptor to refuse it with, and few left */
			out_of_descriptors(srv, true, "near the descriptor limit");
			close_counted(srv, fd);
			refused(srv, &a.ss, a.len, "out-of-descriptors", 0);
			continue;
		}
		out_of_descriptors(srv, false, NULL);
		if (srv->st->tcp_port != NULL)
			stats_add(&srv->st->tcp_port[net_port((struct sockaddr *)&l->local.ss)], 1);
		a.fd = fd;
		if (dispatch(srv, &a) == BACK_OFF)
			return BACK_OFF;
	}
	return DISPATCHED;
}

/* The accept thread's own state. */
struct acceptor {
	struct tcp_server *srv;
	struct sock *retired;           /* from sockset_wait() */
	struct retiring *retiring;      /* listeners being drained */
	size_t nretiring;
	struct sock *published;         /* for publish() */
	unsigned generation;            /* the configuration's the listeners have */
	unsigned taken;                 /* the offer the listeners came with */
	int backoff;                    /* ms, 0: none */
};

/* Tells reloads which retired listeners are still open: a new socket
 * may have to share the port with one of them. */
static void publish(struct acceptor *a)
{
	for (size_t i = 0; i < a->nretiring; i++)
		a->published[i] = a->retiring[i].sock;
	if (sockset_publish_retiring(&a->srv->listeners, a->published, a->nretiring) < 0)
		stats_add(&a->srv->st->errors, 1);
}

/* Listeners no longer wanted: no new SYN reaches them; what they queued
 * is accepted until their time is up. */
static void retire(struct acceptor *a, const struct sock *socks, size_t n)
{
	double until = clock_now() + TCP_DRAIN_S;

	for (size_t i = 0; i < n; i++) {
		if (socks[i].activated || net_refuse_syns(socks[i].fd) < 0 ||
		    a->nretiring >= SOCKSET_MAX) {
			/* cannot be told to stop taking SYNs: drained now */
			accept_some(a->srv, &socks[i]);
			close_counted(a->srv, socks[i].fd);
			continue;
		}
		a->retiring[a->nretiring++] = (struct retiring){ .sock = socks[i], .until = until };
	}
	publish(a);
}

/* Closes the retired listeners whose time is up (all with force), after
 * one last look at their queues. Returns the ms until the next is due
 * (-1: none). */
static int close_retired(struct acceptor *a, bool force)
{
	double now = clock_now(), next = 0;
	size_t k = 0, before = a->nretiring;

	for (size_t i = 0; i < a->nretiring; i++) {
		struct retiring *r = &a->retiring[i];

		if (force || now >= r->until || r->taken >= TCP_DRAIN_MAX) {
			if (!force)
				accept_some(a->srv, &r->sock);
			close_counted(a->srv, r->sock.fd);
			continue;
		}
		if (next == 0 || r->until < next)
			next = r->until;
		a->retiring[k++] = *r;
	}
	a->nretiring = k;
	if (k != before)
		publish(a);
	return next == 0 ? -1 : clock_ms_until(next);
}

/* Accepts from a listener, served or being retired. */
static int accept_from(struct acceptor *a, int fd)
{
	const struct sock *l = sockset_find(&a->srv->listeners, fd);

	for (size_t i = 0; i < a->nretiring && l == NULL; i++)
		if (a->retiring[i].sock.fd == fd) {
			a->retiring[i].taken += ACCEPT_BATCH;
			l = &a->retiring[i].sock;
		}
	return l != NULL ? accept_some(a->srv, l) : DISPATCHED;
}

/* What the configuration asks of the listeners (at start, after a reload
 * or an offer): their backlog, and whether they save each SYN (always for
 * the report service; for the echo with [log] path_facts). */
static void listener_options(struct acceptor *a)
{
	struct tcp_server *srv = a->srv;
	unsigned gen = atomic_load_explicit(&srv->generation, memory_order_acquire);
	struct config *cfg;

	if (gen == a->generation && srv->listeners.taken == a->taken)
		return;
	a->generation = gen;
	a->taken = srv->listeners.taken;
	cfg = shared_slot_get(&srv->cfg);
	for (size_t i = 0; i < srv->listeners.nhave; i++) {
		const struct sock *l = &srv->listeners.have[i];
		int save = l->service == SERVICE_REPORT || cfg->log.path_facts;
		char where[NET_ADDRSTRLEN];

		if (l->activated && l->service == SERVICE_ECHO && !save)
			continue;
		if (listen(l->fd, (int)cfg->server.backlog) < 0 ||
		    setsockopt(l->fd, IPPROTO_TCP, TCP_SAVE_SYN, &save, sizeof save) < 0)
			log_warn("tcp: cannot set the options of %s",
				 net_format((const struct sockaddr *)&l->local.ss, l->local.len,
					    where, sizeof where));
	}
	shared_unref(cfg);
}

static int next_timeout(struct acceptor *a, int retire_ms)
{
	int beat = heartbeat_beat(&a->srv->beat);

	if (retire_ms >= 0 && (beat < 0 || retire_ms < beat))
		return retire_ms;
	return beat;
}

static void *acceptor_main(void *arg)
{
	struct acceptor a = { .srv = arg };
	struct tcp_server *srv = a.srv;
	struct epoll_event ev[EVENTS];
	int retire_ms = -1;

	pthread_setname_np(pthread_self(), "tcp-accept");

	a.generation = atomic_load(&srv->generation) - 1;      /* not yet applied */
	a.retired = malloc(SOCKSET_MAX * sizeof *a.retired);
	a.retiring = malloc(SOCKSET_MAX * sizeof *a.retiring);
	a.published = malloc(SOCKSET_MAX * sizeof *a.published);
	if (a.retired == NULL || a.retiring == NULL || a.published == NULL) {
		log_errx("tcp: no memory for the accept thread; TCP is not served");
		free(a.retired);
		free(a.retiring);
		free(a.published);
		return NULL;
	}
	for (;;) {
		size_t nretired;
		bool failed = false;
		int n = sockset_wait(&srv->listeners, ev, EVENTS, next_timeout(&a, retire_ms),
				     a.retired, SOCKSET_MAX, &nretired);

		if (n == SOCKSET_STOP)
			break;
		if (n == SOCKSET_ERROR) {
			stats_add(&srv->st->errors, 1);
			sockset_say_lost(&srv->listeners, "tcp", errno);
			failed = true;
			n = 0;
		}
		if (nretired > 0)
			retire(&a, a.retired, nretired);
		listener_options(&a);
		if (srv->spare_fd < 0)
			srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		for (int i = 0; i < n; i++)
			if (accept_from(&a, ev[i].data.fd) == BACK_OFF)
				failed = true;
		retire_ms = close_retired(&a, false);
		if (!failed) {
			a.backoff = 0;
			continue;
		}
		/* out of descriptors, memory or threads: wait before trying
		 * again, longer each time, but wake at once for an offer or to
		 * stop */
		a.backoff = a.backoff == 0 ? BACKOFF_MIN_MS : a.backoff * 2;
		if (a.backoff > BACKOFF_MAX_MS)
			a.backoff = BACKOFF_MAX_MS;
		sockset_pause(&srv->listeners, a.backoff);
	}
	close_retired(&a, true);
	free(a.retired);
	free(a.retiring);
	free(a.published);
	return NULL;
}

/* The first descriptor number refused: the soft limit less the headroom. */
static int fd_ceiling(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > INT32_MAX)
		return INT32_MAX;
	return rl.rlim_cur > TCP_FD_HEADROOM ? (int)(rl.rlim_cur - TCP_FD_HEADROOM) : 0;
}

struct tcp_server *tcp_new(struct stats *st, struct config *cfg)
{
	struct tcp_server *srv = calloc(1, sizeof *srv);
	struct sigaction sa = { .sa_handler = on_wake };
	pthread_condattr_t ca;
	uint64_t key[2];
	int saved;

	if (srv == NULL)
		return NULL;
	srv->st = st;
	srv->spare_fd = -1;
	/* waits are measured on the monotonic clock: a change of the wall
	 * clock cannot stretch a shutdown */
	if (pthread_condattr_init(&ca) != 0)
		goto fail_alloc;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&srv->changed, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto fail_alloc;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&srv->lock, NULL) != 0) {
		pthread_cond_destroy(&srv->changed);
		goto fail_alloc;
	}
	if (pthread_attr_init(&srv->attr) != 0) {
		pthread_mutex_destroy(&srv->lock);
		pthread_cond_destroy(&srv->changed);
		goto fail_alloc;
	}
	if (sockset_init(&srv->listeners) < 0) {
		saved = errno;
		pthread_attr_destroy(&srv->attr);
		pthread_mutex_destroy(&srv->lock);
		pthread_cond_destroy(&srv->changed);
		free(srv);
		errno = saved;
		return NULL;
	}
	shared_slot_init(&srv->cfg, cfg);
	atomic_init(&srv->thread_cache, cfg->tcp.thread_cache);
	atomic_init(&srv->generation, 0);
	atomic_init(&srv->fd_ceiling, fd_ceiling());
	/* from here on tcp_free() undoes everything */
	if (pthread_attr_setstacksize(&srv->attr, TCP_STACK_SIZE) != 0)
		goto fail;
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (srv->spare_fd < 0)
		goto fail;
	/* no SA_RESTART: the point is to interrupt recv() */
	sigemptyset(&sa.sa_mask);
	if (sigaction(WAKE_SIGNAL, &sa, NULL) < 0)
		goto fail;
	/* a secret hash key, so that clients cannot aim at one bucket */
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		goto fail;
	srv->sources = srclimit_new(key[0], key[1], (unsigned)cfg->tcp.source_prefix[0],
				    (unsigned)cfg->tcp.source_prefix[1]);
	if (srv->sources == NULL)
		goto fail;
	return srv;
fail:
	saved = errno;
	tcp_free(srv);
	errno = saved;
	return NULL;
fail_alloc:
	free(srv);
	errno = ENOMEM;
	return NULL;
}

int tcp_start(struct tcp_server *srv)
{
	int rc;

	if (srv->accepting)
		return EINVAL;
	rc = pthread_create(&srv->acceptor, NULL, acceptor_main, srv);
	if (rc == 0)
		srv->accepting = true;
	return rc;
}

void tcp_offer(struct tcp_server *srv, struct sock *socks, size_t n)
{
	sockset_offer(&srv->listeners, socks, n);
}

struct sockset *tcp_sockset(struct tcp_server *srv)
{
	return &srv->listeners;
}

void tcp_reconfigure(struct tcp_server *srv, struct config *cfg)
{
	unsigned long keep = (unsigned long)cfg->tcp.thread_cache, seen = 0;

	shared_slot_set(&srv->cfg, cfg);
	atomic_store(&srv->thread_cache, cfg->tcp.thread_cache);
	atomic_fetch_add_explicit(&srv->generation, 1, memory_order_release);
	/* a smaller cache: the threads beyond it are told to leave; each
	 * takes itself off the list, so they stay counted until they go */
	pthread_mutex_lock(&srv->lock);
	for (struct worker *w = srv->idle; w != NULL; w = w->next)
		if (!w->quit && ++seen > keep) {
			w->quit = true;
			pthread_cond_signal(&w->assigned);
		}
	pthread_mutex_unlock(&srv->lock);
}

void tcp_counters(struct tcp_server *srv, uint64_t *active, uint64_t *in, uint64_t *out)
{
	pthread_mutex_lock(&srv->lock);
	*active = srv->nbusy;
	*in = srv->done_in;
	*out = srv->done_out;
	for (struct worker *w = srv->busy; w != NULL; w = w->next) {
		*in += atomic_load_explicit(&w->in, memory_order_relaxed);
		*out += atomic_load_explicit(&w->out, memory_order_relaxed);
	}
	pthread_mutex_unlock(&srv->lock);
}

void tcp_tick(struct tcp_server *srv)
{
	struct worker *dead;

	pthread_mutex_lock(&srv->lock);
	dead = take_dead(srv);
	pthread_mutex_unlock(&srv->lock);
	join_all(dead);
	/* the limit may have been raised (a reload) or changed (prlimit) */
	atomic_store(&srv->fd_ceiling, fd_ceiling());
}

/* Waits until no connection is left or the deadline passes; with lock
 * held. Repeats the wake-up to threads that have not seen it yet. */
static void wait_idle(struct tcp_server *srv, double deadline)
{
	while (srv->nbusy > 0 && clock_now() < deadline) {
		double until = clock_now() + RESIGNAL_MS / 1000.0;
		struct timespec ts;

		if (until > deadline)
			until = deadline;
		for (struct worker *w = srv->busy; w != NULL; w = w->next) {
			int rc;

			/* a thread in a send must finish it or time out: a
			 * signal would start its send timeout over */
			if (!w->tid_valid || atomic_load(&w->stopping) || atomic_load(&w->sending))
				continue;
			rc = pthread_kill(w->tid, WAKE_SIGNAL);
			if (rc != 0)
				log_conn(LOG_WARNING, "tcp: cannot wake a connection thread: %s",
					 strerror(rc));
		}
		ts = clock_timespec(until);
		/* ETIMEDOUT is the normal way out; the loop checks the rest */
		(void)pthread_cond_timedwait(&srv->changed, &srv->lock, &ts);
	}
}

void tcp_stop_accepting(struct tcp_server *srv)
{
	int rc;

	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	pthread_mutex_unlock(&srv->lock);
	if (srv->accepting) {
		sockset_stop(&srv->listeners);
		if ((rc = pthread_join(srv->acceptor, NULL)) != 0)
			log_errx("tcp: cannot join the accept thread: %s", strerror(rc));
		srv->accepting = false;
	}
	/* the listeners close now: nothing more is queued for us */
	sockset_close_all(&srv->listeners);
	pthread_mutex_lock(&srv->lock);
	for (struct worker *w = srv->busy; w != NULL; w = w->next)
		atomic_store(&w->stop, true);
	for (struct worker *w = srv->idle; w != NULL; w = w->next)
		pthread_cond_signal(&w->assigned);      /* they see stopping and go */
	pthread_mutex_unlock(&srv->lock);
}

unsigned long tcp_wait(struct tcp_server *srv, double seconds)
{
	unsigned long left;

	pthread_mutex_lock(&srv->lock);
	wait_idle(srv, clock_now() + seconds);
	left = srv->nbusy;
	pthread_mutex_unlock(&srv->lock);
	return left;
}

void tcp_close_all(struct tcp_server *srv)
{
	struct worker *dead;
	double deadline;

	pthread_mutex_lock(&srv->lock);
	if (srv->nbusy > 0) {
		log_notice("tcp: closing %lu connections still open", srv->nbusy);
		for (struct worker *w = srv->busy; w != NULL; w = w->next)
			if (w->fd >= 0 && shutdown(w->fd, SHUT_RDWR) < 0 && errno != ENOTCONN) {
				char peer[NET_ADDRSTRLEN];

				log_warn("tcp: shutdown peer=%s",
					 net_format((struct sockaddr *)&w->peer, w->peerlen, peer,
						    sizeof peer));
			}
		wait_idle(srv, clock_now() + STOP_GRACE_S);
		if (srv->nbusy > 0)
			log_errx("tcp: %lu connection threads did not end", srv->nbusy);
	}
	/* the cached threads leave on their own: wait for them too */
	deadline = clock_now() + STOP_GRACE_S;
	while (srv->nidle > 0 && clock_now() < deadline) {
		struct timespec ts = clock_timespec(clock_now() + 0.1);

		(void)pthread_cond_timedwait(&srv->changed, &srv->lock, &ts);
	}
	dead = take_dead(srv);
	pthread_mutex_unlock(&srv->lock);
	join_all(dead);
}

void tcp_heartbeat_every(struct tcp_server *srv, int ms)
{
	heartbeat_set(&srv->beat, ms);
}

bool tcp_alive(struct tcp_server *srv, unsigned long *last)
{
	return heartbeat_moved(&srv->beat, last) || !srv->accepting;
}

int tcp_wake_signal(void)
{
	return WAKE_SIGNAL;
}

bool tcp_free(struct tcp_server *srv)
{
	if (srv == NULL)
		return true;
	if (srv->nbusy > 0 || srv->nidle > 0)
		return false;   /* threads that never ended still use it: keep it */
	sockset_destroy(&srv->listeners);
	if (srv->spare_fd >= 0)
		close_counted(srv, srv->spare_fd);
	srclimit_free(srv->sources);
	shared_slot_destroy(&srv->cfg);
	pthread_attr_destroy(&srv->attr);
	pthread_cond_destroy(&srv->changed);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	return true;
}
