/* udp.c: the UDP receive thread (see udp.h).
 *
 * The thread waits in epoll for any of its sockets, then reads each ready
 * one with recvmmsg(MSG_DONTWAIT) while datagrams keep coming, so a flood
 * costs one system call a batch and an idle port costs nothing. Every
 * socket asks for each datagram's destination address (net_ask_pktinfo()
 * when it is made): a reply leaves from it, and a datagram that claims to
 * come from our own address and port is never answered. With [log]
 * path_facts, and always on the report service's sockets, each datagram
 * also comes with its TTL or hop limit, its TOS or traffic class and, if it
 * came in fragments, the largest one's size (report.h reads them).
 *
 * The thread knows no service by name: each datagram goes to the row of
 * its socket's service (service.h), whose serve_udp() answers, if at all,
 * with dgram_hold()'s leave and through dgram_reply(), so that every reply
 * is held back the same way (hold()). The rows are in services.c (today the echo, echo.c, and
 * the path report, reportsvc.c); a reply is never larger than the
 * datagram that asked for it, so no reply is an amplification.
 *
 * It must not know a service by name: every datagram goes to a row. */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "acl.h"
#include "admit.h"
#include "clock.h"
#include "escape.h"
#include "heartbeat.h"
#include "localaddr.h"
#include "log.h"
#include "net.h"
#include "ratelimit.h"
#include "report.h"
#include "service.h"
#include "shared.h"
#include "udpcore.h"

#define UDP_DRAIN_MAX   64      /* batches read from a retired socket before closing it */
#define UDP_TURN_MAX    8       /* batches from one socket before looking at the others */
#define UDP_ERROR_PAUSE_MS 10   /* after a receive error, before trying again */
#define EVENTS          64

/* Room for the control messages of one datagram (the packet info, and
 * the TTL, TOS and fragment size, each an int), aligned for cmsghdr. */
union control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 4 * CMSG_SPACE(sizeof(int))];
};

struct udp_server {
	struct stats *st;
	struct shared_slot cfg;
	atomic_uint generation;         /* bumped by every reconfigure */
	struct sockset *socks;          /* the receive thread's (sockset.h) */
	void *state[SERVICES_MAX];      /* the receive thread's: each service's (service.h) */
	struct heartbeat beat;          /* the receive thread's, for the watchdog */
	pthread_t thread;
	bool running;
};

/* Buffers of the receive thread, on the heap (2 MiB of address space, of
 * which only the bytes received are ever touched). */
struct batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union control control[UDP_BATCH];
	char data[UDP_BATCH][UDP_DGRAM_MAX];
};

/* What the receive thread knows while it handles a batch. */
struct receiver {
	struct udp_server *srv;
	struct config *cfg;
	unsigned generation;            /* cfg's */
	unsigned taken;                 /* the offer the sockets' options are set for */
	struct batch *b;
	struct sock *retired;
	struct localaddr *local;        /* the host's addresses, for from_ourselves() */
	double now;
};

/* The control message that makes a reply leave from dst (the address the
 * datagram came to), for a socket bound to a wildcard address: a client
 * with a connected socket drops a reply from any other. Returns its size. */
