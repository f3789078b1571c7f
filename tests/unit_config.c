/* unit_config: the configuration parser (src/daemon/config.c): every key, the
 * defaults, quoting and escapes, and each error with its line number. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <syslog.h>

#include "acl.h"
#include "config.h"
#include "unit.h"

static struct config cfg;

/* A port list's one port; -1 when it holds another number of them. */
#define ONE(ports) ((ports).n == 1 ? (long)(ports).port[0] : -1L)
static struct config_errors errs;

/* Parses text of len bytes (NUL bytes allowed) as file "t.conf". */
static int load_n(const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int rc;

	if (f == NULL) {
		perror("fmemopen");
		exit(2);
	}
	config_free(&cfg);      /* the access lists of the last load */
	rc = config_load_stream(f, "t.conf", &cfg, &errs);
	fclose(f);
	return rc;
}

/* The file at path. */
static int load_file(const char *path)
{
	config_free(&cfg);
	return config_load(path, &cfg, &errs);
}

static int load(const char *text)
{
	return load_n(text, strlen(text));
}

/* The only problem reported is want. */
#define CHECK_ERROR(text, want) do { \
	CHECK(load(text) == -1); \
	CHECK(errs.count == 1); \
	CHECK_STR(errs.msg[0], want); \
} while (0)

static void test_defaults(void)
{
	CHECK(load("") == 0);
	CHECK_STR(cfg.server.host, "127.0.0.1");
	CHECK(ONE(cfg.server.port) == 50000);
	CHECK(cfg.server.backlog == 128);
	CHECK(cfg.tcp.enabled);
	CHECK_STR(cfg.tcp.host, "127.0.0.1");
	CHECK(ONE(cfg.tcp.port) == 50000);
	CHECK_MEM(cfg.tcp.reply_prefix.data, cfg.tcp.reply_prefix.len, "Receive: ", (size_t)9);
	CHECK(cfg.tcp.greeting.len == 0);
	CHECK(cfg.tcp.max_connections == 1024);
	CHECK(cfg.tcp.idle_timeout == 300);
	CHECK(cfg.udp.enabled);
	CHECK_STR(cfg.udp.host, "127.0.0.1");
	CHECK(ONE(cfg.udp.port) == 50000);
	CHECK(!cfg.udp.echo);
	CHECK(cfg.log.level == LOG_INFO);
	CHECK(cfg.log.facility == LOG_DAEMON);
	CHECK(cfg.log.data && cfg.log.path_facts);
	/* the report service: on, on the echo port + 1 */
	CHECK(cfg.report.enabled && ONE(cfg.report.port) == 50001 &&
	      strcmp(cfg.report.host, "127.0.0.1") == 0);
	CHECK(cfg.report.show_local && cfg.report.rate == 10 && cfg.report.rate_total == 1000);
	/* comments and blank lines only */
	CHECK(load("; a comment\n# another\n\n   \n\t; indented\n") == 0);
	CHECK(ONE(cfg.server.port) == 50000);
}

