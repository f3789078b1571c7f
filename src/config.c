/* config.c: loading netechod.conf with inih (see config.h).
 *
 * inih does the INI parsing proper; a line reader in front of it keeps the
 * line count (Debian's inih gives the handler no line numbers), refuses
 * lines inih would split (it cuts silently at INI_MAX_LINE), reports every
 * malformed line (inih reports only the first), and handles quoting and
 * inline comments, so that a quoted value may hold ';' and '#'. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "escape.h"
#include "parse.h"

enum key_type {
	K_HOST,         /* host name, address or "*" */
	K_PORT,         /* 0-65535 */
	K_LONG,         /* integer in [min, max] */
	K_BOOL,         /* yes/no, true/false, on/off, 1/0 */
	K_TEXT,         /* any bytes, usually quoted */
	K_LEVEL,        /* syslog level name */
	K_FACILITY,     /* syslog facility name */
	K_NAME,         /* a user or group name */
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
 * config_defaults(), and the docs (etc/netechod.conf, netechod.conf(5)). */
static const struct key keys[] = {
	KEY("server", "host", K_HOST, server.host, 0, 0),
	KEY("server", "port", K_PORT, server.port, 0, 65535),
	KEY("server", "backlog", K_LONG, server.backlog, 1, 65535),
	KEY("server", "shutdown_timeout", K_LONG, server.shutdown_timeout, 0, 3600),
	KEY("server", "user", K_NAME, server.user, 0, 0),
	KEY("server", "group", K_NAME, server.group, 0, 0),
	KEY("tcp", "enabled", K_BOOL, tcp.enabled, 0, 0),
	KEY("tcp", "host", K_HOST, tcp.host, 0, 0),
	KEY("tcp", "port", K_PORT, tcp.port, 0, 65535),
	KEY("tcp", "reply_prefix", K_TEXT, tcp.reply_prefix, 0, 0),
	KEY("tcp", "greeting", K_TEXT, tcp.greeting, 0, 0),
	KEY("tcp", "max_connections", K_LONG, tcp.max_connections, 1, 1000000),
	KEY("tcp", "max_per_source", K_LONG, tcp.max_per_source, 0, 1000000),
	KEY("tcp", "idle_timeout", K_LONG, tcp.idle_timeout, 0, 2592000),
	KEY("tcp", "send_timeout", K_LONG, tcp.send_timeout, 1, 86400),
	KEY("tcp", "thread_cache", K_LONG, tcp.thread_cache, 0, 100000),
	KEY("udp", "enabled", K_BOOL, udp.enabled, 0, 0),
	KEY("udp", "host", K_HOST, udp.host, 0, 0),
	KEY("udp", "port", K_PORT, udp.port, 0, 65535),
	KEY("udp", "echo", K_BOOL, udp.echo, 0, 0),
	KEY("log", "level", K_LEVEL, log.level, 0, 0),
	KEY("log", "facility", K_FACILITY, log.facility, 0, 0),
	KEY("log", "data", K_BOOL, log.data, 0, 0),
	KEY("log", "rate_limit", K_LONG, log.rate_limit, 0, 1000000),
};

#define NKEYS (sizeof keys / sizeof keys[0])

static const char *const sections[] = { "server", "tcp", "udp", "log" };

void config_defaults(struct config *cfg)
{
	static const char prefix[] = "Receive: ";

	memset(cfg, 0, sizeof *cfg);
	atomic_init(&cfg->refs, 0);
	strcpy(cfg->server.host, "127.0.0.1");
	cfg->server.port = 50000;
	cfg->server.backlog = 128;
	cfg->server.shutdown_timeout = 10;
	cfg->tcp.enabled = true;
	strcpy(cfg->tcp.host, cfg->server.host);
	cfg->tcp.port = cfg->server.port;
	cfg->tcp.reply_prefix.len = sizeof prefix - 1;
	memcpy(cfg->tcp.reply_prefix.data, prefix, sizeof prefix - 1);
	cfg->tcp.greeting.len = 0;
	cfg->tcp.max_connections = 1024;
	cfg->tcp.max_per_source = 0;
	cfg->tcp.idle_timeout = 300;
	cfg->tcp.send_timeout = 30;
	cfg->tcp.thread_cache = 64;
	cfg->udp.enabled = true;
	strcpy(cfg->udp.host, cfg->server.host);
	cfg->udp.port = cfg->server.port;
	cfg->udp.echo = false;
	cfg->log.level = LOG_INFO;
	cfg->log.facility = LOG_DAEMON;
	cfg->log.data = true;
	cfg->log.rate_limit = 1000;
}

