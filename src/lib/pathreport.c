/* pathreport.c: the report service's JSON read back, and the names the
 * verdicts use (see pathreport.h); the verdicts are pathtext.c's.
 *
 * Pure: the report is untrusted; it must not read past the bytes it is
 * given, nor let a string or number past its bound. */
#include "pathreport.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* --- reading the report ---------------------------------------------- */

#define NUMBER_DIGITS_MAX 9     /* whole numbers the report holds fit, and a 32-bit long */

/* A JSON value of the kinds a report holds. */
enum kind { V_NULL, V_BOOL, V_NUMBER, V_STRING, V_ARRAY };

struct value {
	enum kind kind;
	bool b;
	long n;
	char s[PATH_ADDR_MAX];
	int items[PATH_OTHER_MAX];
	int nitems;                     /* how many in the array (only the first are kept) */
};

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' ||
				   *sc->p == '\r'))
		sc->p++;
}

static bool take(struct scan *sc, char c)
{
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == c) {
		sc->p++;
		return true;
	}
	return false;
}

static bool take_word(struct scan *sc, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(sc->end - sc->p) >= n && memcmp(sc->p, w, n) == 0) {
		sc->p += n;
		return true;
	}
	return false;
}

/* A string of printable ASCII, with \" and \\ as its only escapes (all
 * the report service writes); at most size - 1 bytes. */
static bool scan_string(struct scan *sc, char *out, size_t size)
{
	size_t len = 0;

	if (!take(sc, '"'))
		return false;
	while (sc->p < sc->end && *sc->p != '"') {
		char c = *sc->p++;

		if (c == '\\') {
			if (sc->p == sc->end || (*sc->p != '"' && *sc->p != '\\'))
				return false;
			c = *sc->p++;
		}
		if (c < 0x20 || c > 0x7e || len + 1 >= size)
			return false;
		out[len++] = c;
	}
	if (sc->p == sc->end)
		return false;
	sc->p++;
	out[len] = '\0';
	return true;
}

/* A whole number, at most NUMBER_DIGITS_MAX digits, maybe negative. */
static bool scan_number(struct scan *sc, long *out)
{
	bool neg = false;
	long n = 0;
	int digits = 0;

	if (sc->p < sc->end && *sc->p == '-') {
		neg = true;
		sc->p++;
	}
	while (sc->p < sc->end && isdigit((unsigned char)*sc->p)) {
		if (++digits > NUMBER_DIGITS_MAX)
			return false;
		n = n * 10 + (*sc->p++ - '0');
	}
	if (digits == 0)
		return false;
	/* a fraction or an exponent: not a whole number */
	if (sc->p < sc->end && (*sc->p == '.' || *sc->p == 'e' || *sc->p == 'E'))
		return false;
	*out = neg ? -n : n;
	return true;
}

static bool scan_value(struct scan *sc, struct value *v)
{
	skip_ws(sc);
	if (sc->p == sc->end)
		return false;
	memset(v, 0, sizeof *v);
	switch (*sc->p) {
	case 'n':
		v->kind = V_NULL;
		return take_word(sc, "null");
	case 't':
		v->kind = V_BOOL;
		v->b = true;
		return take_word(sc, "true");
	case 'f':
		v->kind = V_BOOL;
		return take_word(sc, "false");
	case '"':
		v->kind = V_STRING;
		return scan_string(sc, v->s, sizeof v->s);
	case '[':
		v->kind = V_ARRAY;
		sc->p++;
		if (take(sc, ']'))
			return true;
		do {
			long n;

			skip_ws(sc);
			if (!scan_number(sc, &n) || n < 0 || n > 255)
				return false;
			if (v->nitems < PATH_OTHER_MAX)
				v->items[v->nitems] = (int)n;
			if (v->nitems < 256)
				v->nitems++;
		} while (take(sc, ','));
		return take(sc, ']');
	default:
		v->kind = V_NUMBER;
		return scan_number(sc, &v->n);
	}
}

/* The members a report may hold, and where each goes. */
enum slot { S_INT, S_LONG, S_BOOL, S_STRING, S_ECN, S_PROTO, S_VERSION, S_ARRAY, S_OPTION,
	    S_BITS };

struct member {
	const char *key;
	enum slot slot;
	size_t off;
	long min, max;
};