static void test_every_key(void)
{
	CHECK(load("[server]\n"
		   "host = ::1\n"
		   "port = 7000\n"
		   "backlog = 5\n"
		   "[tcp]\n"
		   "enabled = no\n"
		   "reply_prefix = \"> \"\n"
		   "greeting = \"hello\\r\\n\"\n"
		   "max_connections = 10\n"
		   "idle_timeout = 0\n"
		   "[udp]\n"
		   "enabled = yes\n"
		   "echo = yes\n"
		   "[log]\n"
		   "level = debug\n"
		   "facility = local3\n"
		   "data = off\n") == 0);
	CHECK_STR(cfg.server.host, "::1");
	CHECK(ONE(cfg.server.port) == 7000);
	CHECK(cfg.server.backlog == 5);
	CHECK(!cfg.tcp.enabled);
	CHECK_MEM(cfg.tcp.reply_prefix.data, cfg.tcp.reply_prefix.len, "> ", (size_t)2);
	CHECK_MEM(cfg.tcp.greeting.data, cfg.tcp.greeting.len, "hello\r\n", (size_t)7);
	CHECK(cfg.tcp.max_connections == 10);
	CHECK(cfg.tcp.idle_timeout == 0);
	CHECK(cfg.udp.enabled);
	CHECK(cfg.udp.echo);
	CHECK(cfg.log.level == LOG_DEBUG);
	CHECK(cfg.log.facility == LOG_LOCAL3);
	CHECK(!cfg.log.data);
	/* [tcp] and [udp] inherit [server] host and port ... */
	CHECK_STR(cfg.tcp.host, "::1");
	CHECK(ONE(cfg.tcp.port) == 7000);
	CHECK_STR(cfg.udp.host, "::1");
	CHECK(ONE(cfg.udp.port) == 7000);
	/* ... unless they set their own, in any order */
	CHECK(load("[tcp]\nport = 8000\nhost = 0.0.0.0\n[udp]\nhost = *\n"
		   "[server]\nport = 9000\n") ==
	      0);
	CHECK_STR(cfg.tcp.host, "0.0.0.0");
	CHECK(ONE(cfg.tcp.port) == 8000);
	CHECK_STR(cfg.udp.host, "*");
	CHECK(ONE(cfg.udp.port) == 9000);
	CHECK_STR(cfg.server.host, "127.0.0.1");
	/* the report follows [server] (port + 1), or its own; port 0 stays 0 */
	CHECK(ONE(cfg.report.port) == 9001 && strcmp(cfg.report.host, "127.0.0.1") == 0);
	CHECK(load("[server]\nhost = ::1\nport = 0\n") == 0 && ONE(cfg.report.port) == 0);
	CHECK_STR(cfg.report.host, "::1");
	CHECK(load("[report]\nhost = *\nport = 7999\nshow_local "
		   "= no\nrate = 3\nrate_total = 30\n") ==
	      0);
	CHECK(ONE(cfg.report.port) == 7999 && !cfg.report.show_local && cfg.report.rate == 3 &&
	      cfg.report.rate_total == 30);
	CHECK_STR(cfg.report.host, "*");
	/* every level and facility name */
	{
		static const char *const lv[] = {"emerg",   "alert", "crit",   "err",  "error",
						 "warning", "warn",  "notice", "info", "debug"};
		static const int lvv[] = {LOG_EMERG, LOG_ALERT,	  LOG_CRIT,    LOG_ERR,
					  LOG_ERR,   LOG_WARNING, LOG_WARNING, LOG_NOTICE,
					  LOG_INFO,  LOG_DEBUG};
		char text[64];

		for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
			snprintf(text, sizeof text, "[log]\nlevel = %s\n", lv[i]);
			CHECK(load(text) == 0 && cfg.log.level == lvv[i]);
		}
		for (int i = 0; i < 8; i++) {
			snprintf(text, sizeof text, "[log]\nfacility = local%d\n", i);
			CHECK(load(text) == 0 && cfg.log.facility == LOG_LOCAL0 + (i << 3));
		}
		CHECK(load("[log]\nfacility = user\n") == 0 && cfg.log.facility == LOG_USER);
		CHECK(load("[log]\nfacility = daemon\n") == 0 && cfg.log.facility == LOG_DAEMON);
	}
	/* booleans */
	CHECK(load("[udp]\necho = true\n") == 0 && cfg.udp.echo);
	CHECK(load("[udp]\necho = On\n") == 0 && cfg.udp.echo);
	CHECK(load("[udp]\necho = 1\n") == 0 && cfg.udp.echo);
	CHECK(load("[udp]\necho = yes\n[tcp]\nenabled = false\n") == 0 && !cfg.tcp.enabled);
	/* the edges of each range */
	CHECK(load("[server]\nport = 0\n") == 0 && ONE(cfg.server.port) == 0);
	CHECK(load("[server]\nport = 65535\n[report]\nenabled = no\n") == 0 &&
	      ONE(cfg.server.port) == 65535);
	CHECK_ERROR("[server]\nport = 65535\n",
		    "t.conf: [report] port would be 65536 (the highest [server] port + 1): set it, "
		    "or enabled = no");
	CHECK(load("[server]\nbacklog = 1\n") == 0 && cfg.server.backlog == 1);
	CHECK(load("[tcp]\nmax_connections = 1000000\n") == 0 &&
	      cfg.tcp.max_connections == 1000000);
}

static void test_quoting(void)
{
	/* quotes keep spaces; every escape */
	CHECK(load("[tcp]\nreply_prefix = \"  a \\n\\r\\t\\\\\\\"\\x41\\x00z  \"\n") == 0);
	CHECK_MEM(cfg.tcp.reply_prefix.data, cfg.tcp.reply_prefix.len, "  a \n\r\t\\\"A\0z  ",
		  (size_t)14);
	/* an empty quoted value, and an empty unquoted one */
	CHECK(load("[tcp]\nreply_prefix = \"\"\n") == 0 && cfg.tcp.reply_prefix.len == 0);
	CHECK(load("[tcp]\nreply_prefix =\n") == 0 && cfg.tcp.reply_prefix.len == 0);
	/* ';' and '#' inside quotes are text, not comments */
	CHECK(load("[tcp]\ngreeting = \"a ; b # c\" ; comment\n") == 0);
	CHECK_MEM(cfg.tcp.greeting.data, cfg.tcp.greeting.len, "a ; b # c", (size_t)9);
	/* unquoted: inline comments after a blank, surrounding blanks trimmed */
	CHECK(load("[tcp]\ngreeting =   hi there   ; comment\n") == 0);
	CHECK_MEM(cfg.tcp.greeting.data, cfg.tcp.greeting.len, "hi there", (size_t)8);
	CHECK(load("[server]\nport = 7000 # comment\n") == 0 && ONE(cfg.server.port) == 7000);
	CHECK(load("[tcp]\ngreeting = a;b#c\n") == 0);
	CHECK_MEM(cfg.tcp.greeting.data, cfg.tcp.greeting.len, "a;b#c", (size_t)5);
	/* quoted numbers and names work too */
	CHECK(load("[server]\nport = \"7001\"\n[log]\nlevel = \"debug\"\n") == 0);
	CHECK(ONE(cfg.server.port) == 7001 && cfg.log.level == LOG_DEBUG);
	/* indentation, CRLF line ends, a byte order mark, blanks in headers */
	CHECK(load("\xef\xbb\xbf[server]\r\n   port = 7002\r\n"
		   "[ tcp ]\r\n\tmax_connections = 3\r\n") ==
	      0);
	CHECK(ONE(cfg.server.port) == 7002 && cfg.tcp.max_connections == 3);
	/* the longest value: 256 bytes after unescaping */
	{
		char text[600];
		int n = snprintf(text, sizeof text, "[tcp]\ngreeting = \"");

		for (int i = 0; i < 45; i++)
			n += snprintf(text + n, sizeof text - (size_t)n, "\\x41");
		n += snprintf(text + n, sizeof text - (size_t)n, "\"\n");
		CHECK(load(text) == 0 && cfg.tcp.greeting.len == 45);
	}
}