static const struct {
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

const char *config_level_name(int level)
{
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (levels[i].value == level)
			return levels[i].name;
	return "?";
}

const char *config_facility_name(int facility)
{
	for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
		if (facilities[i].value == facility)
			return facilities[i].name;
	return "?";
}

/* State shared by the line reader and the inih handler for one file. */
struct parser {
	FILE *f;
	const char *name;
	struct config *cfg;
	struct config_errors *errs;
	unsigned lineno;
	size_t bytes;                   /* read so far, up to CONFIG_FILE_MAX */
	bool too_big;
	bool section_bad;               /* its header was reported: keep quiet on its keys */
	bool line_reported;             /* a problem on this line was reported */
	unsigned seen[NKEYS];           /* line where each key was set, 0 = never */
};

static void add_error(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct parser *p, unsigned line, const char *fmt, ...)
{
	struct config_errors *e = p->errs;
	va_list ap;
	int n;

	const char *name = p->name, *dots = "";

	p->line_reported = true;
	if (e->count >= CONFIG_MAX_ERRORS) {
		e->dropped++;
		return;
	}
	/* a long path must not crowd out the problem: keep its end */
	if (strlen(name) > CONFIG_NAME_SHOWN) {
		name += strlen(name) - (CONFIG_NAME_SHOWN - 3);
		dots = "...";
	}
	if (line > 0)
		n = snprintf(e->msg[e->count], CONFIG_ERROR_LEN, "%s%s:%u: ", dots, name, line);
	else
		n = snprintf(e->msg[e->count], CONFIG_ERROR_LEN, "%s%s: ", dots, name);
	if (n < 0)
		n = 0;
	if ((size_t)n < CONFIG_ERROR_LEN) {
		va_start(ap, fmt);
		vsnprintf(e->msg[e->count] + n, CONFIG_ERROR_LEN - (size_t)n, fmt, ap);
		va_end(ap);
	}
	e->count++;
}

/* Quotes and escapes a value from the file for an error message. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	escape_payload(buf, size, s, len, 64);
	return buf;
}

#define SHOWN_BUFSIZE ESCAPE_BUFSIZE(64)

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(int c)
{
	return isalnum(c) || c == '_';
}

static bool known_section(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if (strlen(sections[i]) == len && memcmp(sections[i], s, len) == 0)
			return true;
	return false;
}

/* Does text at s (up to end) hold only blanks and an optional comment? */
static bool only_comment(const char *s, const char *end)
{
	while (s < end && is_blank(*s))
		s++;
	return s == end || *s == ';' || *s == '#';
}

/* Appends len bytes to out (of size outsize) at *o; false if they don't
 * fit. The last piece of a line carries the terminating NUL. */
static bool put(char *out, size_t outsize, size_t *o, const char *s, size_t len)
{
	if (*o + len > outsize)
		return false;
	memcpy(out + *o, s, len);
	*o += len;
	return true;
}

/* Rewrites one raw line (len bytes, no newline) into out for inih, or
 * reports it and returns false. What inih receives is always well formed:
 * a blank line, "[section]" or "key=value" with no inline comment, and in
 * a quoted value every ';' written as \x3b so inih cannot take it for a
 * comment. */
static bool normalize(struct parser *p, const char *line, size_t len, char *out, size_t outsize)
{
	const char *s = line, *end = line + len;
	char sb[SHOWN_BUFSIZE];
	size_t o = 0;

	while (s < end && is_blank(*s))
		s++;
	if (s == end || *s == ';' || *s == '#')
		return put(out, outsize, &o, "\n", 2);

	if (*s == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));
		const char *name = s + 1, *nend;

		if (close == NULL || !only_comment(close + 1, end)) {
			add_error(p, p->lineno, "malformed section header %s (expected [name])",
				  shown(s, (size_t)(end - s), sb, sizeof sb));
			p->section_bad = true;
			return false;
		}
		while (name < close && is_blank(*name))
			name++;
		nend = close;
		while (nend > name && is_blank(nend[-1]))
			nend--;
		p->section_bad = !known_section(name, (size_t)(nend - name));
		if (p->section_bad)
			add_error(p, p->lineno, "unknown section %s (known: [server], [tcp], [udp], [log])",
				  shown(name, (size_t)(nend - name), sb, sizeof sb));
		return put(out, outsize, &o, "[", 1) &&
		       put(out, outsize, &o, name, (size_t)(nend - name)) &&
		       put(out, outsize, &o, "]\n", 3);
	}

	/* key = value */
	const char *k = s, *eq = memchr(s, '=', (size_t)(end - s));
	const char *kend, *v;

	if (eq == NULL) {
		add_error(p, p->lineno, "malformed line %s (expected key = value, [section] or a comment)",
			  shown(s, (size_t)(end - s), sb, sizeof sb));
		return false;
	}
	kend = eq;
	while (kend > k && is_blank(kend[-1]))
		kend--;
	for (const char *c = k; c < kend; c++)
		if (!is_key_char((unsigned char)*c)) {
			add_error(p, p->lineno, "malformed key %s (letters, digits and _ only)",
				  shown(k, (size_t)(kend - k), sb, sizeof sb));
			return false;
		}
	if (kend == k) {
		add_error(p, p->lineno, "missing key name before '='");
		return false;
	}
	if (!put(out, outsize, &o, k, (size_t)(kend - k)) || !put(out, outsize, &o, "=", 1))
		goto too_long;

	v = eq + 1;
	while (v < end && is_blank(*v))
		v++;
	if (v < end && *v == '"') {
		const char *q = v + 1;

		if (!put(out, outsize, &o, "\"", 1))
			goto too_long;
		for (; q < end && *q != '"'; q++) {
			if (*q == '\\' && q + 1 < end) {
				if (!put(out, outsize, &o, q, 2))
					goto too_long;
				q++;
			} else if (*q == ';') {
				if (!put(out, outsize, &o, "\\x3b", 4))
					goto too_long;
			} else if (!put(out, outsize, &o, q, 1)) {
				goto too_long;
			}
		}
		if (q == end) {
			add_error(p, p->lineno, "unterminated quoted value (missing closing \")");
			return false;
		}
		if (!only_comment(q + 1, end)) {
			add_error(p, p->lineno, "unexpected text after the closing quote: %s",
				  shown(q + 1, (size_t)(end - q - 1), sb, sizeof sb));
			return false;
		}
		if (!put(out, outsize, &o, "\"\n", 3))
			goto too_long;
		return true;
	}

	/* unquoted: up to an inline comment (';' or '#' after a blank) */
	const char *vend = v;

	while (vend < end && !((*vend == ';' || *vend == '#') && vend > v && is_blank(vend[-1])))
		vend++;
	while (vend > v && is_blank(vend[-1]))
		vend--;
	if (!put(out, outsize, &o, v, (size_t)(vend - v)) || !put(out, outsize, &o, "\n", 2))
		goto too_long;
	return true;

