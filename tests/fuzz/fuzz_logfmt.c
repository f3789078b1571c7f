/* fuzz_logfmt: libFuzzer target for a log line made JSON (logfmt.c). For
 * any text and any buffer from LOGFMT_JSON_MIN up, the output must be one
 * whole JSON object of string and number members, printable ASCII only,
 * within the buffer (a guard byte after it stays untouched), and its
 * first four members time, level, kind and msg. The first input byte picks
 * the buffer's size; the rest is the line. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A JSON string at s[*i] (its opening quote); false when it is not one. */
static bool string_at(const char *s, size_t *i)
{
	if (s[(*i)++] != '"')
		return false;
	while (s[*i] != '"') {
		if (s[*i] < 0x20 || s[*i] > 0x7e)
			return false;
		if (s[*i] == '\\') {
			(*i)++;
			if (s[*i] == 'u') {
				for (int k = 1; k <= 4; k++)
					if (!is_hex(s[*i + k]))
						return false;
				*i += 4;
			} else if (strchr("\"\\n", s[*i]) == NULL || s[*i] == '\0') {
				return false;
			}
		}
		(*i)++;
	}
	(*i)++;
	return true;
}

static bool object(const char *s, size_t n)
{
	static const char *const first[] = { "\"time\":", "\"level\":", "\"kind\":", "\"msg\":" };
	size_t i = 1;

	if (n < 2 || s[0] != '{' || s[n - 1] != '}')
		return false;
	for (int m = 0; s[i] != '}'; m++) {
		if (m > 0 && s[i++] != ',')
			return false;
		if (m < 4 && strncmp(s + i, first[m], strlen(first[m])) != 0)
			return false;
		if (!string_at(s, &i) || s[i++] != ':')
			return false;
		if (s[i] == '"') {
			if (!string_at(s, &i))
				return false;
		} else {
			i += s[i] == '-';
			if (s[i] < '0' || s[i] > '9')
				return false;
			while (s[i] >= '0' && s[i] <= '9')
				i++;
		}
	}
	return i == n - 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[LOGFMT_JSON_MIN + 4096 + 1];
	size_t room, n;

	if (size == 0)
		return 0;
	room = LOGFMT_JSON_MIN + (size_t)data[0] * 16;
	memset(buf, 'Z', sizeof buf);
	n = logfmt_json(buf, room, "2026-12-07T07:05:09.042+01:00", "info",
			(const char *)data + 1, size - 1);
	if (n == 0 || n >= room || buf[n] != '\0' || buf[room] != 'Z' || strlen(buf) != n)
		abort();
	if (!object(buf, n))
		abort();
	return 0;
}