static void test_errors(void)
{
	CHECK_ERROR("[server]\nport = 70000\n",
		    "t.conf:2: port: \"70000\" is not a port (0 to 65535) nor a range (as "
		    "7000-7010)");
	CHECK_ERROR("[server]\nport = -1\n",
		    "t.conf:2: port: \"-1\" is not a port (0 to 65535) nor a range (as 7000-7010)");
	CHECK_ERROR("[server]\n\nport = 80x\n",
		    "t.conf:3: port: \"80x\" is not a port (0 to 65535) nor a range (as "
		    "7000-7010)");
	CHECK_ERROR("[server]\nport =\n", "t.conf:2: port: no port");
	CHECK_ERROR("[server]\nbacklog = 0\n",
		    "t.conf:2: backlog: \"0\" is out of range (1 to 65535)");
	CHECK_ERROR("[tcp]\nmax_connections = 0\n",
		    "t.conf:2: max_connections: \"0\" is out of range (1 to 1000000)");
	CHECK_ERROR("[tcp]\nidle_timeout = 5s\n", "t.conf:2: idle_timeout: \"5s\" is not a number");
	CHECK_ERROR(
		"[tcp]\nidle_timeout = 99999999999999999999\n",
		"t.conf:2: idle_timeout: \"99999999999999999999\" is out of range (0 to 2592000)");
	CHECK_ERROR("[udp]\necho = maybe\n",
		    "t.conf:2: echo: \"maybe\" is not a boolean (yes or no)");
	CHECK_ERROR(
		"[log]\nlevel = verbose\n",
		"t.conf:2: level: unknown level (emerg, alert, crit, err, warning, notice, info or "
		"debug) \"verbose\"");
	CHECK_ERROR(
		"[log]\nfacility = mail\n",
		"t.conf:2: facility: unknown facility (daemon, user or local0 to local7) \"mail\"");
	CHECK_ERROR("[tcp]\nfoo = 1\n", "t.conf:2: unknown key \"foo\" in [tcp]");
	CHECK_ERROR("[tcp]\nPort = 1\n", "t.conf:2: unknown key \"Port\" in [tcp]");
	CHECK_ERROR("[server]\nreply_prefix = x\n",
		    "t.conf:2: unknown key \"reply_prefix\" in [server]");
	CHECK_ERROR(
		"[bogus]\nkey = 1\nother = 2\n",
		"t.conf:1: unknown section \"bogus\" (known: "
		"[server], [tcp], [udp], [report], [metrics], [log])");
	CHECK_ERROR(
		"port = 1\n",
		"t.conf:1: key \"port\" outside a section (put it under [server], [tcp], [udp], "
		"[report], [metrics] or [log])");
	CHECK_ERROR(
		"[server]\njust words\n",
		"t.conf:2: malformed line \"just words\" (expected key = value, [section] or a "
		"comment)");
	CHECK_ERROR(
		"[server]\nport: 7000\n",
		"t.conf:2: malformed line \"port: 7000\" (expected key = value, [section] or a "
		"comment)");
	CHECK_ERROR("[server\n",
		    "t.conf:1: malformed section header \"[server\" (expected [name])");
	CHECK_ERROR("[server] x\n",
		    "t.conf:1: malformed section header \"[server] x\" (expected [name])");
	CHECK_ERROR("[server]\n= 5\n", "t.conf:2: missing key name before '='");
	CHECK_ERROR("[server]\nho st = x\n",
		    "t.conf:2: malformed key \"ho st\" (letters, digits and _ only)");
	CHECK_ERROR("[server]\nport = 1\nport = 2\n",
		    "t.conf:3: port: set twice in [server] (first on line 2)");
	CHECK_ERROR("[tcp]\ngreeting = \"abc\n",
		    "t.conf:2: unterminated quoted value (missing closing \")");
	CHECK_ERROR("[tcp]\ngreeting = \"abc\\\"\n",
		    "t.conf:2: unterminated quoted value (missing closing \")");
	CHECK_ERROR("[tcp]\ngreeting = \"abc\" def\n",
		    "t.conf:2: unexpected text after the closing quote: \" def\"");
	CHECK_ERROR("[tcp]\ngreeting = \"\\q\"\n",
		    "t.conf:2: greeting: unknown escape \\q (use \\n \\r \\t \\\\ \\\" or \\xHH)");
	CHECK_ERROR("[tcp]\ngreeting = \"\\x4\"\n", "t.conf:2: greeting: \\x needs two hex digits");
	CHECK_ERROR("[tcp]\ngreeting = \"\\xzz\"\n",
		    "t.conf:2: greeting: \\x needs two hex digits");
	CHECK_ERROR("[server]\nhost = \"a b\"\n",
		    "t.conf:2: host: \"a b\" is not a host name or address");
	CHECK_ERROR("[server]\nhost =\n",
		    "t.conf:2: host: must be an address, a host name or * (1 to 255 bytes)");
	CHECK_ERROR("[server]\nhost = \"\\x00\"\n", "t.conf:2: host: value contains a NUL byte");
	CHECK_ERROR("[tcp]\nenabled = no\n[udp]\nenabled = no\n",
		    "t.conf: nothing to serve: both [tcp] and [udp] have enabled = no");
	/* a NUL byte in the file */
	CHECK(load_n("[server]\nport = 7\0001\n", 18) == -1);
	CHECK(errs.count == 1);
	CHECK_STR(errs.msg[0], "t.conf:2: line contains a NUL byte");
	/* control characters: never in the file, even inside quotes */
	CHECK_ERROR(
		"[server]\nport = \x1b[31m\n",
		"t.conf:2: line contains a control character (0x1b); in a quoted value write it as "
		"\\x1b");
	CHECK_ERROR(
		"[tcp]\ngreeting = hello\v; world\n",
		"t.conf:2: line contains a control character (0x0b); in a quoted value write it as "
		"\\x0b");
	CHECK_ERROR(
		"[server]\nport = \f7000\n",
		"t.conf:2: line contains a control character (0x0c); in a quoted value write it as "
		"\\x0c");
	CHECK_ERROR(
		"[tcp]\ngreeting = \"a\x7f"
		"b\"\n",
		"t.conf:2: line contains a control character (0x7f); in a quoted value write it as "
		"\\x7f");
	/* signs: no plus, and no minus where no negative number fits */
	CHECK_ERROR("[server]\nport = +80\n",
		    "t.conf:2: port: \"+80\" is not a port (0 to 65535) nor a range (as "
		    "7000-7010)");
	CHECK_ERROR("[tcp]\nidle_timeout = -0\n",
		    "t.conf:2: idle_timeout: \"-0\" is out of range (0 to 2592000)");
	/* after a malformed header, its keys are not reported again */
	CHECK_ERROR("[server\nport = 7\nhost = x\n",
		    "t.conf:1: malformed section header \"[server\" (expected [name])");
	/* names of levels and facilities in any case, as booleans */
	CHECK(load("[log]\nlevel = INFO\nfacility = Local2\ndata = YES\n") == 0);
	CHECK(cfg.log.level == LOG_INFO && cfg.log.facility == LOG_LOCAL2 && cfg.log.data);
}

