/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: find the DPDK ports the config (or the replay) named, create the mbuf pools, configure
 * queues (RSS with a symmetric key where the device has it), start them, hand RX queues to
 * workers, and stop/close them at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dnsf_app.h"

/* The ethdev name of a device string: everything before the first ','. */
static void
dev_name(const char *device, char *name, size_t len)
{
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
}

int
dnsf_ports_resolve(struct dnsf_app *app, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN + 8];
	uint16_t i, pid;

	for (i = 0; i < app->n_ports; i++) {
		struct dnsf_app_port *p = &app->ports[i];
		int s;

		dev_name(p->device, name, sizeof(name));
		if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
			/* PCI addresses may be written without their domain. */
			char full[RTE_ETH_NAME_MAX_LEN + 16];

			snprintf(full, sizeof(full), "0000:%s", name);
			if (strchr(name, ':') == NULL || strchr(name, ':') != strrchr(name, ':') ||
			    rte_eth_dev_get_port_by_name(full, &pid) != 0) {
				snprintf(
				    err, errlen,
				    "port %s: device %s did not become a DPDK port (PCI device "
				    "not bound to vfio-pci/uio, or vdev arguments rejected: see "
				    "the EAL messages above)",
				    p->name, name);
				return -1;
			}
		}
		p->port_id = pid;
		s = rte_eth_dev_socket_id(pid);
		p->socket = s < 0 ? (int)rte_socket_id() : s;
		if (p->socket < 0 || p->socket >= RTE_MAX_NUMA_NODES)
			p->socket = 0;
	}
	return 0;
}

static struct rte_mempool *
pool_for(struct dnsf_app *app, int socket, char *err, size_t errlen)
{
	const struct dnsf_config *cfg = app->cfg;
	struct rte_mempool_objsz sz;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t elt;
	double mib;

	if (app->pools[socket] != NULL)
		return app->pools[socket];
	snprintf(name, sizeof(name), "dnsf_mbuf_s%d", socket);
	app->pools[socket] = rte_pktmbuf_pool_create(name, cfg->mbufs, cfg->mbuf_cache, 0,
	                                             RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (app->pools[socket] != NULL)
		return app->pools[socket];
	elt =
	    rte_mempool_calc_obj_size(sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 0, &sz);
	mib = (double)elt * cfg->mbufs / (1024.0 * 1024.0);
	snprintf(err, errlen,
	         "cannot create a pool of %" PRIu32 " mbufs (about %.0f MiB) on socket %d: %s; "
	         "give EAL more memory (-m / --socket-mem or more hugepages) or lower the "
	         "mempool mbufs in the config",
	         cfg->mbufs, mib + 1.0, socket, rte_strerror(rte_errno));
	return NULL;
}

/* Symmetric Toeplitz: with the key 0x6D,0x5A repeated, hash(a->b) == hash(b->a), so a client's
 * queries and the answers to them land on the same queue index (and so the same worker). */
static void
symmetric_key(uint8_t *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		key[i] = (i & 1) ? 0x5A : 0x6D;
}

static int
setup_one(struct dnsf_app *app, struct dnsf_app_port *p, char *err, size_t errlen)
{
	const struct dnsf_config *cfg = app->cfg;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	static uint8_t key[128];
	struct rte_mempool *pool;
	uint16_t nrxd = cfg->rx_desc, ntxd = cfg->tx_desc, q;
	unsigned want_rxq;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: cannot read device info: %s", p->name,
		         rte_strerror(-rc));
		return -1;
	}
	pool = pool_for(app, p->socket, err, errlen);
	if (pool == NULL)
		return -1;
	want_rxq = (p->sink || app->replay) ? 1 : dnsf_config_rx_queues(cfg);
	if (!p->sink && !app->replay && info.flow_type_rss_offloads == 0 &&
	    strcmp(info.driver_name, "net_af_packet") == 0) {
		/* af_packet has no RSS, but with qpairs=N the kernel spreads packets over its N
		 * sockets (PACKET_FANOUT_HASH, a symmetric flow hash): every one of them must be
		 * polled, or what lands on an unpolled one is lost. */
		want_rxq = info.max_rx_queues;
	} else if (want_rxq > 1 && info.flow_type_rss_offloads == 0) {
		fprintf(stderr, "dnsfence: port %s: no RSS on this device, using one RX queue\n",
		        p->name);
		want_rxq = 1;
	}
	if (want_rxq > info.max_rx_queues) {
		fprintf(stderr, "dnsfence: port %s: device has %u RX queues, using them all\n",
		        p->name, info.max_rx_queues);
		want_rxq = info.max_rx_queues;
	}
	p->nb_rxq = (uint16_t)want_rxq;
	/* One TX queue per worker: any worker may transmit on any port (pass to the pair, refuse
	 * back out of the port a query came in on), and TX queues are not thread-safe. */
	p->nb_txq = p->sink ? 1 : app->n_workers;
	if (p->nb_txq > info.max_tx_queues) {
		snprintf(err, errlen,
		         "port %s: device has %u TX queues, dnsfence needs one per worker (%u); "
		         "give the device more queues (e.g. qpairs=N for net_af_packet) or use "
		         "fewer workers",
		         p->name, info.max_tx_queues, p->nb_txq);
		return -1;
	}
	if (p->nb_rxq > 1) {
		size_t klen = info.hash_key_size ? info.hash_key_size : 40;

		if (klen > sizeof(key))
			klen = sizeof(key);
		symmetric_key(key, klen);
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = key;
		conf.rx_adv_conf.rss_conf.rss_key_len = (uint8_t)klen;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) &
		    info.flow_type_rss_offloads;
		p->rss = 1;
	}
	rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: configure (%u RX, %u TX queues) failed: %s",
		         p->name, p->nb_rxq, p->nb_txq, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrxd, &ntxd);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: descriptor counts rejected: %s", p->name,
		         rte_strerror(-rc));
		return -1;
	}
	for (q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nrxd, (unsigned)p->socket, NULL, pool);
		if (rc != 0) {
			snprintf(err, errlen, "port %s: RX queue %u setup failed: %s", p->name, q,
			         rte_strerror(-rc));
			return -1;
		}
	}
	for (q = 0; q < p->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, ntxd, (unsigned)p->socket, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "port %s: TX queue %u setup failed: %s", p->name, q,
			         rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: start failed: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	p->started = 1;
	if (!p->sink) {
		/* A bump in the wire sees frames for every MAC on the segment. */
		rc = rte_eth_promiscuous_enable(p->port_id);
		if (rc != 0 && rc != -ENOTSUP)
			fprintf(stderr, "dnsfence: port %s: promiscuous mode not enabled: %s\n",
			        p->name, rte_strerror(-rc));
	}
	return 0;
}