too_long:
	add_error(p, p->lineno, "line too long once escaped for the parser (at most %d bytes)",
		  CONFIG_LINE_MAX);
	return false;
}

/* The ini_reader handed to inih: one physical line per call. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	char raw[CONFIG_LINE_MAX + 8];
	size_t len = 0, total = 0, skip = 0;
	int c, control = -1;
	bool any = false;

	if (num < 4 || p->too_big)
		return NULL;
	while ((c = getc(p->f)) != EOF) {
		any = true;
		if (++p->bytes > CONFIG_FILE_MAX) {
			p->too_big = true;
			add_error(p, 0, "larger than %d bytes: not a configuration file", CONFIG_FILE_MAX);
			return NULL;
		}
		if (c == '\n')
			break;
		if (len < sizeof raw)
			raw[len++] = (char)c;
		total++;
	}
	if (!any)
		return NULL;            /* end of file (or a read error, checked later) */
	p->lineno++;
	p->line_reported = false;
	if (total > 0 && len == total && raw[len - 1] == '\r') {
		len--;
		total--;
	}
	/* a UTF-8 byte order mark may open the file; it is not counted */
	if (p->lineno == 1 && len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	str[0] = '\n';
	str[1] = '\0';
	if (total - skip > CONFIG_LINE_MAX || total - skip > (size_t)num - 2) {
		add_error(p, p->lineno, "line too long (%zu bytes; at most %d)", total - skip, CONFIG_LINE_MAX);
		return str;
	}
	/* control characters (a tab aside) have no place in the file: inside
	 * quotes they are written as escapes, elsewhere they would be read
	 * differently by inih and by us */
	for (size_t i = skip; i < len && control < 0; i++)
		if (((unsigned char)raw[i] < 0x20 && raw[i] != '\t') || raw[i] == 0x7f)
			control = (unsigned char)raw[i];
	if (control == 0) {
		add_error(p, p->lineno, "line contains a NUL byte");
		return str;
	}
	if (control > 0) {
		add_error(p, p->lineno, "line contains a control character (0x%02x); in a quoted value write it as \\x%02x",
			  control, control);
		return str;
	}
	if (!normalize(p, raw + skip, len - skip, str, (size_t)num)) {
		str[0] = '\n';
		str[1] = '\0';
	}
	return str;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a value as inih passes it: a quoted value has its escapes
 * resolved, an unquoted one is taken as it stands. */
static bool decode_value(struct parser *p, const struct key *k, const char *value,
			 char *out, size_t outsize, size_t *outlen)
{
	size_t len = strlen(value), o = 0;

	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		for (size_t i = 1; i < len - 1; i++) {
			int c = (unsigned char)value[i];

			if (c == '\\') {
				int n = (unsigned char)value[++i];

				switch (n) {
				case 'n': c = '\n'; break;
				case 'r': c = '\r'; break;
				case 't': c = '\t'; break;
				case '\\': c = '\\'; break;
				case '"': c = '"'; break;
				case 'x': {
					int hi = i + 1 < len - 1 ? hexval((unsigned char)value[i + 1]) : -1;
					int lo = i + 2 < len - 1 ? hexval((unsigned char)value[i + 2]) : -1;

					if (hi < 0 || lo < 0) {
						add_error(p, p->lineno, "%s: \\x needs two hex digits", k->name);
						return false;
					}
					c = hi << 4 | lo;
					i += 2;
					break;
				}
				default:
					if (n >= 0x20 && n < 0x7f)
						add_error(p, p->lineno, "%s: unknown escape \\%c (use \\n \\r \\t \\\\ \\\" or \\xHH)",
							  k->name, n);
					else
						add_error(p, p->lineno, "%s: unknown escape after a backslash", k->name);
					return false;
				}
			}
			if (o >= outsize) {
				add_error(p, p->lineno, "%s: value too long (at most %zu bytes)", k->name, outsize);
				return false;
			}
			out[o++] = (char)c;
		}
	} else {
		if (len > outsize) {
			add_error(p, p->lineno, "%s: value too long (at most %zu bytes)", k->name, outsize);
			return false;
		}
		memcpy(out, value, len);
		o = len;
	}
	*outlen = o;
	return true;
}