/* Lines up to CONFIG_LINE_MAX bytes are read whole; longer ones are
 * reported, never split (Debian's inih would cut them at 199 bytes). */
static void test_long_lines(void)
{
	char text[1200];
	int n;

	/* exactly the limit: accepted, all of it */
	n = snprintf(text, sizeof text, "[tcp]\ngreeting = \"");
	memset(text + n, 'g', (size_t)(CONFIG_LINE_MAX - 13));
	n += CONFIG_LINE_MAX - 13;
	n += snprintf(text + n, sizeof text - (size_t)n, "\"\n");
	CHECK(load(text) == 0);
	CHECK(cfg.tcp.greeting.len == (size_t)(CONFIG_LINE_MAX - 13));
	/* one byte more: an error on that line, and the next line still parses */
	n = snprintf(text, sizeof text, "[tcp]\ngreeting = \"");
	memset(text + n, 'g', (size_t)(CONFIG_LINE_MAX - 12));
	n += CONFIG_LINE_MAX - 12;
	n += snprintf(text + n, sizeof text - (size_t)n, "\"\nport = x\n");
	CHECK(load(text) == -1);
	CHECK(errs.count == 2);
	CHECK_STR(errs.msg[0], "t.conf:2: line too long (199 bytes; at most 198)");
	CHECK_STR(errs.msg[1],
		  "t.conf:3: port: \"x\" is not a port (0 to 65535) nor a range (as 7000-7010)");
	/* a very long line whose tail looks like a key must not set it */
	n = snprintf(text, sizeof text, "[server]\n; ");
	memset(text + n, 'x', 1000);
	n += 1000;
	n += snprintf(text + n, sizeof text - (size_t)n, "\nport = 7\n");
	CHECK(load(text) == -1);
	CHECK(errs.count == 1);
	CHECK_STR(errs.msg[0], "t.conf:2: line too long (1002 bytes; at most 198)");
	/* a byte order mark does not count toward the limit */
	n = snprintf(text, sizeof text, "\xef\xbb\xbf; ");
	memset(text + n, 'b', (size_t)(CONFIG_LINE_MAX - 2));
	n += CONFIG_LINE_MAX - 2;
	n += snprintf(text + n, sizeof text - (size_t)n, "\n[server]\nport = 5\n");
	CHECK(load(text) == 0 && ONE(cfg.server.port) == 5);
	/* a quoted ';' is one byte of the line like any other: 60 of them
	 * in a 73-byte line are fine, and so is a full line of them */
	n = snprintf(text, sizeof text, "[tcp]\ngreeting = \"");
	memset(text + n, ';', 60);
	n += 60;
	n += snprintf(text + n, sizeof text - (size_t)n, "\"\n");
	CHECK(load(text) == 0 && cfg.tcp.greeting.len == 60 && cfg.tcp.greeting.data[59] == ';');
	n = snprintf(text, sizeof text, "[tcp]\ngreeting=\"");
	memset(text + n, ';', (size_t)CONFIG_GREETING_MAX);
	n += CONFIG_GREETING_MAX;
	n += snprintf(text + n, sizeof text - (size_t)n, "\"\n");
	CHECK(load(text) == 0 && cfg.tcp.greeting.len == (size_t)CONFIG_GREETING_MAX);
	/* the longest prefix a line holds, as netechod.conf(5) says */
	CHECK(CONFIG_PREFIX_MAX == 183 && CONFIG_GREETING_MAX == 187);
	n = snprintf(text, sizeof text, "[tcp]\nreply_prefix=\"");
	memset(text + n, 'p', (size_t)CONFIG_PREFIX_MAX + 1);
	n += CONFIG_PREFIX_MAX + 1;
	n += snprintf(text + n, sizeof text - (size_t)n, "\"\n");
	CHECK(load(text) == -1);
	CHECK_STR(errs.msg[0], "t.conf:2: line too long (199 bytes; at most 198)");
}

