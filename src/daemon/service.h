/* service.h: what a service is to the shared machinery: a row of the
 * table in services.c. A row names the service, its configuration
 * section (cfg->service[section]: enabled, host, port, access keys,
 * proxy_protocol), the words its log lines begin with, and the functions
 * that serve an admitted TCP connection and an admitted UDP datagram.
 *
 * The accept thread (acceptor.c), the connection threads (conn.c), the
 * PROXY header reader (proxyread.c), admission (admit.c) and the UDP
 * receive thread (udp.c) know no service by name: they call the row.
 * Adding a service is a file of its own with its serve functions, a row
 * in services.c, a label for its sockets (enum service, sockset.h) that
 * plan.c binds from its section, and its keys (config.h, config.c);
 * HACKING.md walks it. A service that serves connections in a machinery
 * of its own (an HTTP server's, such as libmicrohttpd's
 * MHD_add_connection()) gets each admitted, accepted descriptor from its
 * serve_tcp(), takes it with conn_take() and returns at once: the
 * connection thread then goes back to the cache.
 *
 * A row must not hold state: what a service keeps between datagrams is
 * made by its udp_new() and owned by the UDP thread. */
#ifndef NETECHO_SERVICE_H
#define NETECHO_SERVICE_H

#include <stdbool.h>

#include "config.h"
#include "sockset.h"

struct conn;    /* conn.h: an admitted TCP connection, as a service sees it */
struct dgram;   /* udpcore.h: an admitted datagram, likewise */

enum { SERVICE_TCP = 1, SERVICE_UDP = 2 };  /* struct service_row's protocols */

#define SERVICES_MAX 8          /* rows of the table, at most */

struct service_row {
	const char *name;               /* "echo", "report" */
	const char *title;		/* in messages: "the echo", "the path report" */
	enum service label;             /* its sockets' (sockset.h), as plan.c binds them */
	enum config_section section;    /* its settings: cfg->service[section] */
	unsigned protocols;             /* SERVICE_TCP | SERVICE_UDP */
	const char *tcp_word;           /* its TCP lines begin so: "tcp", "report tcp" */
	const char *udp_word;           /* its UDP lines: "udp", "report udp" */
	const char *dgram_word;         /* the line of each datagram: "udp datagram" */
	bool per_source;                /* TCP: counted in [tcp] max_per_source */
	bool always_facts;              /* how each SYN, datagram arrived: always, not only
					 * with [log] path_facts */
	/* TCP: serves an admitted connection, its client's address as text in
	 * peer, from its first byte to its end, in the connection's own
	 * thread; the connection's configuration is c->cfg. It ends with
	 * conn_close() or, for a service that serves the descriptor in a
	 * machinery of its own (an HTTP server's), conn_take(). */
	void (*serve_tcp)(struct conn *c, const char *peer);
	/* UDP: what the service keeps for the UDP thread (rates, memories),
	 * made with the configuration at start (NULL with errno: UDP is not
	 * served), told of each new configuration, and freed at the end; a
	 * service that keeps nothing leaves the three NULL. */
	void *(*udp_new)(const struct config *cfg);
	void (*udp_configure)(void *state, const struct config *cfg);
	void (*udp_free)(void *state);
	/* UDP: answers (or not) an admitted datagram, already counted and
	 * logged, in the UDP thread. */
	void (*serve_udp)(struct dgram *d, void *state);
	/* A service with a machinery of its own (threads, an HTTP server's):
	 * ends it, once the connection threads have stopped; NULL: none. */
	void (*stop)(void);
};

/* The row that serves a socket of protocol SERVICE_TCP or SERVICE_UDP
 * labelled svc (sockset.h): never NULL. */
const struct service_row *service_of(unsigned protocol, enum service svc);

/* The rows, for loops over every service: *n of them. */
const struct service_row *service_rows(unsigned *n);

/* Every row's stop(), at the end (netechod.c). */
void services_stop(void);

/* The row's index among service_rows(), for state kept per service. */
unsigned service_index(const struct service_row *row);

#endif