static size_t reply_source(const struct net_addr *dst, union control *out)
{
	struct msghdr m = { .msg_control = out->buf, .msg_controllen = sizeof out->buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(out, 0, sizeof *out);
	if (dst->ss.ss_family == AF_INET) {
		struct in_pktinfo pi = {.ipi_spec_dst =
						((const struct sockaddr_in *)&dst->ss)->sin_addr};

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
		return CMSG_SPACE(sizeof pi);
	}
	if (dst->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&dst->ss;
		struct in6_pktinfo pi = { .ipi6_addr = in6->sin6_addr };

		if (IN6_IS_ADDR_MULTICAST(&in6->sin6_addr))
			return 0;       /* a multicast group is no source: the kernel picks one */
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
		return CMSG_SPACE(sizeof pi);
	}
	return 0;
}

static bool is_loopback(const struct sockaddr *sa)
{
	unsigned char a[16];
	size_t len = net_addr_bytes(sa, a);
	static const unsigned char v6_loopback[16] = { [15] = 1 };

	return (len == 4 && a[0] == 127) || (len == 16 && memcmp(a, v6_loopback, 16) == 0);
}

/* Does a datagram claim to come from one of our own sockets: the port of
 * one of them, and an address of this host (the one it came to, a
 * loopback address, one a socket is bound to, or any other: a socket
 * bound to the wildcard owns them all)? An echo to it would come back to
 * us. An address that cannot be ruled out (localaddr.h) counts as ours,
 * and so does any, when the datagram came to an address of ours that the
 * host's address list lacks (a local route: the list is not all). */
static bool from_ourselves(struct receiver *r, const struct sockaddr *from, socklen_t fromlen,
			   const struct net_addr *dst)
{
	size_t nhave;
	const struct sock *have = sockset_served(r->srv->socks, &nhave);
	struct net_addr src = { .len = fromlen };
	unsigned port = net_port(from);
	bool served = false;

	memcpy(&src.ss, from, fromlen);
	for (size_t i = 0; i < nhave; i++) {
		const struct net_addr *ours = &have[i].local;

		if (net_port((const struct sockaddr *)&ours->ss) != port)
			continue;
		if (is_loopback(from) || net_same_addr(&src, dst, true) ||
		    net_same_addr(&src, ours, true))
			return true;
		served = true;
	}
	if (!served)
		return false;
	/* came to an address the set lacks (a local route without an
	 * address: ip route add local PREFIX dev lo): the host has local
	 * addresses the set cannot name, and the source may be one */
	if (!net_is_wildcard(dst) &&
	    localaddr_find(r->local, (const struct sockaddr *)&dst->ss, r->now) == ADDR_NOT_OURS)
		return true;
	return localaddr_find(r->local, from, r->now) != ADDR_NOT_OURS;
}

static const char *hold(struct receiver *r, struct ratelimit *limit, const struct sockaddr *from,
			socklen_t fromlen, const struct net_addr *dst)
{
	if (net_port(from) < UDP_ECHO_MIN_PORT)
		return "privileged-port";       /* echo, chargen ...: a loop */
	if (from_ourselves(r, from, fromlen, dst))
		return "own-address";
	switch (ratelimit_take(limit, from, r->now)) {
	case RATELIMIT_PASS:
		return NULL;
	case RATELIMIT_SOURCE:
		return "rate-per-source";
	case RATELIMIT_TOTAL:
		return "rate-total";
	case RATELIMIT_BADADDR:
		break;
	}
	return "bad-address";
}

/* A reply's marks (a service's: the report's TTL and the probe's TOS)
 * as control messages after those msg holds, at the level of the
 * datagram's own family (an IPv4 client of a dual-stack socket is
 * answered over IPv4). */
static void add_marks(struct msghdr *msg, union control *control, const struct dgram_marks *m,
		      const struct sockaddr *from)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)from;
	bool v6 = from->sa_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr);
	int values[2] = {m->ttl, m->tos};
	int types[2] = { v6 ? IPV6_HOPLIMIT : IP_TTL, v6 ? IPV6_TCLASS : IP_TOS };
	size_t len = msg->msg_controllen;

	if (len == 0)
		memset(control, 0, sizeof *control);
	for (int k = 0; k < 2; k++) {
		struct cmsghdr *c = (struct cmsghdr *)(control->buf + len);

		if (values[k] < 0)
			continue;

		if (len + CMSG_SPACE(sizeof(int)) > sizeof control->buf)
			break;
		c->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
		c->cmsg_type = types[k];
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &values[k], sizeof values[k]);
		len += CMSG_SPACE(sizeof(int));
	}
	msg->msg_control = control->buf;
	msg->msg_controllen = len;
}

/* Sends a reply to datagram i, from the address it came to (with packet
 * info, when the socket could have had several), with the marks a service
 * asks for (add_marks()); never waits. False when it could not be sent
 * (counted and logged). */
static bool reply(struct receiver *r, const struct sock *s, int i, const struct dgram_facts *f,
		  struct iovec *iov, int iovcnt, const char *what, const struct dgram_marks *marks)
{
	struct batch *b = r->b;
	union control control;
	struct msghdr msg = {
		.msg_name = &b->from[i], .msg_namelen = b->msgs[i].msg_hdr.msg_namelen,
		.msg_iov = iov, .msg_iovlen = (size_t)iovcnt,
	};
	char peer[NET_ADDRSTRLEN];

