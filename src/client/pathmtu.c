/* pathmtu.c: --pmtu's findings as text and JSON (see pathmtu.h). */
#include "pathmtu.h"

#include <stdbool.h>

#include "outbuf.h"
#include "pathjson.h"

static void mtu_line(struct outbuf *o, const struct path_mtu *m)
{
	if (m->pmtu < 0 && m->low < 0)
		outbuf_add(o, "pmtu: unknown (%s)\n", m->why != NULL ? m->why : "no probe arrived");
	else if (m->pmtu < 0 && m->why == NULL && m->loss >= 0)
		outbuf_add(o, "pmtu: unknown (%d%% loss: %ld bytes arrive; larger, up to %ld, "
			"undecided)\n", m->loss, m->low, m->bound);
	else if (m->pmtu < 0)
		outbuf_add(o, "pmtu: unknown (%s: %ld bytes arrive; larger, up to %ld, undecided)\n",
		    m->why != NULL ? m->why : "undecided", m->low, m->bound);
	else if (m->pmtu >= m->local_mtu)
		outbuf_add(o, "pmtu: %ld (every size up to this host's interface MTU arrives)\n",
		    m->pmtu);
	else if (m->pmtu == m->icmp_mtu)
		outbuf_add(o, "pmtu: %ld (the largest packet that arrives, as an ICMP \"too big\" "
			"said; this host's interface MTU is %ld)\n", m->pmtu, m->local_mtu);
	else
		outbuf_add(o, "pmtu: %ld (the largest packet that arrives; this host's interface MTU "
			"is %ld)\n", m->pmtu, m->local_mtu);
}

size_t path_mtu_text(char *buf, size_t size, const struct path_mtu *m)
{
	struct outbuf o;

	outbuf_start(&o, buf, size);
	mtu_line(&o, m);
	if (m->black_hole == 1 && m->icmp_mtu > 0)
		outbuf_add(&o, "black-hole: yes (packets of %ld to %ld bytes vanish with no ICMP \"too "
			"big\" for them; an ICMP named %ld for larger ones)\n", m->pmtu + 1, m->bound,
		    m->icmp_mtu);
	else if (m->black_hole == 1)
		outbuf_add(&o, "black-hole: yes (packets of %ld to %ld bytes vanish: no ICMP \"too "
			"big\" comes back)\n", m->pmtu + 1, m->bound);
	else if (m->black_hole == 0 && m->icmp_mtu > 0)
		outbuf_add(&o, "black-hole: no (ICMP \"too big\" names an MTU of %ld)\n", m->icmp_mtu);
	else if (m->black_hole == 0)
		outbuf_add(&o, "black-hole: no\n");
	else if (m->pmtu >= 0)
		outbuf_add(&o, "black-hole: unknown (larger packets vanish, and so many replies are "
			"lost that ICMP \"too big\" may have been)\n");
	else
		outbuf_add(&o, "black-hole: unknown\n");
	if (m->vanished > 0)
		outbuf_add(&o, "vanished: %ld bytes (lost every try while larger packets arrived: a "
			"filter or loss, not the MTU)\n", m->vanished);
	if (m->loss >= 0)
		outbuf_add(&o, "probe-loss: %d%% (%d probes)\n", m->loss, m->probes);
	return o.len;
}

size_t path_mtu_json(char *buf, size_t size, const struct path_mtu *m)
{
	struct outbuf o;

	outbuf_start(&o, buf, size);
	outbuf_json_int(&o, "pmtu", m->pmtu);
	outbuf_json_bool(&o, "black_hole", m->black_hole);
	outbuf_json_int(&o, "local_mtu", m->local_mtu);
	outbuf_json_int(&o, "icmp_mtu", m->icmp_mtu);
	outbuf_json_int(&o, "pmtu_low", m->low);
	outbuf_json_int(&o, "pmtu_bound", m->bound);
	outbuf_json_int(&o, "probe_loss", m->loss);
	outbuf_json_int(&o, "probes", m->probes);
	outbuf_json_int(&o, "vanished", m->vanished);
	outbuf_key(&o, "pmtu_unknown");
	if (m->pmtu >= 0)
		outbuf_add(&o, "null");
	else if (m->why == NULL && m->loss >= 0)
		outbuf_add(&o, "\"%d%% loss\"", m->loss);
	else
		path_json_text(&o, m->why != NULL ? m->why : "undecided");
	return o.len;
}
