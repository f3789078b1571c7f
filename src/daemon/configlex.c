/* configlex.c: the lines of netechod.conf, one at a time (see config.c's
 * opening comment for why inih is fed canonical lines): each counted,
 * checked for length and control characters, and lexed into a section
 * header or a key with its value unquoted and unescaped; and the error
 * list every problem goes to, as FILE:LINE.
 *
 * It must not know the keys or what a value means (config.c checks
 * them), nor log or exit. */
#include "configparse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static void config_verror(struct parser *p, const char *file, unsigned line, const char *fmt,
			  va_list ap) __attribute__((format(printf, 4, 0)));

/* the sections by enum config_section, then [log] (no sockets, no
 * struct service_cfg): the one list of their names */
#define SECTION_LOG CONFIG_SECTIONS
/* clang-format off */
static const char *const sections[] = {
	[CONFIG_SERVER] = "server",
	[CONFIG_TCP] = "tcp",
	[CONFIG_UDP] = "udp",
	[CONFIG_REPORT] = "report",
	[CONFIG_METRICS] = "metrics",
	[SECTION_LOG] = "log",
};
/* clang-format on */
_Static_assert(sizeof sections / sizeof sections[0] == CONFIG_SECTIONS + 1,
	       "a section without a name");

const char *config_section_name(enum config_section i)
{
	return sections[i];
}

void config_error(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(p, p->name, line, fmt, ap);
	va_end(ap);
}

/* A problem in another file than the configuration: a list file. */
void config_error_in(struct parser *p, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(p, file, line, fmt, ap);
	va_end(ap);
}

static void config_verror(struct parser *p, const char *file, unsigned line, const char *fmt,
		       va_list ap)
{
	struct config_errors *e = p->errs;
	char name[CONFIG_NAME_SHOWN * 4 + 8];
	const char *shown_name = escape_name(name, sizeof name, file), *dots = "";
	int n;

	if (e->count >= CONFIG_MAX_ERRORS) {
		e->dropped++;
		return;
	}
	/* a long path must not crowd out the problem: keep its end */
	if (strlen(shown_name) > CONFIG_NAME_SHOWN) {
		shown_name += strlen(shown_name) - (CONFIG_NAME_SHOWN - 3);
		dots = "...";
	}
	if (line > 0)
		n = snprintf(e->msg[e->count], CONFIG_ERROR_LEN, "%s%s:%u: ", dots, shown_name,
			     line);
	else
		n = snprintf(e->msg[e->count], CONFIG_ERROR_LEN, "%s%s: ", dots, shown_name);
	if (n < 0)
		n = 0;
	if ((size_t)n < CONFIG_ERROR_LEN)
		vsnprintf(e->msg[e->count] + n, CONFIG_ERROR_LEN - (size_t)n, fmt, ap);
	e->count++;
}


const char *config_quoted(const char *s, size_t len, char *buf)
{
	escape_payload(buf, QUOTED_BUFSIZE, s, len, QUOTED_MAX);
	return buf;
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(int c)
{
	return isalnum(c) || c == '_';
}

bool config_known_section(const char *s, size_t len)
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

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lexes a [section] header starting at s. */
static bool lex_section(struct parser *p, const char *s, const char *end)
{
	const char *close = memchr(s, ']', (size_t)(end - s)), *name = s + 1, *nend;
	char qb[QUOTED_BUFSIZE];

	p->section_bad = true;
	if (close == NULL || !only_comment(close + 1, end)) {
		config_error(p, p->lineno, "malformed section header %s (expected [name])",
			  config_quoted(s, (size_t)(end - s), qb));
		return false;
	}
	while (name < close && is_blank(*name))
		name++;
	nend = close;
	while (nend > name && is_blank(nend[-1]))
		nend--;
	if (!config_known_section(name, (size_t)(nend - name))) {
		config_error(p, p->lineno, "unknown section %s (known: " SECTIONS_KNOWN ")",
			  config_quoted(name, (size_t)(nend - name), qb));
		return false;
	}
	p->section_bad = false;
	p->lx.kind = LX_SECTION;
	p->lx.name = name;
	p->lx.namelen = (size_t)(nend - name);
	return true;
}

/* Lexes a quoted value from just after its opening quote: the escapes
 * \n \r \t \\ \" \xHH are resolved. */
static bool lex_config_quoted(struct parser *p, const char *q, const char *end)
{
	char qb[QUOTED_BUFSIZE];
	size_t o = 0;

	for (; q < end && *q != '"'; q++) {
		int c = (unsigned char)*q;

		if (c == '\\') {
			if (++q == end)
				break;
			switch (*q) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x': {
				int hi = q + 1 < end ? hexval((unsigned char)q[1]) : -1;
				int lo = q + 2 < end ? hexval((unsigned char)q[2]) : -1;

				if (hi < 0 || lo < 0) {
					config_error(p, p->lineno, "%.*s: \\x needs two hex digits",
						  (int)p->lx.namelen, p->lx.name);
					return false;
				}
				c = hi << 4 | lo;
				q += 2;
				break;
			}
			default:
				if (*q > 0x20 && *q < 0x7f)
					config_error(
						p, p->lineno,
						"%.*s: unknown escape \\%c (use \\n \\r \\t \\\\ \\\" or \\xHH)",
						(int)p->lx.namelen, p->lx.name, *q);
				else
					config_error(p, p->lineno,
						  "%.*s: unknown escape after a backslash",
						  (int)p->lx.namelen, p->lx.name);
				return false;
			}
		}
		p->lx.value[o++] = (char)c;
	}
	if (q >= end) {
		config_error(p, p->lineno, "unterminated quoted value (missing closing \")");
		return false;
	}
	if (!only_comment(q + 1, end)) {
		config_error(p, p->lineno, "unexpected text after the closing quote: %s",
			  config_quoted(q + 1, (size_t)(end - q - 1), qb));
		return false;
	}
	p->lx.vlen = o;
	return true;
}

