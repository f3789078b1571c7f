/* config.c: loading netechod.conf (see config.h).
 *
 * One lexer, ours, reads each line; inih keeps track of sections and calls
 * the handler for each key. inih (Debian's build, version 55) cannot carry
 * the file on its own: it splits lines longer than INI_MAX_LINE (200)
 * silently, gives the handler no line numbers, reports only the first
 * malformed line, knows only ';' as an inline comment and knows no quotes,
 * so that a quoted value holding " ;" would be cut. So the reader function
 * handed to ini_parse_stream() reads one physical line at a time, counts
 * it, refuses it when it is too long or holds a control character, and
 * lexes it: a comment, a [section] header, or key = value with the value
 * unquoted and unescaped. It passes inih a canonical line ("", "[name]" or
 * "name=") and keeps the value for the handler, which checks it against
 * the table of keys. Every problem is reported with its line number, and
 * the whole file is read so that every problem is reported at once.
 *
 * It must not log, bind or exit (config.h): it fills a struct or the error
 * list, and the caller decides. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "acl.h"
#include "configparse.h"
#include "escape.h"
#include "parse.h"

enum key_type {
	K_HOST,         /* host name, address or "*" */
	K_PORTS,        /* a list of ports and ranges, 0-65535 */
	K_LONG,         /* integer in [min, max] */
	K_BOOL,         /* yes/no, true/false, on/off, 1/0 */
	K_TEXT,         /* any bytes, usually quoted */
	K_LEVEL,        /* syslog level name */
	K_FACILITY,     /* syslog facility name */
	K_NAME,         /* a user or group name */
	K_LIST,         /* addresses and networks, checked by acl.c */
	K_PATH,         /* a file name */
	K_PROXY,        /* no, yes or optional */
	K_PREFIXES,     /* two prefix lengths: IPv4 (0-32) and IPv6 (0-128) */
	K_FORMAT,       /* text or json */
};

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	long min, max;
};

#define KEY(sec, nm, ty, field, lo, hi) \
	{ sec, nm, ty, offsetof(struct config, field), lo, hi }

/* Every key netechod knows. Adding a key: a line here, a default in
 * config_defaults(), and the docs (etc/netechod.conf, netechod.conf(5));
 * HACKING.md has the whole walk. */