static void
wait_links(struct dnsf_app *app)
{
	const uint64_t deadline = rte_get_timer_cycles() + 3 * rte_get_timer_hz();
	uint16_t i;

	for (;;) {
		int down = 0;

		for (i = 0; i < app->n_ports; i++) {
			struct rte_eth_link link;

			memset(&link, 0, sizeof(link));
			if (rte_eth_link_get_nowait(app->ports[i].port_id, &link) == 0 &&
			    link.link_status == RTE_ETH_LINK_DOWN)
				down++;
		}
		if (down == 0)
			return;
		if (rte_get_timer_cycles() > deadline || app->quit)
			break;
		usleep(50 * 1000);
	}
	for (i = 0; i < app->n_ports; i++) {
		struct rte_eth_link link;

		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(app->ports[i].port_id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_DOWN)
			fprintf(stderr,
			        "dnsfence: port %s: link still down after 3 s, continuing\n",
			        app->ports[i].name);
	}
}

int
dnsf_ports_setup(struct dnsf_app *app, char *err, size_t errlen)
{
	uint64_t need = dnsf_config_mbufs_needed(app->cfg, app->n_ports);
	uint16_t i;

	if (app->cfg->mbufs < need) {
		snprintf(err, errlen,
		         "%s: mempool.mbufs: %" PRIu32 " is too few for this run; at least %" PRIu64
		         " are needed with its %u ports (every RX/TX descriptor full, plus a "
		         "burst and a cache per worker)",
		         app->cfg->path, app->cfg->mbufs, need, app->n_ports);
		return -1;
	}
	for (i = 0; i < app->n_ports; i++)
		if (setup_one(app, &app->ports[i], err, errlen) != 0)
			return -1;
	if (!app->replay)
		wait_links(app);
	return 0;
}

/*
 * RX queue q of every port goes to worker q % workers. With the same symmetric RSS on the
 * inside and outside port, a query and its answer arrive on the same queue index of their two
 * ports, so this keeps a flow's both directions on one worker (its flow state is private).
 * Ports without RSS have one queue: they all land on worker 0 for the same reason.
 */
void
dnsf_ports_assign(struct dnsf_app *app)
{
	uint16_t i, q, w;

	for (w = 0; w < app->n_workers; w++)
		app->lc[w]->n_rxq = 0;
	for (i = 0; i < app->n_ports; i++) {
		const struct dnsf_app_port *p = &app->ports[i];

		if (p->sink || p->peer == DNSF_APP_PORT_NONE)
			continue;
		for (q = 0; q < p->nb_rxq; q++) {
			struct dnsf_lcore *lc = app->lc[q % app->n_workers];

			if (lc->n_rxq >= DNSF_APP_MAX_RXQ)
				continue;
			lc->rxq[lc->n_rxq].port_id = p->port_id;
			lc->rxq[lc->n_rxq].queue = q;
			lc->rxq[lc->n_rxq].app_port = i;
			lc->n_rxq++;
		}
	}
	for (w = 0; w < app->n_workers; w++)
		if (app->lc[w]->n_rxq == 0)
			fprintf(stderr,
			        "dnsfence: worker on lcore %u has no RX queue (ports have fewer "
			        "queues than there are workers); it stays idle\n",
			        app->lc[w]->lcore_id);
}

/* After the workers flushed: wait (bounded) until no port's opackets moves any more. */
int
dnsf_ports_tx_settle(struct dnsf_app *app)
{
	uint64_t prev = UINT64_MAX;
	int stable = 0, rounds;

	for (rounds = 0; rounds < 100 && stable < 3; rounds++) {
		uint64_t sum = 0;
		uint16_t i;

		for (i = 0; i < app->n_ports; i++) {
			struct rte_eth_stats st;

			if (app->ports[i].started &&
			    rte_eth_stats_get(app->ports[i].port_id, &st) == 0)
				sum += st.opackets;
		}
		stable = (sum == prev) ? stable + 1 : 0;
		prev = sum;
		usleep(10 * 1000);
	}
	return stable >= 3 ? 0 : -1;
}

void
dnsf_ports_shutdown(struct dnsf_app *app)
{
	uint16_t i;

	pthread_mutex_lock(&app->tel_lock);
	app->ports_closed = 1;
	pthread_mutex_unlock(&app->tel_lock);
	for (i = 0; i < app->n_ports; i++) {
		struct dnsf_app_port *p = &app->ports[i];

		if (!p->started)
			continue;
		/* net_pcap closes (and so completes) its capture files on stop. */
		if (rte_eth_dev_stop(p->port_id) != 0)
			fprintf(stderr, "dnsfence: port %s: stop failed\n", p->name);
		rte_eth_dev_close(p->port_id);
		p->started = 0;
	}
}
