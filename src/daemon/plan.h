/* plan.h: the sockets a configuration asks for, as start, -t and a
 * reload's job see them alike: each service's host resolved on each of
 * its ports (plan_want, plan_wanted()), two services that would share a port of one
 * address refused (plan_clash()), the sockets bound now that stay
 * (plan_match()), and the new ones bound (plan_sockets()).
 *
 * The pure parts (what changes, which sockets stay, what clashes) are
 * unit-tested in tests/unit_reload.c. */
#ifndef NETECHO_PLAN_H
#define NETECHO_PLAN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "net.h"
#include "sockset.h"

/* The protocols, as plans index them. */
enum { PLAN_TCP, PLAN_UDP, PLAN_NPROTO };

/* SOCK_STREAM or SOCK_DGRAM for PLAN_TCP or PLAN_UDP. */
int plan_socktype(int p);

/* What a reload does to one protocol's sockets. */
struct proto_plan {
	bool change;                    /* next is the set from now on */
	struct sock *next;              /* from malloc(): the kept sockets, then the opened */
	size_t nnext, nopened;
	int status;                     /* a failure's exit status at start (sysexits.h) */
	/* a reload's TCP listeners are bound by the job, but listen only at
	 * commit (plan_listen()): until then no SYN reaches them, and no
	 * client waits on a listener nobody serves yet */
	bool bound_only;
	int backlog;
	unsigned *pick;                 /* per opened socket: net_reuseport_pick()'s index, or 0 */
	atomic_int *stage;              /* the job's: where plan_sockets() is (or NULL) */
	double resolved_at, bound_at;   /* clock_now() when resolving and binding ended */
};

/* Where a reload's job is, for a message when it takes too long. */
enum { PLAN_READING, PLAN_RESOLVING, PLAN_BINDING };

/* The sockets protocol p of cfg asks for: those of cur whose address
 * stays (serving what the configuration asks of that address now), then
 * new ones, into pp->next (from malloc()). 0, or -1 with why in err and
 * how bad in pp->status (EX_CONFIG, EX_OSERR or EX_UNAVAILABLE); what it
 * opened stays in pp for plan_close(). ours: every socket of ours still
 * open (a new one shares a port only with those this plan does not keep).
 * watcher (-1: none): the serving thread's epoll (sockset_watcher()), to
 * which each new socket is added before it is offered (sockset_watch());
 * a reload's job passes one, and its new TCP listeners are then bound
 * only (bound_only: plan_listen() at commit). */
int plan_sockets(const struct config *cfg, int p, const struct sock *cur, size_t ncur,
		 const struct sock *ours, size_t nours, int watcher, struct proto_plan *pp,
		 char *err, size_t errlen);

/* Makes the TCP listeners a reload's job bound (bound_only) listen, at
 * commit, each beside a twin still retiring given every SYN of its
 * address (pick). 0, or -1 with why in err: nothing was offered yet, so
 * the reload is refused whole (plan_close()). */
int plan_listen(struct proto_plan *pp, char *err, size_t errlen);

/* Forgets a plan whose sockets were handed over (their descriptors are
 * the serving thread's now). */
void plan_handed_over(struct proto_plan *pp);

/* Closes what a plan opened and forgets it. */
void plan_close(struct proto_plan *pp);

/* "listening on" for each of n sockets of protocol p. */
void plan_log_listening(const struct sock *s, size_t n, int p);

/* --- the pure parts, for the unit tests --- */

/* What a reload does to one protocol's sockets. */
struct plan_change {
	bool rebind;                    /* the host, port or enabled changed */
	bool ignored;                   /* ... but the service manager owns them */
};

/* Compares the sockets one protocol (SOCK_STREAM or SOCK_DGRAM) asks for
 * in the old and the new configuration. */
struct plan_change plan_decide(const struct config *old, const struct config *new, int type,
			       bool activated);

/* One address a configuration asks a protocol to serve. */
struct plan_want {
	struct net_addr addr;
	enum service service;
	bool any_port;                  /* port 0, the kernel's pick: any port of ours matches */
};

/* Which of the sockets bound now (cur) stay: kept[i] for cur[i]; and for
 * each wanted address the socket that serves it from now on: take[j] is
 * the index in cur of the one kept for want[j], or -1 when it needs a
 * new one. A socket stays when its address is wanted, whatever service
 * it served: it serves the one wanted now. */
void plan_match(const struct plan_want *want, size_t nwant, const struct sock *cur, size_t ncur,
		bool *kept, long *take);

/* Which of the TCP listeners not kept (kept[i] false) stay anyway: one
 * on a specific address that a wanted wildcard of its family and port
 * covers (127.0.0.1:7000 when 0.0.0.0:7000 is wanted) goes on serving,
 * beside the new wildcard, what that wildcard serves, rather than being
 * retired: its handshakes under way complete, and a new client of its
 * address is served at once. cover[i]: the index in want of the wildcard
 * that covers cur[i], or -1. Returns -1 when out of memory, else 0. */
int plan_cover(const struct plan_want *want, size_t nwant, const struct sock *cur, size_t ncur,
	       const bool *kept, long *cover);

/* Two wanted addresses that cannot both be bound: the same family and
 * port, and the same address or one of them the wildcard (two services
 * on 127.0.0.1:7000 and *:7000), port 0 aside. *a < *b are their indexes.
 * Returns 1 when there are, 0 when not, -1 when out of memory. */
int plan_clash(const struct plan_want *want, size_t n, size_t *a, size_t *b);

/* The addresses protocol p of cfg asks for, of every service, into *out
 * (from malloc(), the caller's to free even on failure). A name is
 * resolved once a service. Two of them that cannot both be bound are
 * refused here, for start, -t and reload alike (*clash set). 0, or -1
 * with why in err. */
int plan_wanted(const struct config *cfg, int p, struct plan_want **out, size_t *n, bool *clash,
		char *err, size_t errlen);

#endif
