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
 * Which sockets a configuration asks for, and which stay, is plan.h's. */
#ifndef NETECHO_RELOAD_H
#define NETECHO_RELOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "cfgload.h"
#include "config.h"
#include "net.h"
#include "plan.h"
#include "sockset.h"

#define RELOAD_TIMEOUT_S 15     /* a job that takes longer is given up on */
#define RELOAD_JOBS_MAX 4	/* jobs alive at once, given-up ones included */

/* What a reload may change, handed down from main. */
struct reload_target {
	struct config **cfg;            /* the configuration in force */
	struct servers *servers;	/* the TCP and UDP servers (servers.h) */
	bool activated;                 /* the service manager owns the sockets */
	const struct cfgload_source *src; /* the file (an absolute path), the -o overrides */
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

/* At stop, after reload_cancel(): waits up to seconds for the jobs given
 * up on to end. Returns false when one is still running (reading the
 * file, looking up the user or resolving): it is left to end on its own,
 * and touches nothing of main's meanwhile: it owns its memory (a
 * reference to each configuration, copies of the sockets), its sockets
 * and its own epoll descriptors, logs nothing and, given up on, signals
 * no one; a name look-up it waits for owns its state too (net.c). */
#define RELOAD_STOP_WAIT_S 1.0
bool reload_wait_jobs(double seconds);

#endif
