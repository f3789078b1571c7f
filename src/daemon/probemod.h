/* probemod.h: a /probe module as [metrics] declares it, untrusted bytes of
 * the configuration file:
 *
 *     module = NAME PROBER [count=N] [interval=S] [dscp=N] [pmtu=yes|no]
 *
 * NAME is 1-32 of [A-Za-z0-9_-] (as /probe?module= takes it) and may not
 * be a built-in module's (tcp, udp, path: they cannot be shadowed);
 * PROBER is tcp, udp or path; the settings, each at most once, separated
 * by blanks:
 *  - count=N (tcp, udp): round trips or datagrams, 1-PROBE_COUNT_MAX;
 *    without it, [metrics] probe_count;
 *  - interval=S (udp): seconds between datagrams, PROBEMOD_INTERVAL_MIN
 *    to PROBEMOD_INTERVAL_MAX; without it, PROBE_UDP_INTERVAL;
 *  - dscp=N (path): the DSCP the SYN is sent with, 0-63; without it, 46;
 *  - pmtu=yes|no (path): the path MTU search too (slower: up to
 *    PMTU_BUDGET seconds, within the probe's budget); without it, no.
 * A setting that does not apply to the prober is refused, not ignored.
 *
 * Also the module a /probe names: a built-in one or the configuration's.
 *
 * Pure and unit-tested (tests/unit_probemod.c), fuzzed through the whole
 * configuration (tests/fuzz/fuzz_config.c) and alone
 * (tests/fuzz/fuzz_probemod.c). The reason given on a refusal is a
 * literal, never the bytes refused. */
#ifndef NETECHO_PROBEMOD_H
#define NETECHO_PROBEMOD_H

#include <stddef.h>

#include "config.h"
#include "probe.h"

#define PROBEMOD_INTERVAL_MIN 0.1       /* seconds: the report service's 10 a second */
#define PROBEMOD_INTERVAL_MAX 10.0      /* seconds */
#define PROBEMOD_DSCP_PATH    46        /* the built-in path module's: EF */

/* Parses len bytes of v (no NUL needed) into *m (its line left 0): 0, or
 * -1 with a literal reason in *why. */
int probemod_parse(const char *v, size_t len, struct config_module *m, const char **why);

/* The module named name: a built-in one (tcp, udp, path) or one of
 * cfg's [metrics] modules, its prober in *pm and its settings over *pp's
 * (count from probe_count, the default interval and DSCP): 0, or -1 when
 * there is none. */
int probemod_find(const struct config *cfg, const char *name, enum probe_module *pm,
		  struct probe_params *pp);

#endif