static bool parse_name(struct parser *p, const struct key *k, const char *v, size_t len,
		       const __typeof__(levels[0]) *table, size_t n, const char *what, int *out)
{
	char sb[SHOWN_BUFSIZE];

	for (size_t i = 0; i < n; i++)
		if (strlen(table[i].name) == len && strncasecmp(table[i].name, v, len) == 0) {
			*out = table[i].value;
			return true;
		}
	add_error(p, p->lineno, "%s: unknown %s %s", k->name, what, shown(v, len, sb, sizeof sb));
	return false;
}

static bool set_value(struct parser *p, const struct key *k, const char *v, size_t len)
{
	void *field = (char *)p->cfg + k->offset;
	char sb[SHOWN_BUFSIZE];

	if (k->type != K_TEXT && memchr(v, '\0', len) != NULL) {
		add_error(p, p->lineno, "%s: value contains a NUL byte", k->name);
		return false;
	}
	switch (k->type) {
	case K_HOST:
		if (len == 0 || len > CONFIG_HOST_MAX) {
			add_error(p, p->lineno, "%s: must be an address, a host name or * (1 to %d bytes)",
				  k->name, CONFIG_HOST_MAX);
			return false;
		}
		for (size_t i = 0; i < len; i++)
			if (!isgraph((unsigned char)v[i])) {
				add_error(p, p->lineno, "%s: %s is not a host name or address",
					  k->name, shown(v, len, sb, sizeof sb));
				return false;
			}
		memcpy(field, v, len);
		((char *)field)[len] = '\0';
		return true;
	case K_PORT:
	case K_LONG: {
		char num[32];
		long n;

		if (len >= sizeof num) {
			add_error(p, p->lineno, "%s: %s is not a number", k->name, shown(v, len, sb, sizeof sb));
			return false;
		}
		memcpy(num, v, len);
		num[len] = '\0';
		if (parse_long(num, k->min, k->max, &n) < 0) {
			if (errno == ERANGE)
				add_error(p, p->lineno, "%s: %s is out of range (%ld to %ld)",
					  k->name, shown(v, len, sb, sizeof sb), k->min, k->max);
			else
				add_error(p, p->lineno, "%s: %s is not a number",
					  k->name, shown(v, len, sb, sizeof sb));
			return false;
		}
		*(long *)field = n;
		return true;
	}
	case K_BOOL: {
		static const char *const yes[] = { "yes", "true", "on", "1" };
		static const char *const no[] = { "no", "false", "off", "0" };

		for (size_t i = 0; i < 4; i++) {
			if (strlen(yes[i]) == len && strncasecmp(v, yes[i], len) == 0) {
				*(bool *)field = true;
				return true;
			}
			if (strlen(no[i]) == len && strncasecmp(v, no[i], len) == 0) {
				*(bool *)field = false;
				return true;
			}
		}
		add_error(p, p->lineno, "%s: %s is not a boolean (yes or no)",
			  k->name, shown(v, len, sb, sizeof sb));
		return false;
	}
	case K_NAME:
		if (len == 0 || len > CONFIG_NAME_MAX) {
			add_error(p, p->lineno, "%s: must be a name of 1 to %d bytes", k->name, CONFIG_NAME_MAX);
			return false;
		}
		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)v[i]) && strchr("._-", v[i]) == NULL && !(i > 0 && v[i] == '$')) {
				add_error(p, p->lineno, "%s: %s is not a user or group name",
					  k->name, shown(v, len, sb, sizeof sb));
				return false;
			}
		memcpy(field, v, len);
		((char *)field)[len] = '\0';
		return true;
	case K_TEXT: {
		struct config_text *t = field;

		memcpy(t->data, v, len);
		t->len = len;
		return true;
	}
	case K_LEVEL:
		return parse_name(p, k, v, len, levels, sizeof levels / sizeof levels[0],
				  "level (emerg, alert, crit, err, warning, notice, info or debug)",
				  (int *)field);
	case K_FACILITY:
		return parse_name(p, k, v, len, facilities, sizeof facilities / sizeof facilities[0],
				  "facility (daemon, user or local0 to local7)", (int *)field);
	}
	return false;
}

