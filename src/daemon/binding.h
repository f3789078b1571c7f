/* binding.h: the sockets of a configuration, planned and bound, for start
 * and a reload alike: the descriptor limit fitted to them, the sockets
 * opened at start (or taken from the service manager), a reload's new
 * plan per protocol, and -t's account of what would be bound.
 *
 * It owns no thread and keeps no state: what it opens it hands back (the
 * caller offers it to the servers, or a reload's job holds it until
 * commit or abort). Which sockets are wanted, matched and bound one by
 * one is plan.h's; reading the file is cfgload.h's. */
#ifndef NETECHO_BINDING_H
#define NETECHO_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>

#include "config.h"
#include "plan.h"
#include "sd.h"
#include "sockset.h"

#define BINDING_FD_RESERVE 32 /* descriptors wanted beyond max_connections */

/* The sockets of both protocols, from malloc(), for tcp_offer() and
 * udp_offer(). */
struct binding_socks {
	struct sock *tcp, *udp;
	size_t ntcp, nudp;
};

/* Raises the soft descriptor limit towards what cfg needs, never above
 * the hard one and never lower: into *rl the limit now. 1 when raised, 0
 * when not, -1 with errno. A reload's job calls it before binding (quiet:
 * commit says what came of it with binding_say_fd_limit()). */
int binding_raise_fd_limit(const struct config *cfg, struct rlimit *rl);

/* Logs what binding_raise_fd_limit() did (raised: its result, saved_errno
 * for -1), and warns when the limit is short of what cfg needs. */
void binding_say_fd_limit(const struct config *cfg, int raised, int saved_errno,
			  const struct rlimit *rl);

/* Start: fits the descriptor limit, then the sockets: the service
 * manager's (fds[0..nfds), nfds > 0), or bound now from cfg (the file
 * name, for messages). Each is
 * logged; *out from malloc(). 0, or an exit status (sysexits.h) with the
 * problem logged. The descriptors passed are the result's or closed. */
int binding_open(const struct config *cfg, const char *name, const struct sd_fd *fds, int nfds,
		 struct binding_socks *out);

/* What a reload's job has of the sockets bound now, per protocol:
 * copies of those served (cur) and of every one still open (ours), and
 * its own handle on the serving thread's epoll (watch). */
struct binding_now {
	struct sock *cur[PLAN_NPROTO];
	size_t ncur[PLAN_NPROTO];
	struct sock *ours[PLAN_NPROTO];
	size_t nours[PLAN_NPROTO];
	int watch[PLAN_NPROTO];
};

/* A reload: for each protocol whose sockets change from old to cfg, the
 * plan (plan_sockets()) into plan[p]. *ignored: with socket activation, a
 * change of host or port that is not used. 0, or -1 with why in err (what
 * was opened stays in plan for plan_close()). */
int binding_replan(const struct config *old, const struct config *cfg, bool activated,
		   const struct binding_now *now, struct proto_plan plan[PLAN_NPROTO],
		   bool *ignored, char *err, size_t errlen);

/* -t and start: two services that ask for a port of one address, refused
 * with the words a start and a reload use. 0 when none clash (or a host
 * does not resolve now: binding says so), -1 with the problem in err. */
int binding_check(const struct config *cfg, char *err, size_t errlen);

/* -t: every socket cfg would bind (protocol, address, port, service, and
 * for the report a port from [server]'s, which), on out; a host that does
 * not resolve now is a line saying so. 0, or -1 with a clash in err. */
int binding_print(const struct config *cfg, FILE *out, char *err, size_t errlen);

#endif
