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
 * Out of descriptors, the accept thread spends a spare one it keeps for the
 * purpose: it accepts the waiting client and closes it at once, so clients
 * are refused rather than left hanging in the listen queue.
 *
 * The thread cache: a thread whose connection ended waits, while fewer
 * than [tcp] thread_cache do, for the accept thread to hand it the next
 * one, instead of ending; a connection costs a thread's creation only when
 * none waits. Idle threads come only from busy ones, so busy and idle
 * together never exceed max_connections. */
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "heartbeat.h"
#include "log.h"
#include "net.h"
#include "srclimit.h"

#define WAKE_SIGNAL      (SIGRTMIN + 1)
#define ACCEPT_BATCH     64     /* accepts per listener before polling again */
#define BACKOFF_MIN_MS   10     /* first pause after accept() or a thread fails */
#define BACKOFF_MAX_MS   1000
#define RESIGNAL_MS      100    /* a stop request is repeated this often */
#define STOP_GRACE_S     5      /* after closing the rest, how long to wait for their threads */
#define DRAIN_MAX        4096   /* connections taken from replaced listeners, at most */
#define DRAIN_MAX_S      0.2    /* ... and seconds spent on it */

enum { INHERIT_UNKNOWN, INHERIT_YES, INHERIT_NO };

struct worker {
	struct tcp_server *srv;
	struct worker *prev, *next;     /* on srv->busy, srv->idle or srv->dead */
	pthread_cond_t assigned;        /* idle: a connection came, or time to go */
	bool quit;                      /* under srv->lock: idle and no longer wanted */
	pthread_t tid;
	bool tid_valid;                 /* under srv->lock: tid is set */
	int fd;                         /* under srv->lock once serving; -1 once closed */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct config *cfg;             /* this connection's settings (a reference) */
	bool per_source;                /* counted in srv->sources */
	bool fresh;                     /* queued after the listener got its current options */
	atomic_bool sending;            /* interrupted in a send: not to be interrupted again */
	atomic_bool stop;               /* asked to end (tcp_stop_accepting()) */
	atomic_bool stopping;           /* the thread has seen it */
	atomic_ulong in, out;           /* bytes so far, for the stats line */
	char buf[TCP_BUFSIZE];
};

struct tcp_server {
	struct stats *st;
	pthread_mutex_t lock;
	pthread_cond_t changed;         /* a connection ended */
	struct config_slot cfg;         /* for new connections */
	int lfds[NET_MAX_ADDRS];
	size_t nlfds;
	int wakefd;                     /* eventfd: stops the accept thread */
	atomic_bool drain;              /* ... after accepting what is queued */
	pthread_t acceptor;
	bool accepting;
	struct srclimit *sources;       /* under lock: connections per address */
	int spare_fd;                   /* accept thread: spent when out of descriptors */
	struct heartbeat beat;          /* the accept thread's, for the watchdog */
	bool out_of_fds;                /* accept thread: in that state, said once */
	/* socket options set on the listeners, which accepted sockets inherit
	 * on Linux (checked on the first connection: see serve()) */
	atomic_long lopt_idle, lopt_send;
	atomic_int inherits;            /* INHERIT_UNKNOWN, _YES or _NO */
	atomic_uint opt_epoch;          /* odd while the listener options change */
	unsigned long done_in, done_out;        /* under lock: bytes of ended connections */
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

static double now_s(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux; if it did, time stands still */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends all of the iovecs, going on after EINTR: a connection owes its
 * replies even while it is asked to stop. Once interrupted it sets
 * *sending, so that the stop procedure leaves it alone and the send
 * timeout can run its course. Adds what it sent to *out. Returns 0, or -1
 * with errno (EAGAIN: the send timeout passed). */
static int send_all(int fd, struct iovec *iov, int iovcnt, unsigned long *out, atomic_bool *sending)
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
		*out += (unsigned long)n;
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

/* Does fd carry the options its listener was given? */
static bool inherited(int fd, long idle, long send_timeout)
{
	struct timeval rcv, snd;
	socklen_t lr = sizeof rcv, ls = sizeof snd, ln;
	int nodelay = 0;

	ln = sizeof nodelay;
	return getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, &lr) == 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, &ls) == 0 &&
	       getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &ln) == 0 &&
	       rcv.tv_sec == idle && snd.tv_sec == send_timeout && nodelay;
}