static void test_many_errors(void)
{
	char text[4096];
	int n = snprintf(text, sizeof text, "[server]\n");

	/* every problem is reported, each on its own line */
	CHECK(load("[server]\nport = a\nbacklog = b\n[nope]\n[log]\nlevel = c\nfacility = d\n") ==
	      -1);
	CHECK(errs.count == 5);
	CHECK(strncmp(errs.msg[0], "t.conf:2:", 9) == 0);
	CHECK(strncmp(errs.msg[1], "t.conf:3:", 9) == 0);
	CHECK(strncmp(errs.msg[2], "t.conf:4:", 9) == 0);
	CHECK(strncmp(errs.msg[3], "t.conf:6:", 9) == 0);
	CHECK(strncmp(errs.msg[4], "t.conf:7:", 9) == 0);
	/* beyond CONFIG_MAX_ERRORS they are counted */
	for (int i = 0; i < CONFIG_MAX_ERRORS + 8; i++)
		n += snprintf(text + n, sizeof text - (size_t)n, "bad%d = 1\n", i);
	CHECK(load(text) == -1);
	CHECK(errs.count == CONFIG_MAX_ERRORS);
	CHECK(errs.dropped == 8);
}

/* Found by an independent review of the first version. */
static void test_problems_found_by_review(void)
{
	FILE *f;

	/* a control character in a section header: one problem, and the
	 * keys after it are the header's (no "outside a section") */
	CHECK_ERROR(
		"[ser\x01ver]\nport = 7\n",
		"t.conf:1: line contains a control character (0x01); in a quoted value write it as "
		"\\x01");
	CHECK_ERROR(
		"[server]\n[t\x1b"
		"cp]\nbogus = 1\n",
		"t.conf:2: line contains a control character (0x1b); in a quoted value write it as "
		"\\x1b");
	/* a file name that holds a newline cannot split a message */
	f = fmemopen((void *)"[server]\nport = x\n", 18, "r");
	CHECK(config_load_stream(f, "a\nb.conf", &cfg, &errs) == -1);
	fclose(f);
	CHECK_STR(errs.msg[0], "a\\x0ab.conf:2: port: \"x\" is not a port (0 to 65535) nor a range "
			       "(as 7000-7010)");
	/* an escape of a byte that is not printable ASCII is not shown raw */
	CHECK_ERROR("[tcp]\ngreeting = \"\\"
		    "\xc3\xa9\"\n",
		    "t.conf:2: greeting: unknown escape after a backslash");
	/* UDP's prefix is its own, empty unless set (an echo no larger than
	 * the datagram); the echo limits */
	CHECK(load("[tcp]\nreply_prefix = \"T: \"\n") == 0);
	CHECK(cfg.udp.reply_prefix.len == 0);
	CHECK(cfg.udp.echo_rate == 10 && cfg.udp.echo_rate_total == 1000);
	CHECK(load("[udp]\nreply_prefix = \"U: \"\necho_rate = 3\necho_rate_total = 30\n") == 0);
	CHECK_MEM(cfg.udp.reply_prefix.data, cfg.udp.reply_prefix.len, "U: ", (size_t)3);
	CHECK(cfg.udp.echo_rate == 3 && cfg.udp.echo_rate_total == 30);
	CHECK_ERROR("[udp]\necho_rate = 0\n",
		    "t.conf:2: echo_rate: \"0\" is out of range (1 to 1000000)");
}

