/* probemod.c: [metrics] module lines and the module a /probe names (see
 * probemod.h). Pure: it must not log, read files or probe. */
#include "probemod.h"

#include <stdbool.h>
#include <string.h>

#include "parse.h"
#include "probequery.h"

_Static_assert(CONFIG_MODULE_NAME_MAX == PROBE_MODULE_MAX, "a module's name: one bound");

#define WORD_MAX 32                     /* bytes of one word of the line */

enum setting { S_COUNT = 1, S_INTERVAL = 2, S_DSCP = 4, S_PMTU = 8 };

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* the next blank-separated word of v[*at..len) into w: its length, 0 at
 * the end, -1 when longer than WORD_MAX */
static int word(const char *v, size_t len, size_t *at, char w[WORD_MAX + 1])
{
	size_t i = *at, n = 0;

	while (i < len && blank(v[i]))
		i++;
	while (i < len && !blank(v[i])) {
		if (n == WORD_MAX)
			return -1;
		w[n++] = v[i++];
	}
	w[n] = '\0';
	*at = i;
	return (int)n;
}

/* pmtu's value: yes or no */
static int yes_no(const char *v, bool *b, const char **why)
{
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
		*why = "pmtu is yes or no";
		return -1;
	}
	*b = v[0] == 'y';
	return 0;
}

/* one "key=value" setting into m: 0, or -1 with *why */
static int setting(const char *w, struct config_module *m, unsigned *seen, const char **why)
{
	const char *eq = strchr(w, '=');
	long n;
	double s;
	unsigned bit;

	if (eq == NULL) {
		*why = "a setting is key=value (count=N, interval=SECONDS, dscp=N or pmtu=yes)";
		return -1;
	}
	if (eq - w == 5 && memcmp(w, "count", 5) == 0)
		bit = S_COUNT;
	else if (eq - w == 8 && memcmp(w, "interval", 8) == 0)
		bit = S_INTERVAL;
	else if (eq - w == 4 && memcmp(w, "dscp", 4) == 0)
		bit = S_DSCP;
	else if (eq - w == 4 && memcmp(w, "pmtu", 4) == 0)
		bit = S_PMTU;
	else {
		*why = "unknown setting (count, interval, dscp or pmtu)";
		return -1;
	}
	if (*seen & bit) {
		*why = "a setting given twice";
		return -1;
	}
	*seen |= bit;
	if ((bit == S_COUNT && m->prober == PROBE_PATH) ||
	    (bit == S_INTERVAL && m->prober != PROBE_UDP) ||
	    (bit & (S_DSCP | S_PMTU) && m->prober != PROBE_PATH)) {
		*why = "count is for tcp and udp, interval for udp, dscp for path, as is pmtu";
		return -1;
	}
	if (bit == S_PMTU)
		return yes_no(eq + 1, &m->pmtu, why);
	if (bit == S_INTERVAL) {
		if (parse_seconds(eq + 1, PROBEMOD_INTERVAL_MIN, PROBEMOD_INTERVAL_MAX, &s) != 0) {
			*why = "interval is seconds from 0.1 to 10";
			return -1;
		}
		m->interval = s;
		return 0;
	}
	if (parse_long(eq + 1, bit == S_COUNT ? 1 : 0, bit == S_COUNT ? PROBE_COUNT_MAX : 63,
		       &n) != 0) {
		*why = bit == S_COUNT ? "count is a number from 1 to 100" :
					"dscp is a number from 0 to 63";
		return -1;
	}
	if (bit == S_COUNT)
		m->count = (unsigned)n;
	else
		m->dscp = (int)n;
	return 0;
}

int probemod_parse(const char *v, size_t len, struct config_module *m, const char **why)
{
	char w[WORD_MAX + 1];
	size_t at = 0;
	unsigned seen = 0;
	enum probe_module pm;
	int n;

	memset(m, 0, sizeof *m);
	m->dscp = -1;
	if (memchr(v, '\0', len) != NULL) {
		*why = "a NUL byte";
		return -1;
	}
	n = word(v, len, &at, w);
	if (n <= 0 || !probequery_module_valid(w, (size_t)n)) {
		*why = "NAME PROBER [settings]: the name is 1-32 of A-Z a-z 0-9 _ -";
		return -1;
	}
	if (probe_module(w, &pm) == 0) {
		*why = "tcp, udp and path are built in: give the module another name";
		return -1;
	}
	memcpy(m->name, w, (size_t)n + 1);
	n = word(v, len, &at, w);
	if (n <= 0 || probe_module(w, &pm) != 0) {
		*why = "NAME PROBER [settings]: the prober is tcp, udp or path";
		return -1;
	}
	m->prober = (int)pm;
	while ((n = word(v, len, &at, w)) != 0)
		if (n < 0 || setting(w, m, &seen, why) != 0) {
			if (n < 0)
				*why = "a setting is too long";
			return -1;
		}
	return 0;
}

int probemod_find(const struct config *cfg, const char *name, enum probe_module *pm,
		  struct probe_params *pp)
{
	const struct config_module *m = NULL;

	pp->count = (unsigned)cfg->metrics.probe_count;
	pp->interval = PROBE_UDP_INTERVAL;
	pp->dscp = PROBEMOD_DSCP_PATH;
	pp->pmtu = false;
	if (probe_module(name, pm) == 0)
		return 0;
	for (unsigned i = 0; i < cfg->metrics.nmodules && m == NULL; i++)
		if (strcmp(cfg->metrics.modules[i].name, name) == 0)
			m = &cfg->metrics.modules[i];
	if (m == NULL)
		return -1;
	*pm = (enum probe_module)m->prober;
	if (m->count > 0)
		pp->count = m->count;
	if (m->interval > 0)
		pp->interval = m->interval;
	if (m->dscp >= 0)
		pp->dscp = m->dscp;
	pp->pmtu = m->pmtu;
	return 0;
}