/* TCP_NODELAY and the two timeouts for a new connection: nothing to do
 * when they came with the socket from its listener. */
static int connection_options(struct worker *w, const struct config *cfg)
{
	struct tcp_server *srv = w->srv;
	long idle = cfg->tcp.idle_timeout, send_timeout = cfg->tcp.send_timeout;
	int one = 1, state = atomic_load_explicit(&srv->inherits, memory_order_relaxed);

	/* only a connection queued after its listener got the options it
	 * now has can carry them (w->fresh, from the accept thread) */
	if (state != INHERIT_NO && w->fresh && idle == atomic_load(&srv->lopt_idle) &&
	    send_timeout == atomic_load(&srv->lopt_send)) {
		if (state == INHERIT_YES)
			return 0;
		state = inherited(w->fd, idle, send_timeout) ? INHERIT_YES : INHERIT_NO;
		atomic_store(&srv->inherits, state);
		if (state == INHERIT_NO)
			log_msg(LOG_INFO, "tcp: sockets do not inherit their listener's options here; set per connection");
		if (state == INHERIT_YES)
			return 0;
	}
	if (setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    set_timeout(w->fd, SO_RCVTIMEO, idle) < 0 || set_timeout(w->fd, SO_SNDTIMEO, send_timeout) < 0)
		return -1;
	return 0;
}