#define AT(f) offsetof(struct path_seen, f)
static const struct member members[] = {
	{ "version", S_VERSION, 0, 1, 1 },
	{ "proto", S_PROTO, 0, 0, 0 },
	{ "client", S_STRING, AT(client), 0, 0 },
	{ "client_port", S_LONG, AT(client_port), 0, 65535 },
	{ "local", S_STRING, AT(local), 0, 0 },
	{ "local_port", S_LONG, AT(local_port), 0, 65535 },
	{ "proxy", S_STRING, AT(proxy), 0, 0 },
	{ "proxy_port", S_LONG, AT(proxy_port), 0, 65535 },
	{ "ttl", S_INT, AT(ttl), 0, 255 },
	{ "dscp", S_INT, AT(dscp), 0, 63 },
	{ "ecn", S_ECN, AT(ecn), 0, 0 },
	{ "df", S_BOOL, AT(df), 0, 0 },
	{ "flow_label", S_LONG, AT(flow_label), 0, 0xfffff },
	{ "ecn_setup", S_BOOL, AT(ecn_setup), 0, 0 },
	{ "window", S_LONG, AT(window), 0, 65535 },
	{ "mss", S_LONG, AT(mss), 0, 65535 },
	{ "wscale", S_INT, AT(wscale), 0, 255 },
	{ "sack", S_BOOL, AT(sack), 0, 0 },
	{ "timestamps", S_BOOL, AT(timestamps), 0, 0 },
	{ "other_options", S_ARRAY, 0, 0, 0 },
	{ "ip_options", S_INT, AT(ip_options), 0, 65535 },
	{ "size", S_LONG, AT(size), 0, 65535 },
	{ "fragment_size", S_LONG, AT(fragment_size), 0, 65535 },
	{ "reply_ttl", S_INT, AT(reply_ttl), 1, 255 },
	{ "reply_dscp", S_INT, AT(reply_dscp), 0, 63 },
	{ "reply_ecn", S_ECN, AT(reply_ecn), 0, 0 },
	{ "reply_mss", S_LONG, AT(reply_mss), 0, 65535 },
	{ "reply_wscale", S_OPTION, AT(reply_wscale), 0, 255 },
	{ "session_first", S_LONG, AT(session_first), 0, PROBEMEM_SEQS - 1 },
	{ "session_seen", S_BITS, 0, 0, 0 },
};
#undef AT

static const char *const ecn_names[] = { "not-ect", "ect1", "ect0", "ce" };

const char *path_ecn_name(int ecn)
{
	return ecn >= 0 && ecn <= 3 ? ecn_names[ecn] : "unknown";
}

/* Puts one member's value in place; false when it is of the wrong kind
 * or out of range. */
/* A member given as null: what null means for it. */
static bool store_null(struct path_seen *s, const struct member *m)
{
	char *base = (char *)s;

	if (m->slot == S_STRING)
		((char *)(base + m->off))[0] = '\0';
	else if (m->slot == S_ARRAY)
		s->nother = -1;
	else if (m->off == offsetof(struct path_seen, fragment_size))
		s->fragment_size = 0; /* null: not fragmented */
	return true;		      /* the rest are -1 already */
}

/* A number within the member's range (an option's also "none"). */
static bool store_number(struct path_seen *s, const struct member *m, const struct value *v)
{
	char *base = (char *)s;

	if (m->slot == S_OPTION && v->kind == V_STRING && strcmp(v->s, "none") == 0) {
		*(int *)(base + m->off) = PATH_NONE;
		return true;
	}
	if (v->kind != V_NUMBER || v->n < m->min || v->n > m->max)
		return false;
	if (m->slot != S_LONG)
		*(int *)(base + m->off) = (int)v->n;
	else
		*(long *)(base + m->off) = v->n;
	return true;
}

static bool store(struct path_seen *s, const struct member *m, const struct value *v,
		  bool *have_version, bool *have_proto)
{
	char *base = (char *)s;

	if (v->kind == V_NULL && m->slot != S_VERSION && m->slot != S_PROTO)
		return store_null(s, m);
	switch (m->slot) {
	case S_VERSION:
		*have_version = v->kind == V_NUMBER && v->n == 1;
		return *have_version;
	case S_PROTO:
		if (v->kind != V_STRING || (strcmp(v->s, "tcp") != 0 && strcmp(v->s, "udp") != 0))
			return false;
		s->udp = strcmp(v->s, "udp") == 0;
		*have_proto = true;
		return true;
	case S_STRING:
		if (v->kind != V_STRING)
			return false;
		memcpy(base + m->off, v->s, sizeof v->s);
		return true;
	case S_ECN:
		if (v->kind != V_STRING)
			return false;
		for (int i = 0; i < 4; i++)
			if (strcmp(v->s, ecn_names[i]) == 0) {
				*(int *)(base + m->off) = i;
				return true;
			}
		return false;
	case S_BOOL:
		if (v->kind != V_BOOL)
			return false;
		*(int *)(base + m->off) = v->b;
		return true;
	case S_BITS:
		return v->kind == V_STRING && probemem_unhex(v->s, s->session_seen) == 0;
	case S_ARRAY:
		if (v->kind != V_ARRAY)
			return false;
		memcpy(s->other, v->items, sizeof s->other);
		s->nother = v->nitems;
		return true;
	case S_OPTION: /* a number, or "none" */
	case S_INT:
	case S_LONG: return store_number(s, m, v);
	}
	return false;
}