static void test_files(void)
{
	char path[] = "/tmp/unit_config.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[server]\nport = 7003\n", f);
	fclose(f);
	CHECK(load_file(path) == 0 && ONE(cfg.server.port) == 7003);
	unlink(path);
	CHECK(load_file(path) == -1);
	CHECK(errs.count == 1);
	CHECK(strstr(errs.msg[0], ": cannot open: No such file or directory") != NULL);
	CHECK(strncmp(errs.msg[0], path, strlen(path)) == 0);
	/* a directory cannot be read */
	CHECK(load_file("/") == -1);
	CHECK_STR(errs.msg[0], "/: not a regular file (a directory)");
	/* nor a device, which could be endless */
	CHECK(load_file("/dev/zero") == -1);
	CHECK_STR(errs.msg[0], "/dev/zero: not a regular file (a device)");
	/* nor a FIFO: refused at once, not waited on for a writer */
	{
		char fifo[] = "/tmp/unit_config_fifo.XXXXXX";
		int tmp = mkstemp(fifo);
		char want[128];

		CHECK(tmp >= 0);
		close(tmp);
		unlink(fifo);
		CHECK(mkfifo(fifo, 0600) == 0);
		CHECK(load_file(fifo) == -1);
		snprintf(want, sizeof want, "%s: not a regular file (a FIFO)", fifo);
		CHECK_STR(errs.msg[0], want);
		unlink(fifo);
	}
	/* a long path is shortened, and the problem still shows */
	{
		char longpath[400];

		memset(longpath, 'd', sizeof longpath);
		longpath[0] = '/';
		longpath[sizeof longpath - 1] = '\0';
		CHECK(load_file(longpath) == -1);
		CHECK(strncmp(errs.msg[0], "...ddd", 6) == 0);
		CHECK(strstr(errs.msg[0], ": cannot open: ") != NULL);
	}
	/* more than CONFIG_FILE_MAX bytes: refused, not read forever */
	{
		size_t size = CONFIG_FILE_MAX + 100;
		char *big = malloc(size);

		memset(big, '\n', size);
		CHECK(load_n(big, size) == -1);
		CHECK_STR(errs.msg[0],
			  "t.conf: larger than 1048576 bytes: not a configuration file");
		free(big);
	}
}

/* A verdict of the access list of a section on an address. */
static enum acl_verdict verdict(enum config_section section, const char *addr)
{
	struct sockaddr_storage ss = unit_addr(addr, 1, NULL);

	return acl_check(config_access(&cfg, section), (struct sockaddr *)&ss);
}