/* Gives the listeners the options connections are to have. */
static void listener_options(struct tcp_server *srv, const struct config *cfg)
{
	int one = 1;

	char where[NET_ADDRSTRLEN];

	atomic_fetch_add(&srv->opt_epoch, 1);   /* odd: changing */
	atomic_store(&srv->lopt_idle, -1);      /* not to be relied on meanwhile */
	for (size_t i = 0; i < srv->nlfds; i++)
		if (setsockopt(srv->lfds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
		    set_timeout(srv->lfds[i], SO_RCVTIMEO, cfg->tcp.idle_timeout) < 0 ||
		    set_timeout(srv->lfds[i], SO_SNDTIMEO, cfg->tcp.send_timeout) < 0) {
			log_msg(LOG_WARNING, "tcp: cannot set options on the listener %s: %s",
				net_local(srv->lfds[i], where, sizeof where), strerror(errno));
			atomic_fetch_add(&srv->opt_epoch, 1);
			return;         /* lopt_idle stays -1: set per connection */
		}
	atomic_store(&srv->lopt_send, cfg->tcp.send_timeout);
	atomic_store(&srv->lopt_idle, cfg->tcp.idle_timeout);
	atomic_fetch_add(&srv->opt_epoch, 1);   /* even: settled */
}

/* After a stop request: the replies are sent; half-close, then read and
 * drop whatever the client still sends until it closes. A client that
 * takes none of what it is sent (the bytes waiting in our send queue do
 * not shrink) for send_timeout is not waited for any longer. Returns the
 * reason the connection ends. */
static const char *linger(struct worker *w, long send_timeout)
{
	int unsent = -1, now;

	atomic_store(&w->stopping, true);
	if (shutdown(w->fd, SHUT_WR) < 0)
		return "shutdown";
	if (set_timeout(w->fd, SO_RCVTIMEO, send_timeout) < 0 || ioctl(w->fd, SIOCOUTQ, &unsent) < 0)
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

/* Serves one connection from accept to close. */
static void serve(struct worker *w)
{
	const struct config *cfg = w->cfg;
	char peer[NET_ADDRSTRLEN];
	unsigned long in = 0, out = 0;
	const char *reason = "eof";
	double start = now_s();
	int fd = w->fd, rc;

	net_format((struct sockaddr *)&w->peer, w->peerlen, peer, sizeof peer);
	if (log_enabled(LOG_INFO) && log_take())
		log_msg(LOG_INFO, "tcp open peer=%s", peer);
	if (connection_options(w, cfg) < 0) {
		reason = strerror(errno);
		stats_add(&w->srv->st->errors, 1);
		goto done;
	}
	if (cfg->tcp.greeting.len > 0) {
		struct iovec iov = { (void *)cfg->tcp.greeting.data, cfg->tcp.greeting.len };

		if (send_all(fd, &iov, 1, &out, &w->sending) < 0) {
			reason = reason_of(errno);
			goto done;
		}
	}
	for (;;) {
		ssize_t n;

		if (atomic_load_explicit(&w->stop, memory_order_relaxed)) {
			reason = linger(w, cfg->tcp.send_timeout);
			break;
		}
		n = recv(fd, w->buf, sizeof w->buf, 0);
		if (n > 0) {
			struct iovec iov[2] = {
				{ (void *)cfg->tcp.reply_prefix.data, cfg->tcp.reply_prefix.len },
				{ w->buf, (size_t)n },
			};
			struct iovec *v = cfg->tcp.reply_prefix.len > 0 ? iov : iov + 1;

			in += (unsigned long)n;
			atomic_store_explicit(&w->in, in, memory_order_relaxed);
			if (cfg->log.data)
				log_data("tcp data", peer, w->buf, (size_t)n, true);
			rc = send_all(fd, v, (int)(iov + 2 - v), &out, &w->sending);
			atomic_store_explicit(&w->out, out, memory_order_relaxed);
			if (rc < 0) {
				reason = errno == EAGAIN ? "send-timeout" : reason_of(errno);
				break;
			}
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		reason = reason_of(errno);
		break;
	}
	/* what our own forced close at the end of shutdown_timeout looks like */
	if (atomic_load(&w->stop) && (strcmp(reason, "peer-closed") == 0 || strcmp(reason, "reset") == 0))
		reason = "shutdown";
done:
	pthread_mutex_lock(&w->srv->lock);
	w->fd = -1;
	pthread_mutex_unlock(&w->srv->lock);
	if (close(fd) < 0) {
		stats_add(&w->srv->st->errors, 1);
		if (log_take())
			log_msg(LOG_WARNING, "tcp close peer=%s: %s", peer, strerror(errno));
	}
	atomic_store_explicit(&w->in, in, memory_order_relaxed);
	atomic_store_explicit(&w->out, out, memory_order_relaxed);
	if (log_enabled(LOG_INFO) && log_take())
		log_msg(LOG_INFO, "tcp close peer=%s in=%lu out=%lu duration=%.3fs reason=%s",
			peer, in, out, now_s() - start, reason);
}

/* Gives a connection to w, a new thread or one from the cache; with
 * srv->lock held (or before the thread exists). */
static void assign(struct worker *w, int fd, const struct sockaddr_storage *ss, socklen_t len,
		   struct config *cfg, bool counted, bool fresh)
{
	w->fd = fd;
	w->quit = false;
	w->fresh = fresh;
	memcpy(&w->peer, ss, len);
	w->peerlen = len;
	w->cfg = cfg;
	w->per_source = counted;
	atomic_store(&w->stop, false);
	atomic_store(&w->stopping, false);
	atomic_store(&w->in, 0);
	atomic_store(&w->out, 0);
	atomic_store(&w->sending, false);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tcp_server *srv = w->srv;
	sigset_t wake;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	if (pthread_sigmask(SIG_UNBLOCK, &wake, NULL) != 0 && log_take())
		log_msg(LOG_WARNING, "tcp: a connection thread cannot be woken to stop; it ends at shutdown_timeout");
	for (;;) {
		serve(w);
		config_unref(w->cfg);
		w->cfg = NULL;
		pthread_mutex_lock(&srv->lock);
		if (w->per_source)
			srclimit_put(srv->sources, (struct sockaddr *)&w->peer);
		srv->done_in += atomic_load_explicit(&w->in, memory_order_relaxed);
		srv->done_out += atomic_load_explicit(&w->out, memory_order_relaxed);
		list_del(&srv->busy, w);
		srv->nbusy--;
		pthread_cond_broadcast(&srv->changed);
		if (!srv->stopping && srv->nidle < (unsigned long)atomic_load(&srv->thread_cache)) {
			/* into the cache, until the accept thread hands over the
			 * next connection (it moves us to busy) */
			list_add(&srv->idle, w);
			srv->nidle++;
			while (w->fd < 0 && !w->quit && !srv->stopping)
				pthread_cond_wait(&w->assigned, &srv->lock);
			if (w->fd >= 0) {
				pthread_mutex_unlock(&srv->lock);
				continue;
			}
			/* stopping, or no longer wanted: leave the cache (counted
			 * in it until now, so that a shutdown waits for us) */
			list_del(&srv->idle, w);
			srv->nidle--;
		}
		list_add(&srv->dead, w);
		pthread_cond_broadcast(&srv->changed);
		pthread_mutex_unlock(&srv->lock);
		return NULL;
	}
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
			log_msg(LOG_ERR, "tcp: cannot join a connection thread: %s", strerror(rc));
		} else {        /* (not while it may still run) */
			pthread_cond_destroy(&list->assigned);
			free(list);
		}
		list = next;
	}
}

enum { DISPATCHED, BACK_OFF };

/* Logs and counts a connection refused by a limit. */
static void refuse(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		   const char *reason, long limit)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->tcp_refused, 1);
	if (log_enabled(LOG_NOTICE) && log_take()) {
		net_format((const struct sockaddr *)ss, len, peer, sizeof peer);
		if (limit > 0)
			log_msg(LOG_NOTICE, "tcp refused peer=%s reason=%s (%ld)", peer, reason, limit);
		else
			log_msg(LOG_NOTICE, "tcp refused peer=%s reason=%s", peer, reason);
	}
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

