/* fuzz_config: libFuzzer target for the configuration parser. Any input
 * must be either accepted, with every value within its documented bounds,
 * or refused with at least one "t.conf..." message, each one line of
 * printable ASCII (a value in it escaped: no input forges a log line);
 * never a crash, a leak or an out-of-bounds access. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A port list as the parser leaves it: 1 to CONFIG_PORTS_MAX ports. */
static bool ports_ok(const struct config_ports *p)
{
	return p->n >= 1 && p->n <= CONFIG_PORTS_MAX;
}

/* One line of printable ASCII. */
static bool printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static struct config_errors errs;
	FILE *f;
	int rc;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	rc = config_load_stream(f, "t.conf", &cfg, &errs);
	fclose(f);
	if (rc == 0) {
		if (errs.count != 0 || !ports_ok(&cfg.server.port) || !ports_ok(&cfg.tcp.port) ||
		    !ports_ok(&cfg.udp.port) || cfg.server.backlog < 1 ||
		    cfg.tcp.max_connections < 1 || cfg.tcp.reply_prefix.len > CONFIG_TEXT_MAX ||
		    cfg.tcp.greeting.len > CONFIG_TEXT_MAX || strlen(cfg.tcp.host) == 0 ||
		    strlen(cfg.udp.host) == 0 || cfg.log.level < LOG_EMERG ||
		    cfg.log.level > LOG_DEBUG || (!cfg.tcp.enabled && !cfg.udp.enabled))
			abort();
	} else {
		if (errs.count == 0 || errs.count > CONFIG_MAX_ERRORS)
			abort();
		for (unsigned i = 0; i < errs.count; i++)
			if (strncmp(errs.msg[i], "t.conf", 6) != 0 ||
			    memchr(errs.msg[i], '\0', CONFIG_ERROR_LEN) == NULL ||
			    !printable(errs.msg[i]))
				abort();
	}
	config_free(&cfg);      /* the access lists of an accepted file */
	return 0;
}