/* The ini_handler: called by inih for every key = value line. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	char buf[CONFIG_TEXT_MAX > CONFIG_HOST_MAX ? CONFIG_TEXT_MAX : CONFIG_HOST_MAX + 1];
	char sb[SHOWN_BUFSIZE];
	size_t len;

	if (p->section_bad)
		return 1;       /* the section header was reported */
	if (section[0] == '\0') {
		add_error(p, p->lineno, "key %s outside a section (put it under [server], [tcp], [udp] or [log])",
			  shown(name, strlen(name), sb, sizeof sb));
		return 1;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		if (p->seen[i]) {
			add_error(p, p->lineno, "%s: set twice in [%s] (first on line %u)",
				  name, section, p->seen[i]);
			return 1;
		}
		p->seen[i] = p->lineno;
		if (decode_value(p, k, value, buf, k->type == K_TEXT ? CONFIG_TEXT_MAX : CONFIG_HOST_MAX, &len))
			set_value(p, k, buf, len);
		return 1;
	}
	add_error(p, p->lineno, "unknown key %s in [%s]", shown(name, strlen(name), sb, sizeof sb), section);
	return 1;
}

static bool seen(const struct parser *p, const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return p->seen[i] != 0;
	return false;
}

/* After the whole file: inherited values and checks across keys. */
static void finish(struct parser *p)
{
	struct config *cfg = p->cfg;

	if (!seen(p, "tcp", "host"))
		strcpy(cfg->tcp.host, cfg->server.host);
	if (!seen(p, "tcp", "port"))
		cfg->tcp.port = cfg->server.port;
	if (!seen(p, "udp", "host"))
		strcpy(cfg->udp.host, cfg->server.host);
	if (!seen(p, "udp", "port"))
		cfg->udp.port = cfg->server.port;
	if (!cfg->tcp.enabled && !cfg->udp.enabled)
		add_error(p, 0, "nothing to serve: both [tcp] and [udp] have enabled = no");
	if (cfg->server.group[0] != '\0' && cfg->server.user[0] == '\0')
		add_error(p, 0, "[server] group needs a user as well");
}

