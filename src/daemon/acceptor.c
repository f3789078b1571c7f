/* acceptor.c: the accept thread: it waits in epoll on the listeners
 * (sockset.h), accepts in batches, has admission (admit.c) turn away who
 * is not served, and hands the rest to a connection thread (conn.c); it
 * drains and closes the listeners a reload retires.
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
 * It must not know a service by name (the listener's row says what it
 * needs), nor serve a connection. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "net.h"
#include "service.h"
#include "tcpcore.h"

#define ACCEPT_BATCH     64     /* accepts per listener before looking at the others */
#define EVENTS           64     /* epoll events per wait */

/* accept() met EMFILE or ENFILE: spends the spare descriptor to accept a
 * waiting client and close it at once. 0 when a client was refused, -1
 * when none could be (the spare is opened again at the next turn). */
static int refuse_with_spare(struct tcp_server *srv, const struct service_row *row, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd;

	if (srv->spare_fd < 0)
		return -1;
	tcp_close_counted(srv, srv->spare_fd);
	srv->spare_fd = -1;
	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	tcp_close_counted(srv, fd);
	admit_refused(srv, row, &ss, len, "out-of-descriptors", 0);
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
	const struct service_row *row = service_of(SERVICE_TCP, l->service);

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct arrival a = { .len = sizeof a.ss, .row = row };
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
				if (refuse_with_spare(srv, row, lfd) == 0)
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
			tcp_close_counted(srv, fd);
			admit_refused(srv, row, &a.ss, a.len, "out-of-descriptors", 0);
			continue;
		}
		out_of_descriptors(srv, false, NULL);
		if (srv->st->tcp_port != NULL)
			stats_add(&srv->st->tcp_port[net_port((struct sockaddr *)&l->local.ss)], 1);
		a.fd = fd;
		if (conn_dispatch(srv, &a) == BACK_OFF)
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
	if (sockset_publish_retiring(a->srv->listeners, a->published, a->nretiring) < 0)
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
			tcp_close_counted(a->srv, socks[i].fd);
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
			tcp_close_counted(a->srv, r->sock.fd);
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
	const struct sock *l = sockset_find(a->srv->listeners, fd);

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
	const struct sock *have;
	size_t nhave;
	unsigned gen = atomic_load_explicit(&srv->generation, memory_order_acquire);
	struct config *cfg;

	if (gen == a->generation && sockset_generation(srv->listeners) == a->taken)
		return;
	a->generation = gen;
	a->taken = sockset_generation(srv->listeners);
	have = sockset_served(srv->listeners, &nhave);
	cfg = shared_slot_get(&srv->cfg);
	for (size_t i = 0; i < nhave; i++) {
		const struct sock *l = &have[i];
		int save = service_of(SERVICE_TCP, l->service)->always_facts || cfg->log.path_facts;
		char where[NET_ADDRSTRLEN];

		if (l->activated && !save)
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

static void acceptor_free(struct acceptor *a)
{
	free(a->retired);
	free(a->retiring);
	free(a->published);
}

/* The accept thread's arrays: 0, or -1 (logged: TCP is not served). */
static int acceptor_alloc(struct acceptor *a)
{
	a->retired = malloc(SOCKSET_MAX * sizeof *a->retired);
	a->retiring = malloc(SOCKSET_MAX * sizeof *a->retiring);
	a->published = malloc(SOCKSET_MAX * sizeof *a->published);
	if (a->retired != NULL && a->retiring != NULL && a->published != NULL)
		return 0;
	log_errx("tcp: no memory for the accept thread; TCP is not served");
	acceptor_free(a);
	return -1;
}

void *acceptor_main(void *arg)
{
	struct acceptor a = { .srv = arg };
	struct tcp_server *srv = a.srv;
	struct epoll_event ev[EVENTS];
	int retire_ms = -1;

	pthread_setname_np(pthread_self(), "tcp-accept");

	a.generation = atomic_load(&srv->generation) - 1;      /* not yet applied */
	if (acceptor_alloc(&a) < 0)
		return NULL;
	for (;;) {
		size_t nretired;
		bool failed = false;
		int n = sockset_wait(srv->listeners, ev, EVENTS, next_timeout(&a, retire_ms),
				     a.retired, SOCKSET_MAX, &nretired);

		if (n == SOCKSET_STOP)
			break;
		if (n == SOCKSET_ERROR) {
			stats_add(&srv->st->errors, 1);
			sockset_say_lost(srv->listeners, "tcp", errno);
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
		sockset_pause(srv->listeners, a.backoff);
	}
	close_retired(&a, true);
	acceptor_free(&a);
	return NULL;
}