/* Hands an accepted connection to a cached thread or a new one, or
 * refuses it: accepted and closed at once, so that a client over a limit
 * learns it at once. */
static int dispatch(struct tcp_server *srv, int fd, const struct sockaddr_storage *ss, socklen_t len,
		    bool fresh)
{
	struct worker *w, *dead;
	struct config *cfg = config_slot_get(&srv->cfg);
	const char *reason = NULL;
	char peer[NET_ADDRSTRLEN];
	long limit = 0;
	bool counted = false;
	int rc;

	pthread_mutex_lock(&srv->lock);
	dead = take_dead(srv);
	if (srv->stopping) {
		reason = "";
	} else if (srv->nbusy >= (unsigned long)cfg->tcp.max_connections) {
		reason = "max_connections";
		limit = cfg->tcp.max_connections;
	} else if (cfg->tcp.max_per_source > 0) {
		counted = srclimit_take(srv->sources, (const struct sockaddr *)ss,
					(unsigned long)cfg->tcp.max_per_source);
		if (!counted && errno == ENOMEM)
			reason = "out-of-memory";
		else if (!counted) {
			reason = "max_per_source";
			limit = cfg->tcp.max_per_source;
		}
	}
	if (reason == NULL && srv->idle != NULL) {
		/* a cached thread takes it */
		w = srv->idle;
		list_del(&srv->idle, w);
		srv->nidle--;
		assign(w, fd, ss, len, cfg, counted, fresh);
		list_add(&srv->busy, w);
		srv->nbusy++;
		/* under the lock: once it is released the thread may run, finish
		 * and be gone (a spurious wake-up can start it early) */
		pthread_cond_signal(&w->assigned);
		pthread_mutex_unlock(&srv->lock);
		join_all(dead);
		stats_add(&srv->st->tcp_total, 1);
		return DISPATCHED;
	}
	if (reason == NULL)
		srv->nbusy++;           /* a place kept for the new thread */
	pthread_mutex_unlock(&srv->lock);
	join_all(dead);
	if (reason != NULL) {
		config_unref(cfg);
		stats_close(srv->st, fd);
		if (limit > 0)
			refuse(srv, ss, len, reason, limit);
		else if (*reason != '\0')
			goto failed;
		return DISPATCHED;
	}

	w = malloc(sizeof *w);
	if (w == NULL || pthread_cond_init(&w->assigned, NULL) != 0) {
		free(w);
		unreserve(srv, ss, counted);
		config_unref(cfg);
		stats_close(srv->st, fd);
		reason = "out-of-memory";
		goto failed;
	}
	w->srv = srv;
	w->tid_valid = false;
	w->quit = false;
	assign(w, fd, ss, len, cfg, counted, fresh);
	pthread_mutex_lock(&srv->lock);
	list_add(&srv->busy, w);        /* before it runs: it leaves the list itself */
	pthread_mutex_unlock(&srv->lock);

	rc = pthread_create(&w->tid, &srv->attr, worker_main, w);
	pthread_mutex_lock(&srv->lock);
	if (rc == 0) {
		w->tid_valid = true;
		pthread_mutex_unlock(&srv->lock);
		stats_add(&srv->st->tcp_total, 1);
		return DISPATCHED;
	}
	list_del(&srv->busy, w);
	pthread_mutex_unlock(&srv->lock);
	unreserve(srv, ss, counted);
	config_unref(w->cfg);
	pthread_cond_destroy(&w->assigned);
	free(w);
	stats_close(srv->st, fd);
	stats_add(&srv->st->errors, 1);
	if (log_take()) {
		net_format((const struct sockaddr *)ss, len, peer, sizeof peer);
		log_msg(LOG_ERR, "tcp refused peer=%s reason=no-thread (pthread_create: %s); pausing new connections",
			peer, strerror(rc));
	}
	return BACK_OFF;
failed:
	stats_add(&srv->st->errors, 1);
	if (log_take()) {
		net_format((const struct sockaddr *)ss, len, peer, sizeof peer);
		log_msg(LOG_ERR, "tcp refused peer=%s reason=%s", peer, reason);
	}
	return BACK_OFF;
}

