/* unit_override: -o SECTION.KEY=VALUE over a file or the built-in
 * defaults (config_load_over() in src/daemon/config.c): applied before the
 * checks across keys, lexed and checked as the file's, each problem named
 * by its option; and the origins -t prints. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static struct config cfg;
static struct config_errors errs;

/* Loads over the built-in defaults (path NULL) or a file. */
static int over(const char *path, const char *const *ov, size_t n)
{
	config_free(&cfg);
	return config_load_over(path, ov, n, &cfg, &errs, NULL, NULL);
}

static void test_defaults_and_inheritance(void)
{
	const char *ov[] = {"server.port=7000", "tcp.reply_prefix=", "udp.echo=yes"};

	CHECK(over(NULL, ov, 3) == 0);
	/* [server] port flows to the services and to the report (+1), as the
	 * file's would: the overrides come before the checks across keys */
	CHECK(cfg.tcp.port.n == 1 && cfg.tcp.port.port[0] == 7000);
	CHECK(cfg.udp.port.n == 1 && cfg.udp.port.port[0] == 7000);
	CHECK(cfg.report.port.n == 1 && cfg.report.port.port[0] == 7001);
	CHECK(cfg.tcp.reply_prefix.len == 0);
	CHECK(cfg.udp.echo);
	CHECK(over(NULL, NULL, 0) == 0 && cfg.tcp.port.port[0] == 50000);
}

static void test_quoting_and_order(void)
{
	const char *ov[] = {"tcp.reply_prefix=\"a b\\x00\"", "tcp.greeting=one",
			    "tcp.greeting=two"};

	CHECK(over(NULL, ov, 3) == 0);
	CHECK_MEM(cfg.tcp.reply_prefix.data, cfg.tcp.reply_prefix.len, "a b\0", 4);
	CHECK_MEM(cfg.tcp.greeting.data, cfg.tcp.greeting.len, "two", 3); /* the later wins */
}

/* A section name longer than any section is an unknown section, not a
 * value too long. */
static void test_long_section(void)
{
	const char *ov[] = {"averyveryverylongsection.key=1"};

	CHECK(over(NULL, ov, 1) < 0);
	CHECK(errs.count == 1);
	CHECK_STR(errs.msg[0], "-o averyveryverylongsection.key: unknown section ([server], [tcp], "
			       "[udp], [report], [metrics], [log])");
}

static void test_errors(void)
{
	const char *ov[] = {"tcp.port=99999",	"nowhere.key=1", "tcp.nokey=1",
			    "server.allow=::1", "noequals",	 "tcp.greeting=\x01",
			    "log.level=loud"};

	CHECK(over(NULL, ov, 7) < 0);
	CHECK(errs.count == 7);
	CHECK_STR(
		errs.msg[0],
		"-o tcp.port: port: \"99999\" is not a port (0 to 65535) nor a range (as 7000-7010)");
	CHECK_STR(errs.msg[1],
		  "-o nowhere.key: unknown section ([server], [tcp], [udp], [report], [metrics], [log])");
	CHECK_STR(errs.msg[2], "-o tcp.nokey: unknown key in [tcp]");
	CHECK_STR(errs.msg[3],
		  "-o server.allow: access lists and list files are set in the file only");
	CHECK_STR(errs.msg[4],
		  "-o noequals: not SECTION.KEY=VALUE (at most 198 bytes after the dot)");
	CHECK_STR(errs.msg[5],
		  "-o tcp.greeting: a control character (0x01): write it as \\x01 in quotes");
	CHECK(strncmp(errs.msg[6], "-o log.level: level: unknown level", 34) == 0);
	/* a check across keys sees the overrides too */
	{
		const char *off[] = {"tcp.enabled=no", "udp.enabled=no"};

		CHECK(over(NULL, off, 2) < 0 && errs.count == 1);
		CHECK_STR(
			errs.msg[0],
			"built-in defaults: nothing to serve: both [tcp] and [udp] have enabled = no");
	}
}

/* Origins, as -t prints them. */
static char seen[8][200];
static int nseen;

static void note(void *arg, const char *section, const char *key, const char *value,
		 const char *where, unsigned line)
{
	(void)arg;
	if (nseen < 8)
		snprintf(seen[nseen++], sizeof seen[0], "%s.%s=%s@%s:%u", section, key, value,
			 where, line);
}

static void test_over_a_file(void)
{
	char path[] = "/tmp/unit_override.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	const char *ov[] = {"tcp.reply_prefix=opt", "server.port=7000"};

	if (f == NULL) {
		perror("mkstemp");
		exit(2);
	}
	fputs("[server]\nbacklog = 128\n[tcp]\nreply_prefix = file\ngreeting = hi\n", f);
	fclose(f);
	config_free(&cfg);
	nseen = 0;
	CHECK(config_load_over(path, ov, 2, &cfg, &errs, note, NULL) == 0);
	CHECK_MEM(cfg.tcp.reply_prefix.data, cfg.tcp.reply_prefix.len, "opt", 3);
	CHECK_MEM(cfg.tcp.greeting.data, cfg.tcp.greeting.len, "hi", 2);
	/* backlog = 128 is the default: not shown; the rest in key order */
	CHECK(nseen == 3);
	CHECK_STR(seen[0], "server.port=\"7000\"@server.port=7000:0");
	CHECK_STR(seen[1], "tcp.reply_prefix=\"opt\"@tcp.reply_prefix=opt:0");
	{
		char want[200];

		snprintf(want, sizeof want, "tcp.greeting=\"hi\"@%s:5", path);
		CHECK_STR(seen[2], want);
	}
	unlink(path);
}

int main(void)
{
	test_defaults_and_inheritance();
	test_quoting_and_order();
	test_errors();
	test_long_section();
	test_over_a_file();
	config_free(&cfg);
	return unit_done("unit_override");
}
