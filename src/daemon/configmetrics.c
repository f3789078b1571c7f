/* configmetrics.c: the [metrics] section's defaults, its module lines
 * (probemod.h: "module = NAME PROBER ...", the one key that repeats) and
 * what is built from it after the whole file (config.h, configparse.h):
 * the probe_allow list. Its other keys are in config.c's table like every
 * section's.
 *
 * It must not serve, bind or log: pure configuration, like config.c. */
#include <stddef.h>
#include <string.h>

#include "acl.h"
#include "configparse.h"
#include "probemod.h"

/* the section by name is its struct service_cfg by index (config.c's
 * SAME_PLACE) */
_Static_assert(offsetof(struct config, metrics) ==
			       offsetof(struct config, service[CONFIG_METRICS]) &&
		       sizeof(((struct config *)0)->metrics) == sizeof(struct service_cfg) &&
		       offsetof(struct config, metrics.probe_allow) ==
			       offsetof(struct config, service[CONFIG_METRICS].own.metrics.probe_allow),
	       "metrics is not service[CONFIG_METRICS]");

void config_metrics_defaults(struct config *cfg)
{
	cfg->metrics.enabled = false;
	strcpy(cfg->metrics.host, "127.0.0.1");
	cfg->metrics.port = (struct config_ports){ 1, { 9597 } };
	cfg->metrics.max_connections = 32;
	cfg->metrics.timeout = 30;
	cfg->metrics.probe_max = 8;
	cfg->metrics.probe_rate = 5;
	cfg->metrics.probe_count = 10;
}

/* The module named name: its index, or -1. */
static int module_named(const struct config_metrics_keys *mk, const char *name)
{
	for (unsigned i = 0; i < mk->nmodules; i++)
		if (strcmp(mk->modules[i].name, name) == 0)
			return (int)i;
	return -1;
}

void config_metrics_module(struct parser *p, unsigned option)
{
	struct config_metrics_keys *mk = &p->cfg->metrics.own.metrics;
	struct config_module m;
	const char *why;
	int i;

	if (probemod_parse(p->lx.value, p->lx.vlen, &m, &why) != 0) {
		config_error(p, p->lineno, "module: %s", why);
		return;
	}
	i = module_named(mk, m.name);
	if (i >= 0 && option == 0) {
		config_error(p, p->lineno, "module %s: defined twice (first on line %u)", m.name,
			     mk->modules[i].line);
		return;
	}
	if (i >= 0 && p->module_option[i] != 0) {
		config_error(p, 0, "module %s: given twice with -o", m.name);
		return;
	}
	if (i < 0 && mk->nmodules == CONFIG_MODULES_MAX) {
		config_error(p, p->lineno, "module: more than %d modules in [metrics]",
			     CONFIG_MODULES_MAX);
		return;
	}
	if (i < 0)
		i = (int)mk->nmodules++;
	m.line = p->lineno;
	mk->modules[i] = m;
	p->module_option[i] = option;
	config_quoted(p->lx.value, p->lx.vlen, p->module_written[i]);
}

void config_metrics_origins(const struct parser *p, const char *file, config_origin_fn *origin,
			    void *arg)
{
	const struct config_metrics_keys *mk = &p->cfg->metrics.own.metrics;

	for (unsigned i = 0; i < mk->nmodules; i++) {
		unsigned o = p->module_option[i];

		origin(arg, "metrics", "module", p->module_written[i], o != 0 ? p->ov[o - 1] : file,
		       o != 0 ? 0 : mk->modules[i].line);
	}
}

void config_metrics_finish(struct parser *p)
{
	const struct config_list *l = &p->cfg->metrics.probe_allow;
	struct acl *a;
	char err[128];

	if (l->line == 0)
		return;         /* no list: /probe reaches nothing */
	a = acl_new();
	if (a == NULL) {
		config_error(p, l->line, "out of memory for probe_allow");
		return;
	}
	acl_allow_list(a);
	if (acl_add_list(a, l->text, l->len, ACL_ALLOW, err, sizeof err) < 0)
		config_error(p, l->line, "probe_allow: %s", err);
	if (acl_finish(a) < 0)
		config_error(p, l->line, "out of memory for probe_allow");
	p->cfg->metrics.probe_acl = a;
}

void config_metrics_free(struct config *cfg)
{
	acl_free(cfg->metrics.probe_acl);
	cfg->metrics.probe_acl = NULL;
}