static const struct key keys[] = {
	KEY("server", "host", K_HOST, server.host, 0, 0),
	KEY("server", "port", K_PORTS, server.port, 0, 0),
	KEY("server", "backlog", K_LONG, server.backlog, 1, 65535),
	KEY("server", "shutdown_timeout", K_LONG, server.shutdown_timeout, 0, 3600),
	KEY("server", "user", K_NAME, server.user, 0, 0),
	KEY("server", "group", K_NAME, server.group, 0, 0),
	KEY("tcp", "enabled", K_BOOL, tcp.enabled, 0, 0),
	KEY("tcp", "host", K_HOST, tcp.host, 0, 0),
	KEY("tcp", "port", K_PORTS, tcp.port, 0, 0),
	KEY("tcp", "reply_prefix", K_TEXT, tcp.reply_prefix, 0, 0),
	KEY("tcp", "greeting", K_TEXT, tcp.greeting, 0, 0),
	KEY("tcp", "max_connections", K_LONG, tcp.max_connections, 1, 1000000),
	KEY("tcp", "max_per_source", K_LONG, tcp.max_per_source, 0, 1000000),
	KEY("tcp", "idle_timeout", K_LONG, tcp.idle_timeout, 0, 2592000),
	KEY("tcp", "send_timeout", K_LONG, tcp.send_timeout, 1, 86400),
	KEY("tcp", "thread_cache", K_LONG, tcp.thread_cache, 0, 100000),
	KEY("tcp", "source_prefix", K_PREFIXES, tcp.source_prefix, 0, 0),
	KEY("tcp", "proxy_protocol", K_PROXY, tcp.proxy_protocol, 0, 0),
	KEY("tcp", "proxy_from", K_LIST, tcp.proxy_from, 0, 0),
	KEY("udp", "enabled", K_BOOL, udp.enabled, 0, 0),
	KEY("udp", "host", K_HOST, udp.host, 0, 0),
	KEY("udp", "port", K_PORTS, udp.port, 0, 0),
	KEY("udp", "echo", K_BOOL, udp.echo, 0, 0),
	KEY("udp", "reply_prefix", K_TEXT, udp.reply_prefix, 0, 0),
	KEY("udp", "echo_rate", K_LONG, udp.echo_rate, 1, 1000000),
	KEY("udp", "echo_rate_total", K_LONG, udp.echo_rate_total, 1, 10000000),
	KEY("report", "enabled", K_BOOL, report.enabled, 0, 0),
	KEY("report", "host", K_HOST, report.host, 0, 0),
	KEY("report", "port", K_PORTS, report.port, 0, 0),
	KEY("report", "show_local", K_BOOL, report.show_local, 0, 0),
	KEY("report", "rate", K_LONG, report.rate, 1, 1000000),
	KEY("report", "rate_total", K_LONG, report.rate_total, 1, 10000000),
	KEY("report", "proxy_protocol", K_PROXY, report.proxy_protocol, 0, 0),
	KEY("report", "proxy_from", K_LIST, report.proxy_from, 0, 0),
	KEY("log", "level", K_LEVEL, log.level, 0, 0),
	KEY("log", "facility", K_FACILITY, log.facility, 0, 0),
	KEY("log", "data", K_BOOL, log.data, 0, 0),
	KEY("log", "rate_limit", K_LONG, log.rate_limit, 0, 1000000),
	KEY("log", "path_facts", K_BOOL, log.path_facts, 0, 0),
	KEY("log", "format", K_FORMAT, log.format, 0, 0),
#define ACCESS_KEYS(sec, i)                                                    \
	KEY(sec, "allow", K_LIST, service[i].access.allow, 0, 0),              \
	KEY(sec, "deny", K_LIST, service[i].access.deny, 0, 0),                \
	KEY(sec, "allow_file", K_PATH, service[i].access.allow_file, 0, 0),    \
	KEY(sec, "deny_file", K_PATH, service[i].access.deny_file, 0, 0)
	ACCESS_KEYS("server", CONFIG_SERVER),
	ACCESS_KEYS("tcp", CONFIG_TCP),
	ACCESS_KEYS("udp", CONFIG_UDP),
	ACCESS_KEYS("report", CONFIG_REPORT),
	CONFIG_METRICS_KEY_LINES,       /* configparse.h */
#undef ACCESS_KEYS
};


#define NKEYS (sizeof keys / sizeof keys[0])

_Static_assert(NKEYS <= CONFIG_KEYS_MAX, "raise CONFIG_KEYS_MAX");

