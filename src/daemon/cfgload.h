/* cfgload.h: the one way netechod reads its configuration, at start, for
 * -t and in a reload's job: the file (or, when the default file is absent
 * and -o gave values, the built-in defaults), the -o overrides over it,
 * the user looked up, and two services on one address and port refused;
 * every problem in one list, printed by one printer.
 *
 * It must not bind, commit or exit: its callers decide what a failure
 * means. */
#ifndef NETECHO_CFGLOAD_H
#define NETECHO_CFGLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* What to read. */
struct cfgload_source {
	const char *path;      /* the file */
	bool is_default;       /* -c not given: absent with overrides, none is read */
	const char *const *ov; /* -o SECTION.KEY=VALUE, in order */
	size_t nov;
	bool check_clashes; /* start and -t (a reload's plan finds them itself) */
};

/* [server] user, looked up. */
struct cfgload_user {
	bool set; /* false: no user configured */
	uid_t uid;
	gid_t gid;
};

/* Is src's file to be read, or the built-in defaults? The file name, or
 * NULL for the defaults. */
const char *cfgload_file(const struct cfgload_source *src);

/* A new configuration (shared_new(): one reference) from src, with the
 * user looked up into *user (NULL: not wanted back). NULL with every
 * problem in errs. origin: for -t (config_load_over()), or NULL. */
struct config *cfgload(const struct cfgload_source *src, struct cfgload_user *user,
		       struct config_errors *errs, config_origin_fn *origin, void *arg);

/* Every problem in errs (then how many more there were, naming what was
 * read): on stderr (start, -t) or logged as errors (a reload). */
void cfgload_print(const struct config_errors *errs, const struct cfgload_source *src, bool logged);

#endif