/* Lexes key = value starting at s. */
bool config_lex_key(struct parser *p, const char *s, const char *end)
{
	const char *eq = memchr(s, '=', (size_t)(end - s)), *kend, *v, *vend;
	char qb[QUOTED_BUFSIZE];

	if (eq == NULL) {
		config_error(p, p->lineno,
			  "malformed line %s (expected key = value, [section] or a comment)",
			  config_quoted(s, (size_t)(end - s), qb));
		return false;
	}
	kend = eq;
	while (kend > s && is_blank(kend[-1]))
		kend--;
	if (kend == s) {
		config_error(p, p->lineno, "missing key name before '='");
		return false;
	}
	for (const char *c = s; c < kend; c++)
		if (!is_key_char((unsigned char)*c)) {
			config_error(p, p->lineno, "malformed key %s (letters, digits and _ only)",
				  config_quoted(s, (size_t)(kend - s), qb));
			return false;
		}
	p->lx.kind = LX_KEY;
	p->lx.name = s;
	p->lx.namelen = (size_t)(kend - s);
	v = eq + 1;
	while (v < end && is_blank(*v))
		v++;
	if (v < end && *v == '"')
		return lex_config_quoted(p, v + 1, end);
	/* unquoted: up to an inline comment (';' or '#' after a blank) */
	vend = v;
	while (vend < end && !((*vend == ';' || *vend == '#') && vend > v && is_blank(vend[-1])))
		vend++;
	while (vend > v && is_blank(vend[-1]))
		vend--;
	memcpy(p->lx.value, v, (size_t)(vend - v));
	p->lx.vlen = (size_t)(vend - v);
	return true;
}

/* Lexes one raw line (len bytes, no newline) into p->lx. */
static bool lex_line(struct parser *p, const char *line, size_t len)
{
	const char *s = line, *end = line + len;

	p->lx.kind = LX_NOTHING;
	while (s < end && is_blank(*s))
		s++;
	if (s == end || *s == ';' || *s == '#')
		return true;
	if (*s == '[')
		return lex_section(p, s, end);
	return config_lex_key(p, s, end);
}

/* Reads one physical line into p->line; its length in *len and the whole
 * length in *total (more than was kept when it is too long). False at the
 * end of the file. */
static bool read_raw(struct parser *p, size_t *len, size_t *total)
{
	bool any = false;
	int c;

	*len = *total = 0;
	while ((c = getc(p->f)) != EOF) {
		any = true;
		if (++p->bytes > CONFIG_FILE_MAX) {
			p->too_big = true;
			config_error(p, 0, "larger than %d bytes: not a configuration file",
				  CONFIG_FILE_MAX);
			return false;
		}
		if (c == '\n')
			break;
		if (*len < sizeof p->line)
			p->line[(*len)++] = (char)c;
		(*total)++;
	}
	return any;
}

/* A line that cannot be lexed and looks like a section header makes the
 * keys after it the header's: they are not reported again. */
static void bad_line(struct parser *p, const char *line, size_t len)
{
	while (len > 0 && is_blank(*line)) {
		line++;
		len--;
	}
	if (len > 0 && *line == '[')
		p->section_bad = true;
}

/* The ini_reader handed to inih: one physical line per call, lexed, and
 * given to inih in canonical form. */
char *config_read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	size_t len, total, skip = 0;
	const char *line = p->line;
	int control = -1;

	if (num < 4 || p->too_big || !read_raw(p, &len, &total))
		return NULL;            /* end of file (or a read error, checked later) */
	p->lineno++;
	p->lx.kind = LX_NOTHING;
	snprintf(str, (size_t)num, "\n");
	if (total > 0 && len == total && p->line[len - 1] == '\r') {
		len--;
		total--;
	}
	/* a UTF-8 byte order mark may open the file; it is not counted */
	if (p->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	line += skip;
	len -= skip;
	total -= skip;
	if (total > CONFIG_LINE_MAX) {
		config_error(p, p->lineno, "line too long (%zu bytes; at most %d)", total,
			  CONFIG_LINE_MAX);
		bad_line(p, line, len);
		return str;
	}
	/* control characters (a tab aside) have no place in the file: inside
	 * quotes they are written as escapes */
	for (size_t i = 0; i < len && control < 0; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			control = (unsigned char)line[i];
	if (control >= 0) {
		if (control == 0)
			config_error(p, p->lineno, "line contains a NUL byte");
		else
			config_error(
				p, p->lineno,
				"line contains a control character (0x%02x); in a quoted value write it as \\x%02x",
				control, control);
		bad_line(p, line, len);
		return str;
	}
	if (!lex_line(p, line, len))
		p->lx.kind = LX_NOTHING;
	if (p->lx.kind == LX_SECTION)
		snprintf(str, (size_t)num, "[%.*s]\n", (int)p->lx.namelen, p->lx.name);
	else if (p->lx.kind == LX_KEY)
		snprintf(str, (size_t)num, "%.*s=\n", (int)p->lx.namelen, p->lx.name);
	return str;
}