/* A section by name is its struct service_cfg by index, byte for byte. */
#define SAME_PLACE(name, i, keys, field)                                                   \
	_Static_assert(offsetof(struct config, name) == offsetof(struct config, service[i]) && \
			       sizeof(((struct config *)0)->name) == sizeof(struct service_cfg) &&  \
			       offsetof(struct config, name.field) ==                               \
				       offsetof(struct config, service[i].own.keys.field),          \
		       #name " is not service[" #i "]")
SAME_PLACE(server, CONFIG_SERVER, server, backlog);
SAME_PLACE(tcp, CONFIG_TCP, tcp, reply_prefix);
SAME_PLACE(udp, CONFIG_UDP, udp, echo);
SAME_PLACE(report, CONFIG_REPORT, report, show_local);
#undef SAME_PLACE

void config_defaults(struct config *cfg)
{
	static const char prefix[] = "Receive: ";

	memset(cfg, 0, sizeof *cfg);
	/* every section with sockets is on, on [server]'s host and port
	 * (the report's port is set below), and takes no PROXY header */
	for (int i = 0; i < CONFIG_SECTIONS; i++) {
		struct service_cfg *sc = &cfg->service[i];

		sc->enabled = true;
		strcpy(sc->host, "127.0.0.1");
		sc->port = (struct config_ports){ 1, { 50000 } };
		sc->proxy_protocol = PROXY_NO;
	}
	cfg->server.backlog = 128;
	cfg->server.shutdown_timeout = 10;
	cfg->tcp.reply_prefix.len = sizeof prefix - 1;
	memcpy(cfg->tcp.reply_prefix.data, prefix, sizeof prefix - 1);
	cfg->tcp.greeting.len = 0;
	cfg->tcp.max_connections = 1024;
	cfg->tcp.max_per_source = 0;
	cfg->tcp.idle_timeout = 300;
	cfg->tcp.send_timeout = 30;
	cfg->tcp.thread_cache = 64;
	cfg->tcp.source_prefix[0] = 32;
	cfg->tcp.source_prefix[1] = 128;
	cfg->udp.echo = false;
	cfg->udp.reply_prefix.len = 0;
	cfg->udp.echo_rate = 10;
	cfg->udp.echo_rate_total = 1000;
	cfg->report.port = (struct config_ports){ 1, { 50001 } };
	cfg->report.show_local = true;
	cfg->report.rate = 10;
	cfg->report.rate_total = 1000;
	cfg->log.level = LOG_INFO;
	cfg->log.facility = LOG_DAEMON;
	cfg->log.data = true;
	cfg->log.rate_limit = 1000;
	cfg->log.path_facts = true;
	cfg->log.format = LOG_FORMAT_TEXT;
	config_metrics_defaults(cfg);
}

void config_free(struct config *cfg)
{
	for (int i = 0; i < CONFIG_SECTIONS; i++) {
		acl_free(cfg->service[i].acl);
		cfg->service[i].acl = NULL;
		acl_free(cfg->service[i].proxies);
		cfg->service[i].proxies = NULL;
	}
	config_metrics_free(cfg);
}

/* Has the section any access key? */
static bool has_access(const struct config *cfg, enum config_section section)
{
	const struct config_access *a = &cfg->service[section].access;

	return a->allow.line || a->deny.line || a->allow_file.line || a->deny_file.line;
}

const struct acl *config_access(const struct config *cfg, enum config_section section)
{
	return cfg->service[has_access(cfg, section) ? section : CONFIG_SERVER].acl;
}

const struct acl *config_proxies(const struct config *cfg, enum config_section section)
{
	return cfg->service[section].proxies;
}

bool config_any_access(const struct config *cfg)
{
	for (int i = 0; i < CONFIG_SECTIONS; i++)
		if (cfg->service[i].acl != NULL)
			return true;
	return false;
}

static const struct name_value {
	const char *name;
	int value;
} levels[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
}, facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static bool set_host(struct parser *p, const struct key *k, char *field, const char *v, size_t len)
{
	char qb[QUOTED_BUFSIZE];

	if (len == 0 || len > CONFIG_HOST_MAX) {
		config_error(p, p->lineno, "%s: must be an address, a host name or * (1 to %d bytes)",
			  k->name, CONFIG_HOST_MAX);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)v[i])) {
			config_error(p, p->lineno, "%s: %s is not a host name or address", k->name,
				  config_quoted(v, len, qb));
			return false;
		}
	memcpy(field, v, len);
	field[len] = '\0';
	return true;
}

static bool set_number(struct parser *p, const struct key *k, long *field, const char *v,
		       size_t len)
{
	char num[32], qb[QUOTED_BUFSIZE];
	long n;

	if (len < sizeof num) {
		memcpy(num, v, len);
		num[len] = '\0';
	}
	if (len >= sizeof num || parse_long(num, k->min, k->max, &n) < 0) {
		if (len < sizeof num && errno == ERANGE)
			config_error(p, p->lineno, "%s: %s is out of range (%ld to %ld)", k->name,
				  config_quoted(v, len, qb), k->min, k->max);
		else
			config_error(p, p->lineno, "%s: %s is not a number", k->name,
				  config_quoted(v, len, qb));
		return false;
	}
	*field = n;
	return true;
}

