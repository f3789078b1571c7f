/* conn.h: an accepted TCP connection and its thread, as the connection
 * core (conn.c) keeps them and a service (service.h) serves them.
 *
 * A connection thread owns its socket and buffer, and holds a reference
 * to the configuration it started with until it ends; the server's lock
 * guards the fields marked so. A service reads the fields and calls the
 * functions below; it must not change the core's fields (lists, quit,
 * tid) nor close the descriptor itself: conn_close() or conn_take(). */
#ifndef NETECHO_CONN_H
#define NETECHO_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "config.h"
#include "stats.h"
#include "synparse.h"
#include "tcp.h"

#define SAVED_SYN_MAX 512       /* bytes of a saved SYN's headers: IPv6 extension headers too */

struct service_row;

struct conn {
	struct tcp_server *srv;
	struct conn *prev, *next;       /* on srv->busy, srv->idle or srv->dead */
	pthread_cond_t assigned;        /* idle: a connection came, or time to go */
	bool quit;                      /* under srv->lock: idle and no longer wanted */
	pthread_t tid;
	bool tid_valid;                 /* under srv->lock: tid is set */
	int fd;                         /* under srv->lock once serving; -1 once closed */
	struct sockaddr_storage peer;   /* under srv->lock: the client (from a PROXY header too) */
	socklen_t peerlen;
	struct sockaddr_storage proxy;  /* the proxy it came through, when it did */
	socklen_t proxylen;             /* 0: it did not */
	const struct service_row *row;  /* the service it came to */
	bool from_proxy;                /* from proxy_from: a PROXY header is to be read */
	bool header_optional;           /* from_proxy: the header may be left out */
	bool refuse_header;             /* a PROXY header in its first bytes is refused */
	struct config *cfg;             /* this connection's settings (a reference) */
	bool per_source;                /* counted in srv->sources */
	atomic_bool sending;            /* interrupted in a send: not to be interrupted again */
	atomic_bool stop;               /* asked to end (tcp_stop_accepting()) */
	atomic_bool stopping;           /* the thread has seen it */
	stat_t in, out;                 /* bytes so far, for the stats line */
	char buf[TCP_BUFSIZE];
};

/* The counters the connection counts into. */
struct stats *conn_stats(const struct conn *c);

/* TCP_NODELAY and the two timeouts ([tcp] idle_timeout, send_timeout) of
 * the connection, from its own configuration. 0, or -1 with errno. */
int conn_options(struct conn *c);

/* Sends all of the iovecs, going on after EINTR: a connection owes its
 * replies even while it is asked to stop. Adds what it sent to *out.
 * Returns 0, or -1 with errno (EAGAIN: the send timeout passed). */
int conn_send_all(struct conn *c, struct iovec *iov, int iovcnt, uint64_t *out);

/* After a stop request (c->stop): half-closes, then reads and drops what
 * the client still sends until it closes, or takes nothing for
 * send_timeout. Returns the reason the connection ends. */
const char *conn_drain_on_stop(struct conn *c);

/* Closes the connection's socket (counted and logged when close()
 * fails). peer names it in the log. */
void conn_close(struct conn *c, const char *peer);

/* The connection's descriptor, which the caller owns from now on: the
 * core no longer touches it (nor stops it at shutdown). */
int conn_take(struct conn *c);

/* " via=ADDRESS" when the connection came through a proxy, else "". */
const char *conn_via(const struct conn *c, char *buf, size_t size);

/* The connection's SYN (the saved SYN can be read once: here) into *f,
 * and as log fields: its facts, or syn=unreadable or why it did not
 * parse. syn is room for SAVED_SYN_MAX bytes. Returns whether *f holds
 * facts. */
bool conn_read_syn(int fd, unsigned char *syn, struct syn_facts *f, char *fields, size_t size);

/* A service's first bytes read from a client not in proxy_from, where
 * proxy_protocol = optional (c->refuse_header): false when they open
 * with a PROXY header, which is refused (counted and logged): close the
 * connection. admit.c's. */
bool admit_first_bytes(struct conn *c, const char *peer, const char *buf, size_t len);

#endif
