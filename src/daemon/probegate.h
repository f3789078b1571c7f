/* probegate.h: whether a /probe may go, so that the [metrics] service
 * cannot be made a tool to scan or flood others: the target must be in
 * probe_allow (an access list of src/daemon/acl.c; an empty or no list
 * allows nothing), at most max_active probes run at once, and a target
 * (its address: any port) is probed at most per_target times a second
 * (a token bucket of src/daemon/ratelimit.c, bursts of per_target) and all
 * targets together at most total times a second.
 *
 * Refusals are checked in that order and one refused takes nothing: a
 * target outside the list costs no token, a busy gate no token. Any thread
 * may ask (a mutex held for a table look-up, once per probe: never per
 * connection or packet). The caller gives the time. It sends nothing. */
#ifndef NETECHO_PROBEGATE_H
#define NETECHO_PROBEGATE_H

#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"

enum probegate_verdict {
	PROBEGATE_GO,                   /* probe; then probegate_leave() */
	PROBEGATE_FORBIDDEN,            /* not in probe_allow: 403 */
	PROBEGATE_BUSY,                 /* max_active probes running: 503 */
	PROBEGATE_RATE,                 /* this target, or all, probed enough this second: 429 */
};

struct probegate;

/* A gate hashing targets with the key (k0, k1); NULL on ENOMEM. */
struct probegate *probegate_new(uint64_t k0, uint64_t k1, double per_target, double total,
				unsigned max_active);
void probegate_free(struct probegate *g);

/* New limits (a reload): probes running go on. */
void probegate_set(struct probegate *g, double per_target, double total, unsigned max_active);

enum probegate_verdict probegate_enter(struct probegate *g, const struct acl *allow,
				       const struct sockaddr *target, double now);

/* A probe that went has ended. */
void probegate_leave(struct probegate *g);

/* Probes running now. */
unsigned probegate_active(struct probegate *g);

/* The HTTP status of a verdict. */
int probegate_status(enum probegate_verdict v);

#endif