/* Out of descriptors: spends the spare one to accept a waiting client and
 * close it at once. 0 when a client was refused, -1 when none could be. */
static int refuse_one(struct tcp_server *srv, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd;

	if (srv->spare_fd < 0)
		return -1;
	stats_close(srv->st, srv->spare_fd);
	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd >= 0) {
		stats_close(srv->st, fd);
		refuse(srv, &ss, len, "out-of-descriptors", 0);
	}
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd >= 0 && srv->spare_fd >= 0 ? 0 : -1;
}

/* Accepts what is waiting on one listener. *clean is the options epoch
 * in which its queue was last seen empty: a connection accepted in that
 * same settled epoch was queued after the options were set. */
static int accept_some(struct tcp_server *srv, int lfd, unsigned *clean)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		unsigned epoch = atomic_load(&srv->opt_epoch);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		bool fresh = fd >= 0 && epoch % 2 == 0 && *clean == epoch &&
			     atomic_load(&srv->opt_epoch) == epoch;

		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				if (epoch % 2 == 0 && atomic_load(&srv->opt_epoch) == epoch)
					*clean = epoch;
				return DISPATCHED;
			case EINTR:
			case ECONNABORTED:      /* the client gave up in the queue */
			case EPROTO:
			case EPERM:             /* a firewall said no */
				continue;
			case EMFILE:
			case ENFILE:
				stats_add(&srv->st->errors, 1);
				if (!srv->out_of_fds)
					log_msg(LOG_ERR, "tcp accept: %s; refusing new connections until some close",
						strerror(errno));
				srv->out_of_fds = true;
				if (refuse_one(srv, lfd) == 0)
					continue;
				return BACK_OFF;
			default:                /* ENOBUFS, ENOMEM ... */
				stats_add(&srv->st->errors, 1);
				if (log_take())
					log_msg(LOG_ERR, "tcp accept: %s; pausing new connections", strerror(errno));
				return BACK_OFF;
			}
		}
		if (srv->out_of_fds) {
			srv->out_of_fds = false;
			log_msg(LOG_NOTICE, "tcp accept: descriptors available again; accepting");
		}
		if (dispatch(srv, fd, &ss, len, fresh) == BACK_OFF)
			return BACK_OFF;
	}
	return DISPATCHED;
}

