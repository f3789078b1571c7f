/* unit_probemod: [metrics] module lines (src/daemon/probemod.c): each
 * prober with its settings, refusals with their reason, the whole file's
 * errors as FILE:LINE (configmetrics.c: twice, too many, a built-in's
 * name), and the module a /probe names: built-in or configured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "probemod.h"
#include "unit.h"

static struct config_module m;
static const char *why;
static struct config cfg;
static struct config_errors errs;

static int parse(const char *s)
{
	why = NULL;
	return probemod_parse(s, strlen(s), &m, &why);
}

static int load(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	if (f == NULL) {
		perror("fmemopen");
		exit(2);
	}
	config_free(&cfg);
	rc = config_load_stream(f, "t.conf", &cfg, &errs);
	fclose(f);
	return rc;
}

static void accepted(void)
{
	CHECK(parse("quick tcp") == 0);
	CHECK_STR(m.name, "quick");
	CHECK(m.prober == PROBE_TCP && m.count == 0 && m.interval == 0 && m.dscp == -1);
	CHECK(parse("  udp-20\tudp count=20   interval=0.2 ") == 0);
	CHECK_STR(m.name, "udp-20");
	CHECK(m.prober == PROBE_UDP && m.count == 20 && m.interval == 0.2);
	CHECK(parse("cs0 path dscp=0") == 0);
	CHECK(m.prober == PROBE_PATH && m.dscp == 0);
	CHECK(parse("af41 path dscp=34") == 0 && m.dscp == 34);
	CHECK(parse("mtu path pmtu=yes") == 0 && m.pmtu && m.dscp == -1);
	CHECK(parse("mtu path dscp=8 pmtu=no") == 0 && !m.pmtu && m.dscp == 8);
	CHECK(parse("mtu path") == 0 && !m.pmtu);
	CHECK(parse("many tcp count=100") == 0 && m.count == 100);
	CHECK(parse("slow udp interval=10") == 0 && m.interval == 10);
	CHECK(parse("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 tcp") == 0);     /* 32 bytes */
}

static void refused(const char *s, const char *reason)
{
	CHECK(parse(s) == -1);
	CHECK(why != NULL && strstr(why, reason) != NULL);
	if (why == NULL || strstr(why, reason) == NULL)
		fprintf(stderr, "  %s: %s\n", s, why != NULL ? why : "(no reason)");
}

static void refusals(void)
{
	refused("", "the name is");
	refused("tcp tcp", "built in");
	refused("udp udp count=3", "built in");
	refused("path path", "built in");
	refused("a.b tcp", "the name is");
	refused("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 tcp", "the name is");  /* 33 bytes */
	refused("x", "the prober is");
	refused("x icmp", "the prober is");
	refused("x tcp count", "key=value");
	refused("x tcp ttl=3", "unknown setting");
	refused("x tcp count=0", "count is a number from 1 to 100");
	refused("x tcp count=101", "count is a number from 1 to 100");
	refused("x tcp count=-1", "count is a number");
	refused("x tcp count=3x", "count is a number");
	refused("x tcp count=3 count=4", "twice");
	refused("x tcp interval=1", "interval for udp");
	refused("x path count=3", "count is for tcp and udp");
	refused("x udp dscp=3", "dscp for path");
	refused("x udp interval=0.05", "interval is seconds from 0.1 to 10");
	refused("x udp interval=11", "interval is seconds");
	refused("x udp interval=1e0", "interval is seconds");
	refused("x path dscp=64", "dscp is a number from 0 to 63");
	refused("x path dscp=", "dscp is a number");
	refused("x path dscp=12345678901234567890123456789012345", "too long");
	refused("x path pmtu=1", "pmtu is yes or no");
	refused("x path pmtu=", "pmtu is yes or no");
	refused("x path pmtu=YES", "pmtu is yes or no");
	refused("x path pmtu=yes pmtu=no", "twice");
	refused("x udp pmtu=yes", "as is pmtu");
	refused("x tcp pmtu=no", "as is pmtu");
	refused("x path mtu=yes", "unknown setting (count, interval, dscp or pmtu)");
	CHECK(probemod_parse("x tcp\0count=3", 13, &m, &why) == -1);
}