	if (f->have_local) {
		msg.msg_controllen = reply_source(&f->local, &control);
		msg.msg_control = msg.msg_controllen > 0 ? control.buf : NULL;
	}
	if (marks != NULL)
		add_marks(&msg, &control, marks, (const struct sockaddr *)&b->from[i]);
	if (sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return true;
	stats_add(&r->srv->st->errors, 1);
	if (log_admit(LOG_WARNING))
		log_msg(LOG_WARNING, "udp %s failed peer=%s: %s", what,
			net_format((struct sockaddr *)&b->from[i], msg.msg_namelen, peer,
				   sizeof peer),
			strerror(errno));
	return false;
}

static void held_back(struct receiver *r, int i, const char *what, const char *why,
		      stat_t *counter)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(counter, 1);
	if (log_admit(LOG_NOTICE))
		log_msg(LOG_NOTICE, "udp %s held back peer=%s reason=%s", what,
			net_format((struct sockaddr *)&r->b->from[i],
				   r->b->msgs[i].msg_hdr.msg_namelen, peer, sizeof peer),
			why);
}

const char *dgram_hold(struct dgram *d, struct ratelimit *limit)
{
	return hold(d->r, limit, d->from, d->fromlen, d->dst);
}

void dgram_held_back(struct dgram *d, const char *what, const char *why, stat_t *counter)
{
	held_back(d->r, d->i, what, why, counter);
}

bool dgram_reply(struct dgram *d, struct iovec *iov, int iovcnt, const char *what,
		 const struct dgram_marks *marks)
{
	return reply(d->r, d->s, d->i, d->f, iov, iovcnt, what, marks);
}

/* The log line of a datagram: admitted already; with path_facts, how it
 * arrived. */
static void log_datagram(struct receiver *r, const struct service_row *row, int i,
			 const struct dgram_facts *f, const struct net_addr *dst)
{
	struct batch *b = r->b;
	size_t len = b->msgs[i].msg_len;
	char peer[NET_ADDRSTRLEN], local[NET_ADDRSTRLEN], facts[REPORT_FIELDS_MAX] = "";
	char esc[ESCAPE_BUFSIZE(ESCAPE_PAYLOAD_MAX)] = "";
	const char *what = row->dgram_word;

	net_format((struct sockaddr *)&b->from[i], b->msgs[i].msg_hdr.msg_namelen, peer,
		   sizeof peer);
	if (r->cfg->log.data)
		escape_payload(esc, sizeof esc, b->data[i], len, ESCAPE_PAYLOAD_MAX);
	net_format((const struct sockaddr *)&dst->ss, dst->len, local, sizeof local);
	if (r->cfg->log.path_facts || row->always_facts)
		report_dgram_fields(facts, sizeof facts, f);
	log_msg(LOG_INFO, "%s peer=%s local=%s %s%slen=%zu%s%s", what, peer, local, facts,
		facts[0] != '\0' ? " " : "", len, esc[0] != '\0' ? " data=" : "", esc);
}

static void handle(struct receiver *r, const struct sock *s, int i)
{
	struct batch *b = r->b;
	struct dgram_facts f;
	const struct service_row *row = service_of(SERVICE_UDP, s->service);
	struct dgram d;

	if (r->srv->st->udp_port != NULL)
		stats_add(&r->srv->st->udp_port[net_port((struct sockaddr *)&s->local.ss)], 1);
	if (!admit_dgram(r->cfg, row, (const struct sockaddr *)&b->from[i],
			 b->msgs[i].msg_hdr.msg_namelen, r->srv->st))
		return;

	report_dgram_facts(&b->msgs[i].msg_hdr, net_port((const struct sockaddr *)&s->local.ss),
			   &f);
	d = (struct dgram){
		.r = r, .s = s, .i = i, .cfg = r->cfg, .st = r->srv->st,
		.data = b->data[i], .len = b->msgs[i].msg_len,
		.from = (const struct sockaddr *)&b->from[i],
		.fromlen = b->msgs[i].msg_hdr.msg_namelen,
		.f = &f, .dst = f.have_local ? &f.local : &s->local, .now = r->now,
	};
	stats_add(&r->srv->st->service[row->label].udp_datagrams, 1);
	stats_add(&r->srv->st->service[row->label].udp_bytes, d.len);
	if (log_admit_kind(LOG_INFO, row->dgram_word))
		log_datagram(r, row, i, &f, d.dst);
	row->serve_udp(&d, r->srv->state[service_index(row)]);
}

