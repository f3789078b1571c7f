/* pathmtu.c: --pmtu's findings as text and JSON (see pathmtu.h).
 *
 * Pure: it must not probe (pmtuprobe.c) nor reason (pmtu.c), nor print; it
 * writes the findings into the caller's buffer. */
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

/* Who sent each ICMP "too big", and which hop that is. */
static void icmp_lines(struct outbuf *o, const struct path_mtu *m)
{
	for (int i = 0; i < m->nicmp; i++) {
		const struct path_mtu_icmp *c = &m->icmp[i];

		outbuf_add(o, "too-big: %ld from %s ", c->mtu, c->from);
		if (c->hop > 0)
			outbuf_add(o, "(hop %d)\n", c->hop);
		else if (m->traced)
			outbuf_add(o, "(hop unknown: no hop of --hops answered from that address)\n");
		else
			outbuf_add(o, "(which hop: --hops says)\n");
	}
}

/* Where the black hole sits: after the last hop a probe of the size that
 * vanishes reached. */
static void hole_line(struct outbuf *o, const struct path_mtu *m)
{
	if (m->black_hole != 1)
		return;
	if (m->hole_after > 0) {
		outbuf_add(o, "black-hole after: hop %d %s (%ld-byte probes reach it, and vanish "
			   "after it", m->hole_after, m->hole_from, m->pmtu + 1);
		if (m->hole_next > 0)
			outbuf_add(o, "; hop %d, which answered smaller ones, did not answer them "
				   "in %d tries)\n", m->hole_next, PATH_MTU_HOLE_TRIES);
		else
			outbuf_add(o, ")\n");
	} else {
		outbuf_add(o, "black-hole after: unknown (%s)\n",
			   m->hole_why != NULL ? m->hole_why : "--hops locates it");
	}
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
	icmp_lines(&o, m);
	hole_line(&o, m);
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
	outbuf_key(&o, "icmp_from");
	outbuf_add(&o, "[");
	for (int i = 0; i < m->nicmp; i++) {
		outbuf_add(&o, "%s{\"mtu\":%ld,\"from\":", i ? "," : "", m->icmp[i].mtu);
		path_json_text(&o, m->icmp[i].from);
		outbuf_add(&o, ",\"hop\":");
		if (m->icmp[i].hop > 0)
			outbuf_add(&o, "%d}", m->icmp[i].hop);
		else
			outbuf_add(&o, "null}");
	}
	outbuf_add(&o, "]");
	outbuf_key(&o, "black_hole_after");
	if (m->black_hole == 1 && m->hole_after > 0) {
		outbuf_add(&o, "{\"hop\":%d,\"address\":", m->hole_after);
		path_json_text(&o, m->hole_from);
		outbuf_add(&o, ",\"next_silent\":");
		if (m->hole_next > 0)
			outbuf_add(&o, "%d}", m->hole_next);
		else
			outbuf_add(&o, "null}");
	} else {
		outbuf_add(&o, "null");
	}
	outbuf_key(&o, "black_hole_after_unknown");
	if (m->black_hole != 1 || m->hole_after > 0)
		path_json_text(&o, NULL);
	else
		path_json_text(&o, m->hole_why != NULL ? m->hole_why : "--hops locates it");
	outbuf_key(&o, "pmtu_unknown");
	if (m->pmtu >= 0)
		outbuf_add(&o, "null");
	else if (m->why == NULL && m->loss >= 0)
		outbuf_add(&o, "\"%d%% loss\"", m->loss);
	else
		path_json_text(&o, m->why != NULL ? m->why : "undecided");
	return o.len;
}
