/* servers.h: the two cores as one: the TCP server (tcp.h: the accept
 * thread, the connection threads) and the UDP server (udp.h: the receive
 * thread), made, offered their sockets, reconfigured, watched and freed
 * together, so that the start (netechod.c) and a reload (reload.c) say
 * each thing once.
 *
 * It must not hide what differs: stopping (UDP at once, TCP draining its
 * connections), the TCP counters and the accept thread's tick stay the
 * TCP server's own (s->tcp). */
#ifndef NETECHO_SERVERS_H
#define NETECHO_SERVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "plan.h"
#include "sockset.h"
#include "stats.h"

struct servers {
	struct tcp_server *tcp;         /* NULL: not made */
	struct udp_server *udp;
	unsigned long beats[PLAN_NPROTO]; /* the watchdog's last look */
};

/* Both servers, with no sockets, counting into st: 0, or -1 with errno
 * (neither is left made). */
int servers_new(struct servers *s, struct stats *st, struct config *cfg);

/* The sockets of protocol p (PLAN_TCP, PLAN_UDP) from now on: socks is
 * a malloc'd array the server owns from now on, with its descriptors. */
void servers_offer(struct servers *s, int p, struct sock *socks, size_t n);

/* Protocol p's sockets, for copies of them (a reload's). */
struct sockset *servers_sockset(struct servers *s, int p);

/* Connections and datagrams from now on are served with cfg. */
void servers_reconfigure(struct servers *s, struct config *cfg);

/* The watchdog: each serving thread beats every ms (before the start);
 * servers_stalled() names a thread that has not gone round its loop since
 * the last look ("TCP accept", "UDP receive"), or NULL. */
void servers_heartbeat_every(struct servers *s, int ms);
const char *servers_stalled(struct servers *s);

/* Starts the accept and the receive threads: 0, or an errno value with
 * which one in *what. */
int servers_start(struct servers *s, const char **what);

/* Frees both (the UDP server stopped, the TCP server's threads ended):
 * false when connection threads that never ended keep the TCP server (see
 * tcp_free()). */
bool servers_free(struct servers *s);

#endif