static bool set_bool(struct parser *p, const struct key *k, bool *field, const char *v, size_t len)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char qb[QUOTED_BUFSIZE];

	for (size_t i = 0; i < 4; i++) {
		if (strlen(yes[i]) == len && strncasecmp(v, yes[i], len) == 0) {
			*field = true;
			return true;
		}
		if (strlen(no[i]) == len && strncasecmp(v, no[i], len) == 0) {
			*field = false;
			return true;
		}
	}
	config_error(p, p->lineno, "%s: %s is not a boolean (yes or no)", k->name, config_quoted(v, len, qb));
	return false;
}

static bool set_name(struct parser *p, const struct key *k, char *field, const char *v, size_t len)
{
	char qb[QUOTED_BUFSIZE];

	if (len == 0 || len > CONFIG_NAME_MAX) {
		config_error(p, p->lineno, "%s: must be a name of 1 to %d bytes", k->name,
			  CONFIG_NAME_MAX);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && strchr("._-", v[i]) == NULL &&
		    !(i > 0 && v[i] == '$')) {
			config_error(p, p->lineno, "%s: %s is not a user or group name", k->name,
				  config_quoted(v, len, qb));
			return false;
		}
	memcpy(field, v, len);
	field[len] = '\0';
	return true;
}

static bool set_from_table(struct parser *p, const struct key *k, int *field, const char *v,
			   size_t len, const struct name_value *table, size_t n, const char *what)
{
	char qb[QUOTED_BUFSIZE];

	for (size_t i = 0; i < n; i++)
		if (strlen(table[i].name) == len && strncasecmp(table[i].name, v, len) == 0) {
			*field = table[i].value;
			return true;
		}
	config_error(p, p->lineno, "%s: unknown %s %s", k->name, what, config_quoted(v, len, qb));
	return false;
}

static const struct name_value proxy_modes[] = {
	{ "no", PROXY_NO }, { "yes", PROXY_YES }, { "optional", PROXY_OPTIONAL },
};

static const struct name_value log_formats[] = {
	{ "text", LOG_FORMAT_TEXT }, { "json", LOG_FORMAT_JSON },
};

/* A list, kept as written with its line; acl.c reads it after the file. */
static bool set_list(struct parser *p, const struct key *k, struct config_list *l, const char *v,
		     size_t len)
{
	size_t blanks = 0;

	while (blanks < len && memchr(", \t", v[blanks], 3) != NULL)
		blanks++;
	if (blanks == len) {
		config_error(p, p->lineno, "%s: an empty list (name addresses, or leave the key out)",
			  k->name);
		return false;
	}
	memcpy(l->text, v, len);        /* len <= CONFIG_LINE_MAX */
	l->text[len] = '\0';
	l->len = len;
	l->line = p->lineno;
	return true;
}

/* A file name: one relative to the configuration file's directory is
 * made so (the daemon's own directory is / once it runs). */
static bool set_path(struct parser *p, const struct key *k, struct config_path *cp, const char *v,
		     size_t len)
{
	const char *slash = strrchr(p->name, '/');
	size_t dirlen = v[0] == '/' || slash == NULL ? 0 : (size_t)(slash - p->name) + 1;
	char qb[QUOTED_BUFSIZE];

	if (len == 0 || memchr(v, '\0', len) != NULL || dirlen + len >= sizeof cp->path) {
		config_error(p, p->lineno, "%s: %s is not a file name (1 to %d bytes)", k->name,
			  config_quoted(v, len, qb), CONFIG_PATH_MAX - 1);
		return false;
	}
	memcpy(cp->path, p->name, dirlen);
	memcpy(cp->path + dirlen, v, len);
	cp->path[dirlen + len] = '\0';
	cp->line = p->lineno;
	return true;
}

