/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_load — load a model file the way the engine does (this build's feature schema and
 * feature count) and print "ok <features> <layers> <desc>", or the loader's error (exit 1).
 * Used by tests/check_tools.py on the trainer's output.
 */
#include <stdio.h>

#include "dnsf_features.h"
#include "dnsf_model.h"

int
main(int argc, char **argv)
{
	struct dnsf_model *m;
	char err[256];

	if (argc != 2) {
		fprintf(stderr, "usage: model_load FILE\n");
		return 2;
	}
	if (dnsf_model_load(argv[1], dnsf_feat_schema_hash(), DNSF_F_VEC_COUNT, &m, err,
	                    sizeof(err)) != 0) {
		printf("error %s\n", err);
		return 1;
	}
	printf("ok %u %u %s\n", m->n_features, m->n_layers, m->desc);
	dnsf_model_free(m);
	return 0;
}