/* Is a connection waiting to be accepted on lfd? */
static bool more_queued(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/* Replaced by new listeners: takes what the old ones queued, within
 * bounds, so that a flood to the old address cannot hold up a reload. */
static void drain(struct tcp_server *srv, const struct pollfd *pfd, size_t n, unsigned *clean)
{
	double deadline = now_s() + DRAIN_MAX_S;
	long taken = 0;

	for (size_t i = 0; i < n; i++)
		while (taken < DRAIN_MAX && now_s() < deadline && more_queued(pfd[i].fd)) {
			if (accept_some(srv, pfd[i].fd, &clean[i]) == BACK_OFF)
				return;
			taken += ACCEPT_BATCH;
		}
}

static void *acceptor_main(void *arg)
{
	struct tcp_server *srv = arg;
	struct pollfd pfd[NET_MAX_ADDRS + 1];
	unsigned clean[NET_MAX_ADDRS];
	size_t n = srv->nlfds;
	int backoff = 0;

	for (size_t i = 0; i < n; i++) {
		pfd[i] = (struct pollfd){ .fd = srv->lfds[i], .events = POLLIN };
		clean[i] = 1;           /* odd: never seen empty yet */
	}
	pfd[n] = (struct pollfd){ .fd = srv->wakefd, .events = POLLIN };
	for (;;) {
		bool failed = false;
		int rc = poll(pfd, n + 1, heartbeat_beat(&srv->beat));

		if (rc < 0) {
			if (errno == EINTR)
				continue;
			stats_add(&srv->st->errors, 1);
			if (log_take())
				log_msg(LOG_ERR, "tcp poll: %s", strerror(errno));
			failed = true;
		}
		if (rc > 0 && pfd[n].revents != 0)
			break;
		for (size_t i = 0; rc > 0 && i < n; i++)
			if (pfd[i].revents != 0 && accept_some(srv, pfd[i].fd, &clean[i]) == BACK_OFF)
				failed = true;
		if (!failed) {
			backoff = 0;
			continue;
		}
		/* out of descriptors, memory or threads: wait before trying
		 * again, longer each time, but wake at once to stop */
		backoff = backoff == 0 ? BACKOFF_MIN_MS : backoff * 2;
		if (backoff > BACKOFF_MAX_MS)
			backoff = BACKOFF_MAX_MS;
		if (poll(&pfd[n], 1, backoff) > 0)
			break;
	}
	if (atomic_load(&srv->drain))
		drain(srv, pfd, n, clean);
	return NULL;
}

struct tcp_server *tcp_new(struct stats *st, struct config *cfg)
{
	struct tcp_server *srv = calloc(1, sizeof *srv);
	struct sigaction sa = { .sa_handler = on_wake };
	pthread_condattr_t ca;
	uint64_t key[2];

	if (srv == NULL)
		return NULL;
	srv->st = st;
	srv->wakefd = -1;
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
	config_slot_init(&srv->cfg, cfg);
	atomic_init(&srv->thread_cache, cfg->tcp.thread_cache);
	atomic_init(&srv->lopt_idle, -1);
	atomic_init(&srv->lopt_send, -1);
	atomic_init(&srv->inherits, INHERIT_UNKNOWN);
	atomic_init(&srv->opt_epoch, 0);
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
	srv->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv->wakefd < 0)
		goto fail;
	/* a secret hash key, so that clients cannot aim at one bucket */
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		goto fail;
	srv->sources = srclimit_new(key[0], key[1]);
	if (srv->sources == NULL)
		goto fail;
	return srv;
fail:
	tcp_free(srv);
	return NULL;
fail_alloc:
	free(srv);
	return NULL;
}

