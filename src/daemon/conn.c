/* conn.c: the connection threads and their cache: a connection is
 * handed to a thread waiting in the cache or a new one, served by its
 * service's row (service.h) from admission to close, and its thread then
 * waits in the cache for the next one or ends; and what services use to
 * serve a connection (conn.h).
 *
 * A connection thread blocks in recv() with SO_RCVTIMEO as its idle
 * timeout. To stop it, tcp_stop_accepting() sets its stop flag and sends
 * it WAKE_SIGNAL, whose handler does nothing but interrupt recv() with
 * EINTR; the thread then half-closes, reads until the client closes (so
 * close() never resets a connection whose replies are still in flight)
 * and ends.
 *
 * The thread cache: a thread whose connection ended waits, while fewer
 * than [tcp] thread_cache do, for the accept thread to hand it the next
 * one, instead of ending; a connection costs a thread's creation only when
 * none waits. Idle threads come only from busy ones, so busy and idle
 * together never exceed max_connections.
 *
 * It must not know a service by name, nor decide who is served (admit.c). */
#include "conn.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "admit.h"
#include "log.h"
#include "net.h"
#include "report.h"
#include "service.h"
#include "shared.h"
#include "srclimit.h"
#include "tcpcore.h"

static void list_add(struct conn **head, struct conn *w)
{
	w->prev = NULL;
	w->next = *head;
	if (*head != NULL)
		(*head)->prev = w;
	*head = w;
}