/* A port list: "50000", "7000-7010, 7100" */
static bool set_ports(struct parser *p, const struct key *k, struct config_ports *ports,
		      const char *v, size_t len)
{
	char err[256];
	size_t n;

	if (parse_ports(v, len, ports->port, CONFIG_PORTS_MAX, &n, err, sizeof err) < 0) {
		config_error(p, p->lineno, "%s: %s", k->name, err);
		return false;
	}
	ports->n = (unsigned)n;
	return true;
}

bool config_has_port(const struct config_ports *ports, unsigned port)
{
	for (unsigned i = 0; i < ports->n; i++)
		if (ports->port[i] == port)
			return true;
	return false;
}

bool config_same_ports(const struct config_ports *a, const struct config_ports *b)
{
	return a->n == b->n && memcmp(a->port, b->port, a->n * sizeof a->port[0]) == 0;
}

/* Two prefix lengths: "32 64" */
static bool set_prefixes(struct parser *p, const struct key *k, long *field, const char *v,
			 size_t len)
{
	char buf[32], *second, qb[QUOTED_BUFSIZE];
	long a, b;

	if (len >= sizeof buf)
		goto bad;
	memcpy(buf, v, len);
	buf[len] = '\0';
	second = strpbrk(buf, " \t");
	if (second == NULL)
		goto bad;
	*second++ = '\0';
	second += strspn(second, " \t");
	if (parse_long(buf, 0, 32, &a) < 0 || parse_long(second, 0, 128, &b) < 0)
		goto bad;
	field[0] = a;
	field[1] = b;
	return true;
bad:
	config_error(
		p, p->lineno,
		"%s: %s is not two prefix lengths, IPv4 (0 to 32) and IPv6 (0 to 128), as \"32 64\"",
		k->name, config_quoted(v, len, qb));
	return false;
}

/* Checks a value and stores it in its field of the configuration. */
static bool set_value(struct parser *p, const struct key *k, const char *v, size_t len)
{
	void *field = (char *)p->cfg + k->offset;

	if (k->type != K_TEXT && memchr(v, '\0', len) != NULL) {
		config_error(p, p->lineno, "%s: value contains a NUL byte", k->name);
		return false;
	}
	switch (k->type) {
	case K_HOST:
		return set_host(p, k, field, v, len);
	case K_PORTS:
		return set_ports(p, k, field, v, len);
	case K_LONG:
		return set_number(p, k, field, v, len);
	case K_BOOL:
		return set_bool(p, k, field, v, len);
	case K_NAME:
		return set_name(p, k, field, v, len);
	case K_TEXT: {
		struct config_text *t = field;

		memcpy(t->data, v, len);        /* len <= CONFIG_LINE_MAX < CONFIG_TEXT_MAX */
		t->len = len;
		return true;
	}
	case K_LEVEL:
		return set_from_table(
			p, k, field, v, len, levels, sizeof levels / sizeof levels[0],
			"level (emerg, alert, crit, err, warning, notice, info or debug)");
	case K_FACILITY:
		return set_from_table(p, k, field, v, len, facilities,
				      sizeof facilities / sizeof facilities[0],
				      "facility (daemon, user or local0 to local7)");
	case K_LIST:
		return set_list(p, k, field, v, len);
	case K_PATH:
		return set_path(p, k, field, v, len);
	case K_PROXY:
		return set_from_table(p, k, field, v, len, proxy_modes,
				      sizeof proxy_modes / sizeof proxy_modes[0],
				      "mode (no, yes or optional)");
	case K_PREFIXES:
		return set_prefixes(p, k, field, v, len);
	case K_FORMAT:
		return set_from_table(p, k, field, v, len, log_formats,
				      sizeof log_formats / sizeof log_formats[0], "format (text or json)");
	}
	return false;
}

