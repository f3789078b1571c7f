/* override.c: collecting netechod's -o options (see override.h). It
 * checks their form only: a value is checked by config.c, as the file's,
 * so that -o and the file can never disagree on what is valid. */
#include "override.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

int override_add(struct overrides *o, const char *arg, char *err, size_t errlen)
{
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
	char shown[ESCAPE_BUFSIZE(64)];

	if (dot == NULL || eq == NULL || dot == arg || eq == dot + 1 || dot > eq) {
		escape_payload(shown, sizeof shown, arg, strlen(arg), 64);
		snprintf(err, errlen, "-o %s: not SECTION.KEY=VALUE (as -o server.port=7000)",
			 shown);
		return -1;
	}
	if (o->n == OVERRIDE_MAX) {
		snprintf(err, errlen, "more than %d -o options", OVERRIDE_MAX);
		return -1;
	}
	o->text[o->n++] = arg;
	return 0;
}
