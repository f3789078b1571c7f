/* unit_probegate: whether a /probe may go (src/daemon/probegate.c): no
 * list or an empty one forbids every target, a target outside the list is
 * forbidden and costs no token, at most max_active at once, a target's
 * bucket (any port) and the total, the HTTP status of each verdict. */
#include <stdio.h>
#include <string.h>

#include "probegate.h"
#include "unit.h"

#define SA(ss) ((const struct sockaddr *)&(ss))

static struct acl *list(const char *text)
{
	struct acl *a = acl_new();
	char err[128];

	CHECK(a != NULL);
	if (text != NULL)
		CHECK(acl_add_list(a, text, strlen(text), ACL_ALLOW, err, sizeof err) == 0);
	acl_allow_list(a);
	CHECK(acl_finish(a) == 0);
	return a;
}

int main(void)
{
	struct probegate *g = probegate_new(1, 2, 2, 100, 3);
	struct acl *empty = list(NULL), *lab = list("192.0.2.0/24, 2001:db8::/32");
	struct sockaddr_storage in = unit_addr("192.0.2.7", 7, NULL),
				in_other_port = unit_addr("192.0.2.7", 9, NULL),
				out = unit_addr("198.51.100.1", 7, NULL),
				v6 = unit_addr("2001:db8::5", 7, NULL),
				b = unit_addr("192.0.2.8", 7, NULL), c = unit_addr("192.0.2.9", 7, NULL);

	CHECK(g != NULL);
	CHECK(probegate_enter(g, NULL, SA(in), 0) == PROBEGATE_FORBIDDEN);
	CHECK(probegate_enter(g, empty, SA(in), 0) == PROBEGATE_FORBIDDEN);
	/* an empty list not made an allow list (which acl_check lets all through) */
	struct acl *bare = acl_new();
	CHECK(bare != NULL && acl_finish(bare) == 0);
	CHECK(probegate_enter(g, bare, SA(in), 0) == PROBEGATE_FORBIDDEN);
	acl_free(bare);
	for (int i = 0; i < 10; i++)
		CHECK(probegate_enter(g, lab, SA(out), 0) == PROBEGATE_FORBIDDEN);
	CHECK(probegate_active(g) == 0);
	/* a burst of 2 for one target, whatever its port */
	CHECK(probegate_enter(g, lab, SA(in), 0) == PROBEGATE_GO);
	CHECK(probegate_enter(g, lab, SA(in_other_port), 0) == PROBEGATE_GO);
	CHECK(probegate_active(g) == 2);
	CHECK(probegate_enter(g, lab, SA(in), 0) == PROBEGATE_RATE);
	CHECK(probegate_active(g) == 2);
	/* at most 3 at once: the fourth is busy and takes no token */
	CHECK(probegate_enter(g, lab, SA(v6), 0) == PROBEGATE_GO);
	CHECK(probegate_enter(g, lab, SA(b), 0) == PROBEGATE_BUSY);
	probegate_leave(g);
	CHECK(probegate_active(g) == 2);
	CHECK(probegate_enter(g, lab, SA(b), 0) == PROBEGATE_GO);
	probegate_leave(g);
	probegate_leave(g);
	probegate_leave(g);
	probegate_leave(g); /* one too many: stays at 0 */
	CHECK(probegate_active(g) == 0);
	CHECK(probegate_enter(g, lab, SA(b), 0) == PROBEGATE_GO); /* b's second token */
	CHECK(probegate_enter(g, lab, SA(b), 0) == PROBEGATE_RATE);
	probegate_leave(g);
	/* refilled: 2 a second */
	CHECK(probegate_enter(g, lab, SA(in), 0.5) == PROBEGATE_GO);
	probegate_leave(g);
	CHECK(probegate_enter(g, lab, SA(in), 0.5) == PROBEGATE_RATE);
	/* the total over all targets */
	probegate_set(g, 10, 1, 3);
	CHECK(probegate_enter(g, lab, SA(c), 10) == PROBEGATE_GO);
	probegate_leave(g);
	CHECK(probegate_enter(g, lab, SA(v6), 10) == PROBEGATE_RATE);
	CHECK(probegate_status(PROBEGATE_GO) == 200);
	CHECK(probegate_status(PROBEGATE_FORBIDDEN) == 403);
	CHECK(probegate_status(PROBEGATE_BUSY) == 503);
	CHECK(probegate_status(PROBEGATE_RATE) == 429);
	probegate_free(g);
	acl_free(empty);
	acl_free(lab);
	return unit_done("unit_probegate");
}