static int key_index(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The ini_handler: called by inih for every key line the reader passed. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	char qb[QUOTED_BUFSIZE];
	int i;

	(void)value;    /* the lexer's value is in p->lx */
	if (p->section_bad)
		return 1;       /* the section header was reported */
	if (section[0] == '\0') {
		config_error(p, p->lineno,
			  "key %s outside a section (put it under " SECTIONS_UNDER ")",
			  config_quoted(name, strlen(name), qb));
		return 1;
	}
	if (strcmp(section, "metrics") == 0 && strcmp(name, "module") == 0) {
		config_metrics_module(p, 0); /* repeats: configmetrics.c */
		return 1;
	}
	i = key_index(section, name);
	if (i < 0) {
		config_error(p, p->lineno, "unknown key %s in [%s]", config_quoted(name, strlen(name), qb),
			  section);
		return 1;
	}
	if (p->seen[i]) {
		config_error(p, p->lineno, "%s: set twice in [%s] (first on line %u)", name, section,
			  p->seen[i]);
		return 1;
	}
	p->seen[i] = p->lineno;
	if (set_value(p, &keys[i], p->lx.value, p->lx.vlen))
		config_quoted(p->lx.value, p->lx.vlen, p->written[i]);
	return 1;
}

static bool seen(const struct parser *p, const char *section, const char *name)
{
	int i = key_index(section, name);

	return i >= 0 && (p->seen[i] != 0 || p->by_option[i] != 0);
}

/* The report service and the echo cannot share a port of one address. */
static void check_report_ports(struct parser *p, const char *proto, bool enabled,
			       const char *host, const struct config_ports *echo)
{
	const struct config *cfg = p->cfg;

	if (!enabled || !cfg->report.enabled || strcmp(host, cfg->report.host) != 0)
		return;
	for (unsigned i = 0; i < cfg->report.port.n; i++)
		if (cfg->report.port.port[i] != 0 &&
		    config_has_port(echo, cfg->report.port.port[i])) {
			config_error(
				p, 0,
				"[report] port %u is a [%s] port too: give the report a port of its own",
				cfg->report.port.port[i], proto);
			return;
		}
}

/* The sections whose host and port default to [server]'s (the report's
 * port to the highest + 1); a service with a port of its own ([metrics]:
 * 127.0.0.1:9597 by default) is not one of them. */
static const bool inherits_server[CONFIG_SECTIONS] = {
	[CONFIG_TCP] = true,
	[CONFIG_UDP] = true,
	[CONFIG_REPORT] = true,
};

/* A service's host and port when its section sets none: [server]'s; the
 * report's port is the highest of [server]'s + 1. */
static void inherit(struct parser *p, enum config_section i)
{
	struct config *cfg = p->cfg;
	struct service_cfg *sc = &cfg->service[i];
	const struct service_cfg *server = &cfg->service[CONFIG_SERVER];
	unsigned top = server->port.port[server->port.n - 1];

	if (!seen(p, config_section_name(i), "host"))
		strcpy(sc->host, server->host);
	if (seen(p, config_section_name(i), "port"))
		return;
	if (i != CONFIG_REPORT) {
		sc->port = server->port;
		return;
	}
	/* the kernel's pick stays the kernel's */
	sc->port.n = 1;
	sc->port.port[0] = (unsigned short)(top == 0 ? 0 : top + 1);
	if (top == 65535 && sc->enabled)
		config_error(
			p, 0,
			"[report] port would be 65536 (the highest [server] port + 1): set it, or enabled = no");
}