static void unknown(struct path_seen *s)
{
	memset(s, 0, sizeof *s);
	s->client_port = s->local_port = s->proxy_port = -1;
	s->ttl = s->dscp = s->ecn = -1;
	s->df = s->ecn_setup = s->sack = s->timestamps = -1;
	s->flow_label = s->window = s->mss = -1;
	s->wscale = s->ip_options = s->nother = -1;
	s->size = s->fragment_size = -1;
	s->reply_ttl = s->reply_dscp = s->reply_ecn = -1;
	s->reply_mss = -1;
	s->reply_wscale = -1;
	s->session_first = -1;
}

int path_parse_report(const char *buf, size_t len, struct path_seen *s, char *err,
		      size_t errlen)
{
	struct scan sc = { buf, buf + len };
	bool have_version = false, have_proto = false;
	struct value v;

	unknown(s);
	if (!take(&sc, '{')) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	if (!take(&sc, '}')) {
		do {
			char key[32];
			const struct member *m = NULL;

			skip_ws(&sc);
			if (!scan_string(&sc, key, sizeof key) || !take(&sc, ':') ||
			    !scan_value(&sc, &v)) {
				snprintf(err, errlen, "malformed JSON at byte %td",
					 sc.p - buf);
				return -1;
			}
			for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
				if (strcmp(key, members[i].key) == 0)
					m = &members[i];
			if (m != NULL && !store(s, m, &v, &have_version, &have_proto)) {
				snprintf(err, errlen, "\"%s\" holds a value it cannot hold", key);
				return -1;
			}
		} while (take(&sc, ','));
		if (!take(&sc, '}')) {
			snprintf(err, errlen, "malformed JSON at byte %td", sc.p - buf);
			return -1;
		}
	}
	skip_ws(&sc);
	if (sc.p != sc.end) {
		snprintf(err, errlen, "bytes after the object");
		return -1;
	}
	if (!have_version || !have_proto || s->client[0] == '\0' || s->client_port < 0) {
		snprintf(err, errlen,
			 "not a version 1 report (version, proto, client, client_port)");
		return -1;
	}
	return 0;
}

/* --- DSCP names --------------------------------------------------------- */

static const struct {
	const char *name;
	int dscp;
} dscps[] = {
	{ "cs0", 0 },   { "le", 1 },    { "cs1", 8 },   { "af11", 10 }, { "af12", 12 },
	{ "af13", 14 }, { "cs2", 16 },  { "af21", 18 }, { "af22", 20 }, { "af23", 22 },
	{ "cs3", 24 },  { "af31", 26 }, { "af32", 28 }, { "af33", 30 }, { "cs4", 32 },
	{ "af41", 34 }, { "af42", 36 }, { "af43", 38 }, { "cs5", 40 },  { "va", 44 },
	{ "ef", 46 },   { "cs6", 48 },  { "cs7", 56 },
};

int path_dscp_parse(const char *s, int *dscp)
{
	long n;

	for (size_t i = 0; i < sizeof dscps / sizeof dscps[0]; i++)
		if (strcasecmp(s, dscps[i].name) == 0) {
			*dscp = dscps[i].dscp;
			return 0;
		}
	if (!isdigit((unsigned char)s[0]) || parse_long(s, 0, 63, &n) < 0)
		return -1;
	*dscp = (int)n;
	return 0;
}

const char *path_dscp_name(int dscp)
{
	for (size_t i = 0; i < sizeof dscps / sizeof dscps[0]; i++)
		if (dscps[i].dscp == dscp)
			return dscps[i].name;
	return NULL;
}

/* --- names, and the ECN verdict (pathtext.c's and pathback.c's) ------ */

const char *path_dscp_text(int dscp, char *buf, size_t size)
{
	const char *name = path_dscp_name(dscp);

	if (name != NULL)
		snprintf(buf, size, "%s/%d", name, dscp);
	else
		snprintf(buf, size, "%d", dscp);
	return buf;
}

/* What happened to the ECN field: kept, bleached, set, ce, changed; NULL
 * when unknown. */
const char *path_ecn_verdict(int sent, int seen)
{
	if (sent < 0 || seen < 0)
		return NULL;
	if (sent == seen)
		return "kept";
	if (seen == 3 && sent != 0)
		return "congestion experienced";
	if (seen == 0)
		return "bleached";
	if (sent == 0)
		return "set on the way";
	return "changed";
}