int config_load_stream(FILE *f, const char *name, struct config *cfg, struct config_errors *errs)
{
	struct parser p = { .f = f, .name = name, .cfg = cfg, .errs = errs };
	int refs = atomic_load(&cfg->refs);     /* a shared copy keeps its count */
	int rc;

	config_defaults(cfg);
	atomic_store(&cfg->refs, refs);
	errs->count = 0;
	errs->dropped = 0;
	rc = ini_parse_stream(read_line, &p, on_key, &p);
	if (ferror(f))
		add_error(&p, 0, "read error: %s", strerror(errno ? errno : EIO));
	else if (rc > 0 && errs->count == 0 && errs->dropped == 0)
		add_error(&p, (unsigned)rc, "malformed line");       /* not expected: normalize() filters */
	else if (rc < 0 && errs->count == 0)
		add_error(&p, 0, "the parser failed (%d)", rc);
	if (errs->count == 0 && errs->dropped == 0)
		finish(&p);
	return errs->count || errs->dropped ? -1 : 0;
}

int config_load(const char *path, struct config *cfg, struct config_errors *errs)
{
	struct parser p = { .name = path, .errs = errs };
	FILE *f;
	int rc;

	errs->count = 0;
	errs->dropped = 0;
	f = fopen(path, "re");
	if (f == NULL) {
		add_error(&p, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	{
		struct stat st;

		if (fstat(fileno(f), &st) < 0) {
			add_error(&p, 0, "cannot stat: %s", strerror(errno));
			fclose(f);
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			add_error(&p, 0, "read error: %s", strerror(EISDIR));
			fclose(f);
			return -1;
		}
		/* a file, or a pipe (netechod -t -c <(...)); not a device */
		if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
			add_error(&p, 0, "not a regular file");
			fclose(f);
			return -1;
		}
	}
	errno = 0;
	rc = config_load_stream(f, path, cfg, errs);
	if (fclose(f) != 0 && rc == 0) {
		add_error(&p, 0, "cannot close: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}

struct config *config_new(void)
{
	struct config *cfg = malloc(sizeof *cfg);

	if (cfg == NULL)
		return NULL;
	config_defaults(cfg);
	atomic_store(&cfg->refs, 1);
	return cfg;
}

struct config *config_ref(struct config *cfg)
{
	atomic_fetch_add_explicit(&cfg->refs, 1, memory_order_relaxed);
	return cfg;
}

void config_unref(struct config *cfg)
{
	if (cfg != NULL && atomic_fetch_sub_explicit(&cfg->refs, 1, memory_order_acq_rel) == 1)
		free(cfg);
}

void config_slot_init(struct config_slot *slot, struct config *cfg)
{
	pthread_mutex_init(&slot->lock, NULL);
	slot->cfg = config_ref(cfg);
}

struct config *config_slot_get(struct config_slot *slot)
{
	struct config *cfg;

	pthread_mutex_lock(&slot->lock);
	cfg = config_ref(slot->cfg);
	pthread_mutex_unlock(&slot->lock);
	return cfg;
}

void config_slot_set(struct config_slot *slot, struct config *cfg)
{
	struct config *old;

	pthread_mutex_lock(&slot->lock);
	old = slot->cfg;
	slot->cfg = config_ref(cfg);
	pthread_mutex_unlock(&slot->lock);
	config_unref(old);
}

void config_slot_destroy(struct config_slot *slot)
{
	config_unref(slot->cfg);
	slot->cfg = NULL;
	pthread_mutex_destroy(&slot->lock);
}