/* After the whole file: inherited values and checks across keys. */
static void finish(struct parser *p)
{
	struct config *cfg = p->cfg;

	for (int i = 0; i < CONFIG_SECTIONS; i++)
		if (has_access(cfg, (enum config_section)i))
			cfg->service[i].acl = config_build_access(p, &cfg->service[i].access);
	for (int i = CONFIG_FIRST_SERVICE; i < CONFIG_SECTIONS; i++) {
		struct service_cfg *sc = &cfg->service[i];

		config_build_proxies(p, config_section_name((enum config_section)i),
				     sc->proxy_protocol, &sc->proxy_from, &sc->proxies);
	}
	for (int i = CONFIG_FIRST_SERVICE; i < CONFIG_SECTIONS; i++)
		if (inherits_server[i])
			inherit(p, (enum config_section)i);
	config_metrics_finish(p);
	for (int i = CONFIG_FIRST_SERVICE; i < CONFIG_SECTIONS; i++)
		if (i != CONFIG_REPORT)
			check_report_ports(p, config_section_name((enum config_section)i),
					   cfg->service[i].enabled, cfg->service[i].host,
					   &cfg->service[i].port);
	if (!cfg->tcp.enabled && !cfg->udp.enabled)
		config_error(p, 0, "nothing to serve: both [tcp] and [udp] have enabled = no");
	if (cfg->server.group[0] != '\0' && cfg->server.user[0] == '\0')
		config_error(p, 0, "[server] group needs a user as well");
}

/* One -o SECTION.KEY=VALUE: the value lexed as a line of the file would
 * be and checked by the same handler; a problem is named "-o SECTION.KEY".
 * Access lists and list files are the file's alone (their problems name a
 * line). */
static void apply_override(struct parser *p, size_t n)
{
	const char *text = p->ov[n], *dot = strchr(text, '.'), *eq = strchr(text, '=');
	char who[CONFIG_LINE_MAX + 8], section[16], name[CONFIG_LINE_MAX + 1];
	size_t len = strlen(text);
	int i;

	snprintf(who, sizeof who, "-o %.*s", (int)(eq != NULL ? eq - text : 64), text);
	p->name = who;
	p->lineno = 0;
	if (dot != NULL && eq != NULL && dot < eq && (size_t)(dot - text) >= sizeof section) {
		config_error(p, 0, "unknown section (" SECTIONS_KNOWN ")");
		return;
	}
	if (dot == NULL || eq == NULL || dot > eq || len - (size_t)(dot + 1 - text) > CONFIG_LINE_MAX) {
		config_error(p, 0, "not SECTION.KEY=VALUE (at most %d bytes after the dot)",
			     CONFIG_LINE_MAX);
		return;
	}
	for (const char *c = text; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			config_error(p, 0,
				     "a control character (0x%02x): write it as \\x%02x in quotes",
				     (unsigned char)*c, (unsigned char)*c);
			return;
		}
	memcpy(section, text, (size_t)(dot - text));
	section[dot - text] = '\0';
	if (!config_known_section(section, strlen(section))) {
		config_error(p, 0, "unknown section (" SECTIONS_KNOWN ")");
		return;
	}
	if (!config_lex_key(p, dot + 1, text + len))
		return;
	snprintf(name, sizeof name, "%.*s", (int)p->lx.namelen, p->lx.name);
	i = key_index(section, name);
	if (i < 0 && strcmp(section, "metrics") == 0 && strcmp(name, "module") == 0)
		config_metrics_module(p, (unsigned)n + 1); /* repeats: configmetrics.c */
	else if (i < 0)
		config_error(p, 0, "unknown key in [%s]", section);
	else if (keys[i].type == K_LIST || keys[i].type == K_PATH)
		config_error(p, 0, "access lists and list files are set in the file only");
	else if (set_value(p, &keys[i], p->lx.value, p->lx.vlen)) {
		p->by_option[i] = (unsigned)n + 1;
		config_quoted(p->lx.value, p->lx.vlen, p->written[i]);
	}
}

/* Does a key's value in a differ from b's? */
static bool differs(const struct key *k, const struct config *a, const struct config *b)
{
	const char *x = (const char *)a + k->offset, *y = (const char *)b + k->offset;

	switch (k->type) {
	case K_HOST:
	case K_NAME: return strcmp(x, y) != 0;
	case K_PORTS: return !config_same_ports((const void *)x, (const void *)y);
	case K_LONG: return *(const long *)x != *(const long *)y;
	case K_PREFIXES: return memcmp(x, y, 2 * sizeof(long)) != 0;
	case K_BOOL: return *(const bool *)x != *(const bool *)y;
	case K_LEVEL:
	case K_FACILITY:
	case K_PROXY:
	case K_FORMAT: return *(const int *)x != *(const int *)y;
	case K_TEXT: {
		const struct config_text *s = (const void *)x, *t = (const void *)y;

		return s->len != t->len || memcmp(s->data, t->data, s->len) != 0;
	}
	case K_LIST:
	case K_PATH: return true; /* set at all: none by default */
	}
	return true;
}