static void list_del(struct conn **head, struct conn *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		*head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
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

/* TCP_NODELAY and the two timeouts of a new connection, from its own
 * configuration. */
static int options_of(int fd, const struct config *cfg)
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
static const char *drain(struct conn *w, long send_timeout)
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

struct stats *conn_stats(const struct conn *c)
{
	return c->srv->st;
}

int conn_options(struct conn *c)
{
	return options_of(c->fd, c->cfg);
}

int conn_send_all(struct conn *c, struct iovec *iov, int iovcnt, uint64_t *out)
{
	return send_all(c->fd, iov, iovcnt, out, &c->sending);
}

const char *conn_drain_on_stop(struct conn *c)
{
	return drain(c, c->cfg->tcp.send_timeout);
}

int conn_take(struct conn *c)
{
	int fd = c->fd;

	pthread_mutex_lock(&c->srv->lock);
	c->fd = -1;
	pthread_mutex_unlock(&c->srv->lock);
	return fd;
}

/* " via=ADDRESS" when the connection came through a proxy, else "". */
const char *conn_via(const struct conn *w, char *buf, size_t size)
{
	char proxy[NET_ADDRSTRLEN];

	buf[0] = '\0';
	if (w->proxylen > 0)
		snprintf(buf, size, " via=%s",
			 net_format((const struct sockaddr *)&w->proxy, w->proxylen, proxy,
				    sizeof proxy));
	return buf;
}

/* The connection's SYN (the saved SYN can be read once: here) into *f,
 * and as log fields: its facts, or syn=unreadable or why it did not
 * parse. syn is room for SAVED_SYN_MAX bytes: the worker's buffer, whose
 * first page the connection's first recv() touches anyway, rather than
 * more of the thread's stack. Returns whether *f holds facts. */
bool conn_read_syn(int fd, unsigned char *syn, struct syn_facts *f, char *fields, size_t size)
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

/* Closes the connection's socket, which no other thread then touches:
 * -1 under the lock first, as tcp_stop_accepting() reads it. */
void conn_close(struct conn *w, const char *peer)
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

/* Serves one connection from accept to close. */
static void serve(struct conn *w)
{
	char peer[NET_ADDRSTRLEN];

	net_format((struct sockaddr *)&w->peer, w->peerlen, peer, sizeof peer);
	if (!admit_after_header(w, peer, sizeof peer)) {
		conn_close(w, peer);
		return;
	}
	stats_add(&w->srv->st->service[w->row->label].tcp_total, 1); /* served: its client passed */
	w->row->serve_tcp(w, peer);
}

/* Gives a connection to w, a new thread or one from the cache; with
 * srv->lock held (or before the thread exists). */
static void assign(struct conn *w, const struct arrival *a, struct config *cfg, bool counted)
{
	w->fd = a->fd;
	w->quit = false;
	memcpy(&w->peer, &a->ss, a->len);
	w->peerlen = a->len;
	w->proxylen = 0;
	w->row = a->row;
	w->header_optional = a->header_optional;
	w->refuse_header = a->refuse_header;
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
static bool wait_in_cache(struct tcp_server *srv, struct conn *w)
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
	struct conn *w = arg;
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
		srv->done_in[w->row->label] += atomic_load_explicit(&w->in, memory_order_relaxed);
		srv->done_out[w->row->label] += atomic_load_explicit(&w->out, memory_order_relaxed);
		list_del(&srv->busy, w);
		srv->nbusy--;
		srv->nbusy_of[w->row->label]--;
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
struct conn *conn_take_dead(struct tcp_server *srv)
{
	struct conn *list = NULL, *w, *next;

	for (w = srv->dead; w != NULL; w = next) {
		next = w->next;
		if (!w->tid_valid)
			continue;       /* its creator has not stored the id yet */
		list_del(&srv->dead, w);
		list_add(&list, w);
	}
	return list;
}

void conn_join_all(struct conn *list)
{
	while (list != NULL) {
		struct conn *next = list->next;
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

/* Undoes the place conn_dispatch() kept for a thread that could not be made. */
static void unreserve(struct tcp_server *srv, const struct arrival *a, bool counted)
{
	pthread_mutex_lock(&srv->lock);
	if (counted)
		srclimit_put(srv->sources, (const struct sockaddr *)&a->ss);
	srv->nbusy--;
	srv->nbusy_of[a->row->label]--;
	pthread_cond_broadcast(&srv->changed);
	pthread_mutex_unlock(&srv->lock);
}

/* A new thread for an accepted connection, its place among the busy ones
 * kept already. */
static int start_worker(struct tcp_server *srv, const struct arrival *a, struct config *cfg,
			bool counted)
{
	struct conn *w = malloc(sizeof *w);
	int rc;

	if (w == NULL || pthread_cond_init(&w->assigned, NULL) != 0) {
		free(w);
		unreserve(srv, a, counted);
		shared_unref(cfg);
		tcp_close_counted(srv, a->fd);
		admit_failed(srv, &a->ss, a->len, "out-of-memory", 0);
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
	unreserve(srv, a, counted);
	shared_unref(w->cfg);
	pthread_cond_destroy(&w->assigned);
	free(w);
	tcp_close_counted(srv, a->fd);
	admit_failed(srv, &a->ss, a->len, "no-thread", rc);
	return BACK_OFF;
}

/* Hands an accepted connection to a cached thread or a new one, or
 * refuses it: closed at once, so that a client over a limit learns it at
 * once. */
int conn_dispatch(struct tcp_server *srv, struct arrival *a)
{
	struct config *cfg = shared_slot_get(&srv->cfg);
	struct conn *w = NULL, *dead;
	const char *reason;
	bool counted;
	long limit;

	if (admit_proxy_policy(srv, cfg, a)) {
		shared_unref(cfg);
		return DISPATCHED;
	}
	pthread_mutex_lock(&srv->lock);
	dead = conn_take_dead(srv);
	reason = admit(srv, cfg, a->row, a->from_proxy ? NULL : &a->ss, true, &counted, &limit);
	if (reason == NULL) {
		srv->nbusy++;           /* its place, whoever serves it */
		srv->nbusy_of[a->row->label]++;
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
	conn_join_all(dead);
	if (w != NULL)
		return DISPATCHED;
	if (reason == NULL)
		return start_worker(srv, a, cfg, counted);
	shared_unref(cfg);
	tcp_close_counted(srv, a->fd);
	if (limit > 0 || strcmp(reason, ADMIT_DENIED) == 0) {
		admit_say(srv, a->row, &a->ss, a->len, "", reason, limit);
		return DISPATCHED;
	}
	if (strcmp(reason, "shutdown") == 0)
		return DISPATCHED;
	admit_failed(srv, &a->ss, a->len, reason, 0);
	return BACK_OFF;
}
