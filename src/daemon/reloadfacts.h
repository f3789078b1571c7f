/* reloadfacts.h: how the last reload went, for /metrics, as Prometheus's
 * own prometheus_config_last_reload_successful and
 * prometheus_config_last_reload_success_timestamp_seconds say it: told by
 * reload.c as each reload ends (committed, or refused whatever the
 * reason), read by any thread. Relaxed atomics; it decides nothing. */
#ifndef NETECHO_RELOADFACTS_H
#define NETECHO_RELOADFACTS_H

#include <stdbool.h>

#include "promtext.h"

/* A reload ended: committed (ok) or not. */
void reloadfacts_note(bool ok);

/* netecho_config_last_reload_successful (1 before any reload) and
 * netecho_config_last_reload_success_timestamp_seconds (started, in
 * seconds since the epoch, before any success). */
void reloadfacts_write(struct promtext *p, double started);

#endif
