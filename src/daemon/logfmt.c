/* logfmt.c: a log line as stderr shows it: its kind, the RFC 3339 stamp,
 * the JSON object (see logfmt.h). Pure: it must not read a clock, the
 * environment or a descriptor, nor write past the caller's buffer. */
#include "logfmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_key_char(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_word_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

size_t logfmt_kind(char *kind, const char *text, size_t len)
{
	size_t i = 0, out = 0;

	for (int w = 0; w < LOGFMT_KIND_WORDS && i < len && is_alpha(text[i]); w++) {
		size_t start = i;

		while (i < len && is_word_char(text[i]))
			i++;
		if (i < len && text[i] != ' ' && text[i] != ':')
			break;          /* "peer=...", "x.y": not a word */
		if (out + (out > 0) + (i - start) >= LOGFMT_KIND_MAX)
			break;
		if (out > 0)
			kind[out++] = ' ';
		memcpy(kind + out, text + start, i - start);
		out += i - start;
		if (i >= len || text[i] == ':')
			break;
		i++;
	}
	if (out == 0) {
		memcpy(kind, "other", sizeof "other");
		return sizeof "other" - 1;
	}
	kind[out] = '\0';
	return out;
}

size_t logfmt_stamp(char *buf, size_t size, const struct tm *tm, long ms)
{
	long off = tm->tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	int n;

	if (off < 0)
		off = -off;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld%c%02ld:%02ld",
		     tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min,
		     tm->tm_sec, ms, sign, off / 60, off % 60);
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}

/* A JSON writer that keeps JW_RESERVE bytes for what closes the object: a
 * string's quote, the brace and the NUL. */
#define JW_RESERVE 3

struct jw {
	char *buf;
	size_t size, len;
	bool full, members;
};

static bool jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->full || w->len + n + JW_RESERVE > w->size) {
		w->full = true;
		return false;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return true;
}

/* The bytes of a string, escaped; cut at the first that does not fit. */
static bool jw_escaped(struct jw *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t k;

		if (c == '"' || c == '\\')
			k = (size_t)snprintf(esc, sizeof esc, "\\%c", c);
		else if (c == '\n')
			k = (size_t)snprintf(esc, sizeof esc, "\\n");
		else if (c < 0x20 || c > 0x7e)
			k = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
		else
			k = (size_t)snprintf(esc, sizeof esc, "%c", c);
		if (!jw_raw(w, esc, k))
			return false;
	}
	return true;
}

/* A member: "key":value. A member whose key does not fit is left out; a
 * string value that does not fit is cut, and its quote closed. */
static void jw_member(struct jw *w, const char *key, size_t klen, const char *v, size_t vlen,
		      bool number)
{
	size_t mark = w->len;

	if (!jw_raw(w, w->members ? ",\"" : "\"", w->members ? 2 : 1) ||
	    !jw_escaped(w, key, klen) || !jw_raw(w, "\":", 2) ||
	    !jw_raw(w, number ? "" : "\"", number ? 0 : 1)) {
		w->len = mark;
		return;
	}
	w->members = true;
	if (number) {
		if (!jw_raw(w, v, vlen))
			w->len = mark;
		return;
	}
	jw_escaped(w, v, vlen);
	w->buf[w->len++] = '"';         /* the reserve has room for it */
}

static bool is_integer(const char *v, size_t n)
{
	size_t i = n > 0 && v[0] == '-';

	if (i >= n || n - i > 15 || (v[i] == '0' && n - i > 1))
		return false;
	for (; i < n; i++)
		if (!is_digit(v[i]))
			return false;
	return true;
}

struct field {
	const char *key, *val;
	size_t klen, vlen;
};

/* The word at text[i]: a field (f->klen > 0) or not. Returns the index
 * past it. */
static size_t next_word(const char *t, size_t len, size_t i, struct field *f)
{
	size_t k = i, start;

	f->klen = 0;
	while (k < len && (is_key_char(t[k]) || (k > i && (is_digit(t[k]) || t[k] == '_'))))
		k++;
	if (k == i || k >= len || t[k] != '=') {
		while (i < len && t[i] != ' ')
			i++;
		return i;
	}
	f->key = t + i;
	f->klen = k - i;
	start = ++k;
	if (k < len && t[k] == '"') {
		start = ++k;
		while (k < len && t[k] != '"')
			k += t[k] == '\\' && k + 1 < len ? 2 : 1;
		f->val = t + start;
		f->vlen = k - start;
		return k < len ? k + 1 : k;
	}
	while (k < len && t[k] != ' ')
		k++;
	f->val = t + start;
	f->vlen = k - start;
	if (f->vlen > 0 && memchr(":;,", f->val[f->vlen - 1], 3) != NULL)
		f->vlen--;
	return k;
}

static bool reserved(const struct field *f, const struct field *seen, size_t nseen)
{
	static const char *const names[] = { "time", "level", "kind", "msg" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (f->klen == strlen(names[i]) && memcmp(f->key, names[i], f->klen) == 0)
			return true;
	for (size_t i = 0; i < nseen; i++)
		if (f->klen == seen[i].klen && memcmp(f->key, seen[i].key, f->klen) == 0)
			return true;
	return false;
}

static void add_fields(struct jw *w, const char *text, size_t len)
{
	struct field seen[LOGFMT_FIELDS_MAX], f;
	size_t nseen = 0, i = 0;

	while (i < len && nseen < LOGFMT_FIELDS_MAX) {
		i = next_word(text, len, i, &f);
		if (f.klen > 0 && !reserved(&f, seen, nseen)) {
			jw_member(w, f.key, f.klen, f.val, f.vlen, is_integer(f.val, f.vlen));
			seen[nseen++] = f;
		}
		while (i < len && text[i] == ' ')
			i++;
	}
}

size_t logfmt_json(char *buf, size_t size, const char *time, const char *level, const char *text,
		   size_t len)
{
	struct jw w = { .buf = buf, .size = size };
	char kind[LOGFMT_KIND_MAX];
	size_t klen;

	if (size < LOGFMT_JSON_MIN)
		return 0;
	klen = logfmt_kind(kind, text, len);
	buf[w.len++] = '{';
	jw_member(&w, "time", 4, time, strlen(time), false);
	jw_member(&w, "level", 5, level, strlen(level), false);
	jw_member(&w, "kind", 4, kind, klen, false);
	/* the whole line before its fields: what is cut is what repeats it */
	jw_member(&w, "msg", 3, text, len, false);
	add_fields(&w, text, len);
	buf[w.len++] = '}';
	buf[w.len] = '\0';
	return w.len;
}
