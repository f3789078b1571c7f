/* reload.h: reading the configuration again (SIGHUP), as a plan that is
 * committed or aborted whole.
 *
 * The plan is made in a thread of its own (a job), because making it may
 * wait: reading the file, looking up the user, resolving a host name. It
 * reads and checks the file, decides what changes, resolves only a host
 * (or port) that changed, and binds every new socket, while main goes on
 * taking signals, beating the watchdog and doing its chores. A job that
 * does not finish within RELOAD_TIMEOUT_S is given up on (the reload is
 * refused; the job cleans up after itself when it ends).
 *
 * Then main commits everything at once: the configuration for new
 * connections and datagrams, the listeners and UDP sockets (an address
 * that stays keeps its socket; a new one was bound beside the old, which
 * the serving thread retires after taking what it queued, so that there
 * is never a moment with no listener), the log settings and the
 * descriptor limit. Or it aborts with nothing changed and one line saying
 * why. Open connections are never touched either way.
 *
 * The pure parts (what changes, which sockets stay) are unit-tested in
 * tests/unit_reload.c. */
#ifndef NETECHO_RELOAD_H
#define NETECHO_RELOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "config.h"
#include "net.h"
#include "sockset.h"

#define RELOAD_TIMEOUT_S 15     /* a job that takes longer is given up on */
#define RELOAD_JOBS_MAX  4      /* jobs alive at once, given-up ones included */
#define RELOAD_FD_RESERVE 32    /* descriptors wanted beyond max_connections */

/* What a reload may change, handed down from main. */
struct reload_target {
	struct config **cfg;            /* the configuration in force */
	struct tcp_server *tcp;
	struct udp_server *udp;
	bool activated;                 /* the service manager owns the sockets */
	const char *path;               /* the file, as an absolute path */
};

/* A reload under way, kept by main. */
struct reload {
	struct reload_job *job;         /* NULL: none */
	double started;
	bool again;                     /* another SIGHUP came meanwhile */
	unsigned long done;             /* reloads finished, applied or refused */
};

/* SIGHUP: starts a job, or notes that another is wanted once the one
 * under way has finished. Returns true when a job started (main then
 * tells the service manager RELOADING=1). */
bool reload_request(struct reload *r, const struct reload_target *t, pthread_t main_thread);

/* main, woken by RELOAD_SIGNAL or its once-a-second tick: commits or
 * aborts a finished job, gives up on one past RELOAD_TIMEOUT_S, and
 * starts the next when another was asked for. Returns true when a reload
 * has just finished (main then tells the service manager READY=1). */
bool reload_poll(struct reload *r, const struct reload_target *t, pthread_t main_thread);

/* The signal a job sends main when it has finished: main takes it with
 * sigtimedwait(), so every thread blocks it. */
int reload_signal(void);

/* At start and at stop: gives up on a job under way. */
void reload_cancel(struct reload *r);

/* The sockets a configuration asks for, opened at start: the TCP
 * listeners and UDP sockets bound (not shared: another process on the
 * port makes it fail), each logged. Arrays from malloc(), handed to
 * tcp_offer() and udp_offer(). 0, or -1 with the problem logged. */
int reload_open_initial(const struct config *cfg, struct sock **tcp, size_t *ntcp,
			struct sock **udp, size_t *nudp);

/* Raises the soft descriptor limit to fit max_connections (within the
 * hard limit), and says when it cannot. */
void reload_fit_fd_limit(const struct config *cfg);

/* --- the pure parts, for the unit tests --- */

/* What a reload does to one protocol's sockets. */
struct reload_change {
	bool rebind;                    /* the host, port or enabled changed */
	bool ignored;                   /* ... but the service manager owns them */
};

/* Compares the sockets one protocol (SOCK_STREAM or SOCK_DGRAM) asks for
 * in the old and the new configuration. */
struct reload_change reload_decide(const struct config *old, const struct config *new, int type,
				   bool activated);

/* One address a configuration asks a protocol to serve. */
struct reload_want {
	struct net_addr addr;
	enum service service;
	bool any_port;                  /* port 0, the kernel's pick: any port of ours matches */
};

/* Which of the sockets bound now (cur) stay: kept[i] for cur[i]; and for
 * each wanted address the socket that serves it from now on: take[j] is
 * the index in cur of the one kept for want[j], or -1 when it needs a
 * new one. A socket stays when its address is wanted, whatever service
 * it served: it serves the one wanted now. */
void reload_match(const struct reload_want *want, size_t nwant, const struct sock *cur, size_t ncur,
		  bool *kept, long *take);

#endif