enum { EMPTY, GOT, FAILED };

/* Reads and handles one batch from a socket. */
static int receive_batch(struct receiver *r, const struct sock *s)
{
	struct batch *b = r->b;
	int n;

	for (int i = 0; i < UDP_BATCH; i++) {
		b->iov[i] = (struct iovec){ b->data[i], sizeof b->data[i] };
		b->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i],
			.msg_namelen = sizeof b->from[i],
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
			.msg_control = b->control[i].buf,
			.msg_controllen = sizeof b->control[i].buf,
		};
	}
	n = recvmmsg(s->fd, b->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n > 0) {
		r->now = clock_now();
		for (int i = 0; i < n; i++)
			handle(r, s, i);
		return GOT;
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		/* e.g. ECONNREFUSED left by an ICMP error after an echo (read
		 * once, then gone), or ENOMEM */
		stats_add(&r->srv->st->errors, 1);
		log_conn(LOG_NOTICE, "udp receive: %s", strerror(errno));
		return FAILED;
	}
	return EMPTY;
}

/* Reads a socket while it has datagrams, up to max batches. */
static int receive(struct receiver *r, const struct sock *s, int max)
{
	int rc = EMPTY;

	for (int k = 0; k < max && (rc = receive_batch(r, s)) == GOT; k++)
		;
	return rc;
}

/* Sockets no longer wanted: what they hold is read, then they close. */
static void retire(struct receiver *r, size_t n)
{
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		receive(r, &r->retired[i], UDP_DRAIN_MAX);
		if (close(r->retired[i].fd) < 0)
			stats_add(&r->srv->st->errors, 1);
	}
	/* none left open: reloads need no longer share a port with them */
	sockset_publish_retiring(r->srv->socks, NULL, 0);
}

/* Asks a socket for the facts of each datagram (always on the report
 * service's, with path_facts on the echo's), or no longer. An IPv6 socket
 * is asked for the IPv4 facts too, for the v4-mapped datagrams of a
 * dual-stack socket that a service manager passed (ours are IPv6-only:
 * there the IPv4 options cost nothing). */
static void fact_options(const struct sock *s, bool on)
{
	static const int v4[] = { IP_RECVTTL, IP_RECVTOS, IP_RECVFRAGSIZE };
	static const int v6[] = { IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_RECVFRAGSIZE };
	int v = on;
	bool is_v6 = s->local.ss.ss_family == AF_INET6;
	bool failed = false;
	char where[NET_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		if (is_v6)
			failed |= setsockopt(s->fd, IPPROTO_IPV6, v6[i], &v, sizeof v) < 0;
		failed |= setsockopt(s->fd, IPPROTO_IP, v4[i], &v, sizeof v) < 0 && !is_v6;
	}
	if (failed)
		log_warn("udp: cannot ask %s for the facts of its datagrams",
			 net_format((const struct sockaddr *)&s->local.ss, s->local.len, where,
				    sizeof where));
}

/* Each service's UDP state told of a new configuration. */
static void configure_services(struct udp_server *srv, const struct config *cfg)
{
	unsigned n;
	const struct service_row *rows = service_rows(&n);

	for (unsigned k = 0; k < n; k++)
		if (rows[k].udp_configure != NULL && srv->state[k] != NULL)
			rows[k].udp_configure(srv->state[k], cfg);
}

/* The configuration in force, taken again after a reload; the sockets'
 * options set again after that or a new offer. */
static void refresh(struct receiver *r)
{
	struct udp_server *srv = r->srv;
	const struct sock *have;
	size_t nhave;
	unsigned now = atomic_load_explicit(&srv->generation, memory_order_acquire);

	if (now == r->generation && r->cfg != NULL && sockset_generation(srv->socks) == r->taken)
		return;
	if (now != r->generation || r->cfg == NULL) {
		r->generation = now;
		shared_unref(r->cfg);
		r->cfg = shared_slot_get(&srv->cfg);
		configure_services(srv, r->cfg);
	}
	r->taken = sockset_generation(srv->socks);
	have = sockset_served(srv->socks, &nhave);
	for (size_t i = 0; i < nhave; i++)
		fact_options(&have[i], service_of(SERVICE_UDP, have[i].service)->always_facts ||
					       r->cfg->log.path_facts);
}