static bool has_error(const char *what)
{
	for (unsigned i = 0; i < errs.count; i++)
		if (strstr(errs.msg[i], what) != NULL)
			return true;
	return false;
}

static void in_file(void)
{
	enum probe_module pm;
	struct probe_params pp;
	char text[4096];
	size_t n;

	CHECK(load("[metrics]\nprobe_count = 7\nmodule = quick tcp count=3\n"
		   "module = cs0 path dscp=0\nmodule = loss udp count=40 interval=0.2\n") == 0);
	CHECK(cfg.metrics.nmodules == 3);
	CHECK(cfg.metrics.modules[1].line == 4);
	CHECK(probemod_find(&cfg, "quick", &pm, &pp) == 0 && pm == PROBE_TCP && pp.count == 3);
	CHECK(probemod_find(&cfg, "cs0", &pm, &pp) == 0 && pm == PROBE_PATH && pp.dscp == 0 &&
	      !pp.pmtu);
	CHECK(probemod_find(&cfg, "loss", &pm, &pp) == 0 && pm == PROBE_UDP && pp.count == 40 &&
	      pp.interval == 0.2);
	CHECK(probemod_find(&cfg, "path", &pm, &pp) == 0 && pm == PROBE_PATH &&
	      pp.dscp == PROBEMOD_DSCP_PATH);
	CHECK(probemod_find(&cfg, "udp", &pm, &pp) == 0 && pm == PROBE_UDP && pp.count == 7 &&
	      pp.interval == PROBE_UDP_INTERVAL);
	CHECK(probemod_find(&cfg, "tcp", &pm, &pp) == 0 && pm == PROBE_TCP && pp.count == 7);
	CHECK(probemod_find(&cfg, "nosuch", &pm, &pp) == -1);
	CHECK(load("[metrics]\nmodule = mtu path pmtu=yes\n") == 0);
	CHECK(probemod_find(&cfg, "mtu", &pm, &pp) == 0 && pm == PROBE_PATH && pp.pmtu &&
	      pp.dscp == PROBEMOD_DSCP_PATH);
	CHECK(probemod_find(&cfg, "path", &pm, &pp) == 0 && !pp.pmtu);
	CHECK(load("[metrics]\nmodule = b path pmtu=maybe\n") == -1);
	CHECK(has_error("t.conf:2: module: pmtu is yes or no"));

	CHECK(load("[metrics]\nmodule = a tcp\nmodule = a udp\n") == -1);
	CHECK(has_error("t.conf:3: module a: defined twice (first on line 2)"));
	CHECK(load("[metrics]\n\nmodule = tcp udp\n") == -1);
	CHECK(has_error("t.conf:3: module: tcp, udp and path are built in"));
	CHECK(load("[metrics]\nmodule = b path dscp=99\n") == -1);
	CHECK(has_error("t.conf:2: module: dscp is a number from 0 to 63"));
	CHECK(load("[tcp]\nmodule = b tcp\n") == -1);
	CHECK(has_error("t.conf:2: unknown key \"module\" in [tcp]") || has_error("t.conf:2"));

	n = (size_t)snprintf(text, sizeof text, "[metrics]\n");
	for (int i = 0; i < CONFIG_MODULES_MAX + 1; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "module = m%d tcp\n", i);
	CHECK(load(text) == -1);
	CHECK(has_error("t.conf:18: module: more than 16 modules in [metrics]"));
	CHECK(errs.count == 1);
}

int main(void)
{
	accepted();
	refusals();
	in_file();
	config_free(&cfg);
	return unit_done("unit_probemod");
}
