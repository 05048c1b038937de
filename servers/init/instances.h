/* instances.h: a per_device service becomes one service per device it matches. */
#pragma once

#include "manifest.h"

/*
 * A per_device service (manifest.h) serves one device per instance: a machine with two disks runs
 * two drivers, each its own process, restarted alone, under its own name. At start-up init counts
 * the PCI functions each of the service's device ids matches and replaces the service by its
 * instances NAME:0, NAME:1, ... in the order of the ids, then of the functions of each: instance N
 * is granted exactly that function (the id with its match index), runs that id's binary and gets N
 * as main's arg, by which it registers service/NAME:N. The numbering holds for the boot: a
 * restarted instance gets its own function again. Ids that match the same function would count it
 * twice (the second instance's grant then fails): a manifest's alternatives must not overlap. A
 * service that matches nothing is kept as it is, and init reports it absent. At most
 * MANIFEST_INSTANCES_MAX instances, and MANIFEST_MAX_SERVICES services in all: past either, the
 * devices left over are logged and not served. Pure (tests/unit/test_manifest.c).
 */

/* How many PCI functions match id (its index ignored). */
typedef unsigned (*instances_count_fn)(void *ctx, const struct device_match *id);

/* Replaces every per_device service of m by its instances; returns the number of services. */
unsigned manifest_instances(struct manifest *m, instances_count_fn count, void *ctx, manifest_log_fn log,
                            void *log_ctx);