static void *receiver_main(void *arg)
{
	struct receiver r = { .srv = arg };
	struct udp_server *srv = r.srv;
	struct epoll_event ev[EVENTS];

	pthread_setname_np(pthread_self(), "udp-receive");

	r.b = malloc(sizeof *r.b);
	r.retired = malloc(SOCKSET_MAX * sizeof *r.retired);
	r.local = localaddr_new();
	if (r.b == NULL || r.retired == NULL || r.local == NULL) {
		stats_add(&srv->st->errors, 1);
		log_errx("udp: no memory for the receive buffers; UDP is not served");
		free(r.b);
		free(r.retired);
		localaddr_free(r.local);
		return NULL;
	}
	for (;;) {
		size_t nretired;
		bool failed = false;
		int n = sockset_wait(srv->socks, ev, EVENTS, heartbeat_beat(&srv->beat), r.retired,
				     SOCKSET_MAX, &nretired);

		if (n == SOCKSET_STOP)
			break;
		refresh(&r);
		if (n == SOCKSET_ERROR) {
			stats_add(&srv->st->errors, 1);
			sockset_say_lost(srv->socks, "udp", errno);
			failed = true;
			n = 0;
		}
		retire(&r, nretired);
		for (int i = 0; i < n; i++) {
			const struct sock *s = sockset_find(srv->socks, ev[i].data.fd);

			if (s != NULL && receive(&r, s, UDP_TURN_MAX) == FAILED)
				failed = true;
		}
		/* after an error, a pause, so that a lasting one is not spun on */
		if (failed)
			sockset_pause(srv->socks, UDP_ERROR_PAUSE_MS);
	}
	shared_unref(r.cfg);
	free(r.b);
	free(r.retired);
	localaddr_free(r.local);
	return NULL;
}

struct udp_server *udp_new(struct stats *st, struct config *cfg)
{
	struct udp_server *srv = calloc(1, sizeof *srv);
	unsigned n;
	const struct service_row *rows = service_rows(&n);

	if (srv == NULL)
		return NULL;
	srv->socks = sockset_new();
	if (srv->socks == NULL) {
		free(srv);
		return NULL;
	}
	srv->st = st;
	shared_slot_init(&srv->cfg, cfg);
	atomic_init(&srv->generation, 0);
	for (unsigned k = 0; k < n; k++) {
		if ((rows[k].protocols & SERVICE_UDP) == 0 || rows[k].udp_new == NULL)
			continue;
		srv->state[k] = rows[k].udp_new(cfg);
		if (srv->state[k] == NULL) {
			int saved = errno;

			udp_free(srv);
			errno = saved;
			return NULL;
		}
	}
	return srv;
}

int udp_start(struct udp_server *srv)
{
	int rc;

	if (srv->running)
		return EINVAL;
	rc = pthread_create(&srv->thread, NULL, receiver_main, srv);
	if (rc == 0)
		srv->running = true;
	return rc;
}

void udp_offer(struct udp_server *srv, struct sock *socks, size_t n)
{
	sockset_offer(srv->socks, socks, n);
}

struct sockset *udp_sockset(struct udp_server *srv)
{
	return srv->socks;
}

void udp_reconfigure(struct udp_server *srv, struct config *cfg)
{
	shared_slot_set(&srv->cfg, cfg);
	atomic_fetch_add_explicit(&srv->generation, 1, memory_order_release);
}

void udp_heartbeat_every(struct udp_server *srv, int ms)
{
	heartbeat_set(&srv->beat, ms);
}

bool udp_alive(struct udp_server *srv, unsigned long *last)
{
	return heartbeat_moved(&srv->beat, last) || !srv->running;
}

void udp_stop(struct udp_server *srv)
{
	int rc;

	if (srv->running) {
		sockset_stop(srv->socks);
		if ((rc = pthread_join(srv->thread, NULL)) != 0)
			log_errx("udp: cannot join the receive thread: %s", strerror(rc));
		srv->running = false;
	}
	sockset_close_all(srv->socks);
}

void udp_free(struct udp_server *srv)
{
	const struct service_row *rows;
	unsigned n;

	if (srv == NULL)
		return;
	sockset_free(srv->socks);
	rows = service_rows(&n);
	for (unsigned k = 0; k < n; k++)
		if (srv->state[k] != NULL)
			rows[k].udp_free(srv->state[k]);
	shared_slot_destroy(&srv->cfg);
	free(srv);
}