/* For -t: each key set that differs from its default, and where. */
static void tell_origins(struct parser *p, const char *file, config_origin_fn *origin, void *arg)
{
	struct config *def = malloc(sizeof *def);

	if (def == NULL)
		return;
	config_defaults(def);
	for (size_t i = 0; i < NKEYS; i++)
		if ((p->seen[i] != 0 || p->by_option[i] != 0) && differs(&keys[i], p->cfg, def))
			origin(arg, keys[i].section, keys[i].name, p->written[i],
			       p->by_option[i] != 0 ? p->ov[p->by_option[i] - 1] : file,
			       p->by_option[i] != 0 ? 0 : p->seen[i]);
	config_metrics_origins(p, file, origin, arg);
	free(def);
}

/* The file (none when f is NULL: the built-in defaults), then the
 * overrides, then the checks across keys. */
static int load_stream(FILE *f, const char *name, struct config *cfg, struct config_errors *errs,
		       const char *const *ov, size_t nov, config_origin_fn *origin, void *arg)
{
	struct parser *p = calloc(1, sizeof *p);
	int rc = 0;

	errs->count = 0;
	errs->dropped = 0;
	if (p == NULL) {
		char shown[CONFIG_NAME_SHOWN * 4 + 8];

		snprintf(errs->msg[0], CONFIG_ERROR_LEN, "%s: out of memory",
			 escape_name(shown, sizeof shown, name));
		errs->count = 1;
		return -1;
	}
	*p = (struct parser){.f = f, .name = name, .cfg = cfg, .errs = errs, .ov = ov, .nov = nov};
	config_defaults(cfg);
	if (f != NULL)
		rc = ini_parse_stream(config_read_line, p, on_key, p);
	if (f != NULL && ferror(f))
		config_error(p, 0, "read error: %s", strerror(errno ? errno : EIO));
	else if (rc > 0 && errs->count == 0 && errs->dropped == 0)
		config_error(p, (unsigned)rc, "malformed line"); /* not expected: the lexer filters */
	else if (rc < 0 && errs->count == 0)
		config_error(p, 0, "the parser failed (%d)", rc);
	for (size_t i = 0; i < nov; i++)
		apply_override(p, i);
	p->name = name;
	if (errs->count == 0 && errs->dropped == 0)
		finish(p);
	if (errs->count == 0 && errs->dropped == 0 && origin != NULL)
		tell_origins(p, name, origin, arg);
	free(p);
	return errs->count || errs->dropped ? -1 : 0;
}

int config_load_stream(FILE *f, const char *name, struct config *cfg, struct config_errors *errs)
{
	return load_stream(f, name, cfg, errs, NULL, 0, NULL, NULL);
}

int config_load_over(const char *path, const char *const *ov, size_t nov, struct config *cfg,
		     struct config_errors *errs, config_origin_fn *origin, void *arg)
{
	struct parser p = { .name = path, .errs = errs };
	FILE *f;
	int rc;

	errs->count = 0;
	errs->dropped = 0;
	if (path == NULL)
		return load_stream(NULL, "built-in defaults", cfg, errs, ov, nov, origin, arg);
	f = config_open_regular(&p, 0, "", path, 0);
	if (f == NULL)
		return -1;
	errno = 0;
	rc = load_stream(f, path, cfg, errs, ov, nov, origin, arg);
	if (fclose(f) != 0 && rc == 0) {
		config_error(&p, 0, "cannot close: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}

int config_load(const char *path, struct config *cfg, struct config_errors *errs)
{
	return config_load_over(path, NULL, 0, cfg, errs, NULL, NULL);
}