int tcp_start(struct tcp_server *srv, const int *fds, size_t nfds)
{
	uint64_t count;
	int rc;

	if (nfds > NET_MAX_ADDRS || srv->accepting)
		return EINVAL;
	if (nfds > 0)           /* fds may be NULL then */
		memcpy(srv->lfds, fds, nfds * sizeof *fds);
	srv->nlfds = nfds;
	if (nfds == 0)
		return 0;
	{
		struct config *cfg = config_slot_get(&srv->cfg);

		listener_options(srv, cfg);
		config_unref(cfg);
	}
	/* forget an earlier stop request */
	if (read(srv->wakefd, &count, sizeof count) < 0 && errno != EAGAIN)
		return errno;
	atomic_store(&srv->drain, false);
	rc = pthread_create(&srv->acceptor, NULL, acceptor_main, srv);
	if (rc == 0)
		srv->accepting = true;
	return rc;
}

void tcp_reconfigure(struct tcp_server *srv, struct config *cfg)
{
	config_slot_set(&srv->cfg, cfg);
	listener_options(srv, cfg);
	atomic_store(&srv->thread_cache, cfg->tcp.thread_cache);
	/* a smaller cache: the threads beyond it are told to leave; each
	 * takes itself off the list, so they stay counted until they go */
	pthread_mutex_lock(&srv->lock);
	{
		unsigned long keep = (unsigned long)cfg->tcp.thread_cache, seen = 0;

		for (struct worker *w = srv->idle; w != NULL; w = w->next)
			if (!w->quit && ++seen > keep) {
				w->quit = true;
				pthread_cond_signal(&w->assigned);
			}
	}
	pthread_mutex_unlock(&srv->lock);
}

void tcp_set_backlog(struct tcp_server *srv, int backlog)
{
	for (size_t i = 0; i < srv->nlfds; i++)
		if (listen(srv->lfds[i], backlog) < 0)
			log_msg(LOG_WARNING, "tcp: cannot change the backlog: %s", strerror(errno));
}

void tcp_counters(struct tcp_server *srv, unsigned long *active, unsigned long *in, unsigned long *out)
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