/* A file in a fresh directory; its path in path. */
static void write_file(char *dir, const char *name, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_ports(void)
{
	/* lists and ranges, inherited by [tcp] and [udp]; the report above them */
	CHECK(load("[server]\nport = 7000-7010, 8000\n") == 0);
	CHECK(cfg.server.port.n == 12 && cfg.server.port.port[0] == 7000 &&
	      cfg.server.port.port[11] == 8000);
	CHECK(config_same_ports(&cfg.tcp.port, &cfg.server.port) &&
	      config_same_ports(&cfg.udp.port, &cfg.server.port));
	CHECK(ONE(cfg.report.port) == 8001);
	CHECK(config_has_port(&cfg.tcp.port, 7005) && !config_has_port(&cfg.tcp.port, 7011));
	CHECK(load("[tcp]\nport = 7000 7001\n[udp]\nport = 9000\n") == 0);
	CHECK(cfg.tcp.port.n == 2 && ONE(cfg.udp.port) == 9000 && ONE(cfg.report.port) == 50001);
	/* the limit, with FILE:LINE */
	CHECK_ERROR("[server]\nport = 1-1025\n", "t.conf:2: port: 1025 ports: at most 1024");
	CHECK(load("[server]\nport = 1-1024\n") == 0 && cfg.server.port.n == 1024);
	CHECK_ERROR("[server]\nport = 7000-7001x\n",
		    "t.conf:2: port: \"7000-7001x\" is not a port (0 to 65535) nor a range (as "
		    "7000-7010)");
	/* the report cannot share an echo port of its host */
	CHECK_ERROR("[tcp]\nport = 7000-7010\n[report]\nport = 7005\n",
		    "t.conf: [report] port 7005 is a [tcp] port too: give the report a port of its "
		    "own");
	CHECK(load("[tcp]\nport = 7000-7010\n[report]\nport = 7005\nhost = ::1\n") == 0);
	CHECK_ERROR("[server]\nport = 65535\n",
		    "t.conf: [report] port would be 65536 (the highest [server] port + 1): set it, "
		    "or enabled = no");
}

static void test_access(void)
{
	char dir[] = "/tmp/unit_config_acl.XXXXXX", conf[128], list[128], want[1024];

	/* none: everyone, every service */
	CHECK(load("") == 0);
	CHECK(config_access(&cfg, CONFIG_TCP) == NULL && config_access(&cfg, CONFIG_UDP) == NULL);
	/* [server]'s serve every service without its own */
	CHECK(load("[server]\nallow = 10.0.0.0/8, 2001:db8::/32\ndeny = 10.1.0.0/16\n") == 0);
	CHECK(verdict(CONFIG_TCP, "10.2.0.1") == ACL_ALLOW && verdict(CONFIG_UDP, "10.2.0.1") ==
	      ACL_ALLOW && verdict(CONFIG_REPORT, "10.2.0.1") == ACL_ALLOW);
	CHECK(verdict(CONFIG_TCP, "10.1.0.1") == ACL_DENY);
	CHECK(verdict(CONFIG_TCP, "192.0.2.1") == ACL_DENY);
	CHECK(verdict(CONFIG_TCP, "2001:db8::1") == ACL_ALLOW);
	/* a section's own keys replace [server]'s for it alone */
	CHECK(load("[server]\nallow = 10.0.0.0/8\n[udp]\ndeny = 10.9.0.0/16\n") == 0);
	CHECK(verdict(CONFIG_UDP, "192.0.2.1") == ACL_ALLOW);   /* a deny list alone */
	CHECK(verdict(CONFIG_UDP, "10.9.0.1") == ACL_DENY);
	CHECK(verdict(CONFIG_TCP, "192.0.2.1") == ACL_DENY);
	/* a bad entry: FILE:LINE of the key */
	CHECK_ERROR("[server]\nport = 7000\nallow = 10.0.0.0/8 bogus\n",
		    "t.conf:3: allow: \"bogus\" is not an IPv4 or IPv6 address");
	CHECK_ERROR("[tcp]\ndeny = 192.0.2.1/24\n",
		    "t.conf:2: deny: \"192.0.2.1/24\" has bits set past its prefix length "
		    "(192.0.2.0/24?)");
	/* list files: relative to the configuration's directory, comments,
	 * several entries a line; a bad entry is that file's FILE:LINE */
	CHECK(mkdtemp(dir) != NULL);
	write_file(dir, "allow.list",
		   "# who may connect\n10.0.0.0/8\n\n192.0.2.1, 192.0.2.2 ; two\n", list,
		   sizeof list);
	write_file(dir, "t.conf", "[tcp]\nallow_file = allow.list\ndeny = 10.0.0.7\n", conf,
		   sizeof conf);
	CHECK(load_file(conf) == 0);
	CHECK(verdict(CONFIG_TCP, "10.0.0.1") == ACL_ALLOW && verdict(CONFIG_TCP, "192.0.2.2") ==
	      ACL_ALLOW);
	CHECK(verdict(CONFIG_TCP, "10.0.0.7") == ACL_DENY && verdict(CONFIG_TCP, "192.0.2.3") ==
	      ACL_DENY);
	CHECK(config_access(&cfg, CONFIG_UDP) == NULL);
	write_file(dir, "allow.list", "10.0.0.0/8\n\n  nonsense # here\n", list, sizeof list);
	CHECK(load_file(conf) == -1 && errs.count == 1);
	snprintf(want, sizeof want, "%s:3: \"nonsense\" is not an IPv4 or IPv6 address", list);
	CHECK_STR(errs.msg[0], want);
	/* a missing file: the key's line says so */
	unlink(list);
	CHECK(load_file(conf) == -1 && errs.count == 1);
	snprintf(want, sizeof want, "%s:2: allow_file: %s cannot open: No such file or directory",
		 conf, list);
	CHECK_STR(errs.msg[0], want);
	/* a FIFO is refused, not waited on */
	CHECK(mkfifo(list, 0600) == 0);
	CHECK(load_file(conf) == -1);
	snprintf(want, sizeof want, "%s:2: allow_file: %s not a regular file (a FIFO)", conf, list);
	CHECK_STR(errs.msg[0], want);
	unlink(list);
	/* a line too long; a NUL */
	{
		char longline[CONFIG_LIST_LINE_MAX + 10];

		memset(longline, ' ', sizeof longline - 2);
		longline[sizeof longline - 2] = '\n';
		longline[sizeof longline - 1] = '\0';
		write_file(dir, "allow.list", longline, list, sizeof list);
		CHECK(load_file(conf) == -1);
		snprintf(want, sizeof want, "%s:1: line too long (1032 bytes; at most 1024)", list);
		CHECK_STR(errs.msg[0], want);
	}
	unlink(list);
	unlink(conf);
	rmdir(dir);
	/* an empty list is refused; an empty allow file closes the service */
	CHECK_ERROR("[server]\nallow =\n",
		    "t.conf:2: allow: an empty list (name addresses, or leave the key out)");
	CHECK_ERROR("[tcp]\nproxy_protocol = yes\nproxy_from = , \n",
		    "t.conf:3: proxy_from: an empty list (name addresses, or leave the key out)");
	strcpy(dir, "/tmp/unit_config_acl.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	write_file(dir, "allow.list", "# nobody yet\n", list, sizeof list);
	write_file(dir, "t.conf", "[server]\nallow = 10.0.0.0/8\n[tcp]\nallow_file = allow.list\n",
		   conf, sizeof conf);
	CHECK(load_file(conf) == 0);
	CHECK(verdict(CONFIG_TCP, "10.0.0.1") == ACL_DENY && verdict(CONFIG_TCP, "192.0.2.1") ==
	      ACL_DENY);
	CHECK(verdict(CONFIG_UDP, "10.0.0.1") == ACL_ALLOW);
	unlink(list);
	unlink(conf);
	rmdir(dir);
	/* proxy_protocol needs proxy_from, and the other way round */
	CHECK_ERROR("[tcp]\nproxy_protocol = yes\n",
		    "t.conf: [tcp] proxy_protocol needs proxy_from: the proxies' addresses");
	CHECK_ERROR("[report]\nproxy_from = 127.0.0.1\n",
		    "t.conf:2: [report] proxy_from without proxy_protocol = yes or optional");
	CHECK_ERROR("[tcp]\nproxy_protocol = maybe\n",
		    "t.conf:2: proxy_protocol: unknown mode (no, yes or optional) \"maybe\"");
	CHECK(load("[tcp]\nproxy_protocol = optional\nproxy_from = 127.0.0.0/8, ::1\n") == 0);
	CHECK(cfg.tcp.proxy_protocol == PROXY_OPTIONAL &&
	      config_proxies(&cfg, CONFIG_TCP) != NULL &&
	      config_proxies(&cfg, CONFIG_REPORT) == NULL);
	/* source_prefix */
	CHECK(load("[tcp]\nsource_prefix = 24 64\n") == 0);
	CHECK(cfg.tcp.source_prefix[0] == 24 && cfg.tcp.source_prefix[1] == 64);
	CHECK(load("") == 0 && cfg.tcp.source_prefix[0] == 32 && cfg.tcp.source_prefix[1] == 128);
	CHECK_ERROR("[tcp]\nsource_prefix = 33 64\n",
		    "t.conf:2: source_prefix: \"33 64\" is not two prefix lengths, IPv4 (0 to 32) "
		    "and IPv6 (0 to 128), as \"32 64\"");
	CHECK_ERROR("[tcp]\nsource_prefix = 24\n",
		    "t.conf:2: source_prefix: \"24\" is not two prefix lengths, IPv4 (0 to 32) and "
		    "IPv6 (0 to 128), as \"32 64\"");
	config_free(&cfg);
}

/* Is every message one line of printable ASCII? */
static bool printable_messages(void)
{
	for (unsigned i = 0; i < errs.count; i++)
		for (const char *c = errs.msg[i]; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				return false;
	return true;
}

/* No value can forge a log line: whatever a key holds, what a message
 * shows of it is escaped. */
static void test_no_forged_lines(void)
{
	static const char *const keys[][2] = {
		{ "server", "host" }, { "server", "port" }, { "server", "backlog" },
		{ "server", "user" }, { "server", "group" }, { "server", "allow" },
		{ "server", "deny_file" }, { "tcp", "enabled" }, { "tcp", "port" },
		{ "tcp", "max_connections" }, { "tcp", "source_prefix" },
		{ "tcp", "proxy_protocol" }, { "tcp", "proxy_from" }, { "udp", "port" },
		{ "udp", "echo_rate" }, { "report", "port" }, { "report", "allow_file" },
		{ "log", "level" }, { "log", "facility" }, { "log", "path_facts" },
	};
	char text[512];

	/* the port key of the issue: one line, the newline shown as \x0a */
	CHECK_ERROR("[server]\nport = \"7000\\x0anetechod: reloaded x.conf\"\n",
		    "t.conf:2: port: \"7000\\x0anetechod:\" is not a port (0 to 65535) nor a range "
		    "(as 7000-7010)");
	CHECK_ERROR("[server]\nport = \"7010-7000\\x1b[2J\\r\"\n",
		    "t.conf:2: port: \"7010-7000\\x1b[2J\\x0d\" is not a port (0 to 65535) nor a "
		    "range (as 7000-7010)");
	CHECK_ERROR("[server]\nport = \"\\x9b7010-7000\"\n",
		    "t.conf:2: port: \"\\x9b7010-7000\" is not a port (0 to 65535) nor a range (as "
		    "7000-7010)");
	/* every kind of key, with a newline, a carriage return, an escape, a
	 * C1 control and DEL in its value */
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(text, sizeof text,
			 "[%s]\n%s = \"x\\x0anetechod: forged\\x0d\\x1b[31m\\x9b\\x7f\"\n",
			 keys[i][0], keys[i][1]);
		CHECK(load(text) == -1);
		CHECK(errs.count >= 1);
		if (!printable_messages())
			fprintf(stderr, "a message of [%s] %s is not escaped: %s\n", keys[i][0],
				keys[i][1], errs.msg[0]);
		CHECK(printable_messages());
	}
	/* a file name with control bytes, in a message about it */
	{
		FILE *f = fmemopen((void *)"[server]\nport = 7\x01\n", 19, "r");

		CHECK(config_load_stream(f, "x\r\x1b.conf", &cfg, &errs) == -1);
		fclose(f);
		CHECK(printable_messages());
	}
}

int main(void)
{
	test_defaults();
	test_ports();
	test_access();
	test_every_key();
	test_quoting();
	test_errors();
	test_long_lines();
	test_many_errors();
	test_files();
	test_problems_found_by_review();
	test_no_forged_lines();
	config_free(&cfg);
	return unit_done("unit_config");
}
