/* override.h: netechod -o SECTION.KEY=VALUE, the values given on the
 * command line, kept in order for every load (start, -t, each reload).
 * Their values are checked where the file's are (config_load_over()).
 *
 * It must not check a value itself: config.c does, as the file's. */
#ifndef NETECHO_OVERRIDE_H
#define NETECHO_OVERRIDE_H

#include <stddef.h>

#define OVERRIDE_MAX 64 /* -o options on one command line */

struct overrides {
	const char *text[OVERRIDE_MAX]; /* as given (argv's: they live as long as main) */
	size_t n;
};

/* Adds one -o; -1 with why in err when it is not SECTION.KEY=VALUE or
 * there are too many. */
int override_add(struct overrides *o, const char *arg, char *err, size_t errlen);

#endif
