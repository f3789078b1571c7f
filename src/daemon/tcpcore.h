/* tcpcore.h: what the parts of the TCP connection core share: the server
 * (tcp.c makes, reconfigures and stops it), the accept thread
 * (acceptor.c), the connection threads and their cache (conn.c) and
 * admission (admit.c). Internal to them: services see conn.h only.
 *
 * It must not name a service: they are rows (service.h). */
#ifndef NETECHO_TCPCORE_H
#define NETECHO_TCPCORE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "heartbeat.h"
#include "shared.h"
#include "sockset.h"
#include "srclimit.h"
#include "stats.h"
#include "tcp.h"

#define WAKE_SIGNAL      (SIGRTMIN + 1)
#define BACKOFF_MIN_MS   10     /* first pause after accept() or a thread fails */
#define BACKOFF_MAX_MS   1000

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
	struct sockset *listeners;      /* the accept thread's (sockset.h) */
	pthread_t acceptor;
	bool accepting;
	struct srclimit *sources;       /* under lock: connections per address */
	atomic_int fd_ceiling;          /* accepted descriptors from here on are refused */
	int spare_fd;                   /* accept thread: spent when accept() meets EMFILE */
	struct heartbeat beat;          /* the accept thread's, for the watchdog */
	bool out_of_fds;                /* accept thread: in that state, said once */
	uint64_t done_in[SERVICE_LABELS];  /* under lock: bytes of ended connections, */
	uint64_t done_out[SERVICE_LABELS]; /* by service */
	struct conn *busy;
	unsigned long nbusy;
	unsigned long nbusy_of[SERVICE_LABELS]; /* under lock: nbusy by service */
	struct conn *idle;            /* the thread cache: threads waiting for a connection */
	unsigned long nidle;
	atomic_long thread_cache;       /* how many may wait there */
	struct conn *dead;            /* ended, to be joined */
	bool stopping;
	pthread_attr_t attr;
};

/* A connection the accept thread took, and what it decided of it. */
/* A connection the accept thread took, and what it decided of it. */
struct arrival {
	int fd;
	struct sockaddr_storage ss;
	socklen_t len;
	const struct service_row *row; /* the service it came to */
	bool from_proxy;                /* from proxy_from: a PROXY header comes first */
	bool header_optional;           /* the header may be left out (proxy_protocol) */
	bool refuse_header;             /* not: a PROXY header it sends is refused */
};

enum { DISPATCHED, BACK_OFF };

/* close() whose failure can only be counted: the descriptor is gone
 * either way. */
static inline void tcp_close_counted(struct tcp_server *srv, int fd)
{
	if (close(fd) < 0)
		stats_add(&srv->st->errors, 1);
}

/* acceptor.c: the accept thread (arg: the server). */
void *acceptor_main(void *arg);

/* conn.c: hands an accepted connection, admitted at accept (admit.c), to
 * a cached thread or a new one, or refuses it: closed at once, so that a
 * client over a limit learns it at once. DISPATCHED or BACK_OFF (out of
 * a resource: the accept thread pauses). */
int conn_dispatch(struct tcp_server *srv, struct arrival *a);

/* conn.c: takes the ended threads that can be joined (with srv->lock
 * held), and joins them (without). */
struct conn *conn_take_dead(struct tcp_server *srv);
void conn_join_all(struct conn *list);

/* admit.c: counts and logs a connection refused by a limit (limit: the
 * limit's value, 0: none), or one closed for want of a resource (err:
 * pthread_create's, or 0); its descriptor is closed already. */
void admit_refused(struct tcp_server *srv, const struct service_row *row,
		   const struct sockaddr_storage *ss, socklen_t len, const char *reason,
		   long limit);
void admit_failed(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		  const char *reason, int err);

#endif
