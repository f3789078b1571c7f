/* cfgload.c: reading the configuration, at start, for -t and in a
 * reload's job alike (see cfgload.h).
 *
 * It owns the loading and its error list; it must not bind, commit or
 * exit: its callers decide what a failure means (an exit status at start,
 * a refused reload). A reload's job calls it from its own thread: nothing
 * here keeps state. */
#include "cfgload.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "binding.h"
#include "daemon.h"
#include "escape.h"
#include "log.h"
#include "net.h"
#include "shared.h"

const char *cfgload_file(const struct cfgload_source *src)
{
	struct stat st;

	if (src->is_default && src->nov > 0 && stat(src->path, &st) < 0 && errno == ENOENT)
		return NULL;
	return src->path;
}

/* One more problem in errs, after the file's own. */
static void add(struct config_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add(struct config_errors *errs, const char *fmt, ...)
{
	va_list ap;

	if (errs->count >= CONFIG_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(errs->msg[errs->count++], CONFIG_ERROR_LEN, fmt, ap);
	va_end(ap);
}

/* What the file alone cannot tell: that the user exists, that no two
 * services ask for one port of an address. */
static bool check(const struct cfgload_source *src, const char *name, const struct config *cfg,
		  struct cfgload_user *user, struct config_errors *errs)
{
	char err[DAEMON_ERRLEN > NET_ERRLEN ? DAEMON_ERRLEN : NET_ERRLEN];

	user->set = cfg->server.user[0] != '\0';
	if (user->set && privs_lookup(cfg->server.user, cfg->server.group, &user->uid, &user->gid,
				      err, sizeof err) < 0) {
		add(errs, "%s: [server] %s", name, err);
		return false;
	}
	if (src->check_clashes && binding_check(cfg, err, sizeof err) < 0) {
		add(errs, "%s: %s", name, err);
		return false;
	}
	return true;
}

struct config *cfgload(const struct cfgload_source *src, struct cfgload_user *user,
		       struct config_errors *errs, config_origin_fn *origin, void *arg)
{
	const char *file = cfgload_file(src);
	struct config *cfg = shared_new();
	struct cfgload_user none;
	char name[PATH_MAX];

	errs->count = errs->dropped = 0;
	escape_name(name, sizeof name, file != NULL ? file : "built-in defaults");
	if (cfg == NULL) {
		add(errs, "%s: out of memory", name);
		return NULL;
	}
	if (config_load_over(file, src->ov, src->nov, cfg, errs, origin, arg) < 0 ||
	    !check(src, name, cfg, user != NULL ? user : &none, errs)) {
		shared_unref(cfg);
		return NULL;
	}
	return cfg;
}

void cfgload_print(const struct config_errors *errs, const struct cfgload_source *src, bool logged)
{
	const char *file = cfgload_file(src);
	char name[PATH_MAX];

	escape_name(name, sizeof name, file != NULL ? file : "built-in defaults");
	for (unsigned i = 0; i < errs->count; i++)
		if (logged)
			log_errx("%s", errs->msg[i]);
		else
			fprintf(stderr, "%s\n", errs->msg[i]);
	if (errs->dropped == 0)
		return;
	if (logged)
		log_errx("%s: %u more problems", name, errs->dropped);
	else
		fprintf(stderr, "%s: %u more problems\n", name, errs->dropped);
}