unsigned long tcp_active(struct tcp_server *srv)
{
	unsigned long n;

	pthread_mutex_lock(&srv->lock);
	n = srv->nbusy;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

static void stop_acceptor(struct tcp_server *srv, bool drain)
{
	uint64_t one = 1;
	int rc;

	if (!srv->accepting) {
		for (size_t i = 0; i < srv->nlfds; i++)
			stats_close(srv->st, srv->lfds[i]);
		srv->nlfds = 0;
		return;
	}
	atomic_store(&srv->drain, drain);
	if (write(srv->wakefd, &one, sizeof one) < 0)
		log_msg(LOG_ERR, "tcp: cannot wake the accept thread: %s", strerror(errno));
	if ((rc = pthread_join(srv->acceptor, NULL)) != 0)
		log_msg(LOG_ERR, "tcp: cannot join the accept thread: %s", strerror(rc));
	srv->accepting = false;
	for (size_t i = 0; i < srv->nlfds; i++)
		stats_close(srv->st, srv->lfds[i]);
	srv->nlfds = 0;
}

int tcp_replace_listeners(struct tcp_server *srv, const int *fds, size_t nfds)
{
	stop_acceptor(srv, true);
	return tcp_start(srv, fds, nfds);
}

/* Waits until no connection is left or the deadline passes; with lock
 * held. Repeats the wake-up to threads that have not seen it yet. */
static void wait_idle(struct tcp_server *srv, double deadline)
{
	while (srv->nbusy > 0 && now_s() < deadline) {
		struct timespec ts;
		double until = now_s() + RESIGNAL_MS / 1000.0;

		if (until > deadline)
			until = deadline;
		for (struct worker *w = srv->busy; w != NULL; w = w->next) {
			int rc;

			/* a thread in a send must finish it or time out: a
			 * signal would start its send timeout over */
			if (!w->tid_valid || atomic_load(&w->stopping) || atomic_load(&w->sending))
				continue;
			rc = pthread_kill(w->tid, WAKE_SIGNAL);
			if (rc != 0 && log_take())
				log_msg(LOG_WARNING, "tcp: cannot wake a connection thread: %s", strerror(rc));
		}
		ts.tv_sec = (time_t)until;
		ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
		/* ETIMEDOUT is the normal way out; the loop checks the rest */
		(void)pthread_cond_timedwait(&srv->changed, &srv->lock, &ts);
	}
}

void tcp_stop_accepting(struct tcp_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	pthread_mutex_unlock(&srv->lock);
	stop_acceptor(srv, false);
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
	wait_idle(srv, now_s() + seconds);
	left = srv->nbusy;
	pthread_mutex_unlock(&srv->lock);
	return left;
}

void tcp_close_all(struct tcp_server *srv)
{
	struct worker *dead;

	pthread_mutex_lock(&srv->lock);
	if (srv->nbusy > 0) {
		log_msg(LOG_NOTICE, "tcp: closing %lu connections still open", srv->nbusy);
		for (struct worker *w = srv->busy; w != NULL; w = w->next)
			if (w->fd >= 0 && shutdown(w->fd, SHUT_RDWR) < 0 && errno != ENOTCONN) {
				char peer[NET_ADDRSTRLEN];

				log_msg(LOG_WARNING, "tcp: shutdown peer=%s: %s",
					net_format((struct sockaddr *)&w->peer, w->peerlen, peer, sizeof peer),
					strerror(errno));
			}
		wait_idle(srv, now_s() + STOP_GRACE_S);
		if (srv->nbusy > 0)
			log_msg(LOG_ERR, "tcp: %lu connection threads did not end", srv->nbusy);
	}
	/* the cached threads leave on their own: wait for them too */
	{
		double deadline = now_s() + STOP_GRACE_S;

		while (srv->nidle > 0 && now_s() < deadline) {
			double until = now_s() + 0.1;
			struct timespec ts = { .tv_sec = (time_t)until };

			ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
			(void)pthread_cond_timedwait(&srv->changed, &srv->lock, &ts);
		}
	}
	dead = take_dead(srv);
	pthread_mutex_unlock(&srv->lock);
	join_all(dead);
}

void tcp_stop(struct tcp_server *srv, long timeout)
{
	tcp_stop_accepting(srv);
	tcp_wait(srv, (double)timeout);
	tcp_close_all(srv);
}

void tcp_reap(struct tcp_server *srv)
{
	struct worker *dead;

	pthread_mutex_lock(&srv->lock);
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
	/* with no listener there is nothing to prove; one that should run
	 * and does not (a failed restart on reload) is not alive */
	return heartbeat_moved(&srv->beat, last) || (srv->nlfds == 0 && !srv->accepting);
}

int tcp_wake_signal(void)
{
	return WAKE_SIGNAL;
}

void tcp_free(struct tcp_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->nbusy > 0 || srv->nidle > 0)
		return;         /* threads that never ended still use it: keep it */
	if (srv->wakefd >= 0)
		stats_close(srv->st, srv->wakefd);
	if (srv->spare_fd >= 0)
		stats_close(srv->st, srv->spare_fd);
	srclimit_free(srv->sources);
	config_slot_destroy(&srv->cfg);
	pthread_attr_destroy(&srv->attr);
	pthread_cond_destroy(&srv->changed);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

size_t tcp_local_addrs(struct tcp_server *srv, struct net_addr *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < srv->nlfds && k < max; i++) {
		out[k].len = sizeof out[k].ss;
		if (getsockname(srv->lfds[i], (struct sockaddr *)&out[k].ss, &out[k].len) == 0)
			k++;
	}
	return k;
}
