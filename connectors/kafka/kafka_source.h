#pragma once

// Kafka topics as runtime sources and INSERT targets: the glue between the
// librdkafka clients, the record formats and the runtime's Source contract.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/source.h"
#include "engine/types/batch.h"

namespace weir::connectors::kafka {

/// Opens split `split` of `splits` of the Kafka stream `entry`: the topic's
/// partitions p with p % splits == split, read from the start position of
/// `scan.startup.mode` (default earliest-offset) and decoded with `format`
/// (default json). A record that does not decode fails the query with its
/// topic/partition/offset (`format.on-error` = 'fail', the default), is
/// skipped and counted ('skip'), or is copied to `format.dlq.topic` with the
/// error in a header ('dlq'). `bootstrap` is used when the entry's options
/// name no bootstrap.servers. Errors: NotFound when the topic does not
/// exist; Unavailable when no broker answers.
absl::StatusOr<std::unique_ptr<exec::Source>> OpenKafkaSource(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema, int split,
    int splits, const std::string& bootstrap);

/// Writes the live rows of `rows` to the entry's topic in its format and
/// waits until the broker has them all (up to 30 s). Returns how many
/// records were written; errors name the topic and the broker.
absl::StatusOr<size_t> WriteRows(const catalog::Entry& entry, const types::Batch& rows,
                                 const std::string& bootstrap);

class EmbeddedBroker;

/// Makes sure the entry's topic exists: when it does not, creates it with
/// the entry's `partitions` option (else `default_partitions`) on
/// `embedded` when that is the cluster, else through the admin API.
/// Returns its partition count.
absl::StatusOr<int> EnsureTopic(const catalog::Entry& entry, const std::string& bootstrap,
                                EmbeddedBroker* embedded, int default_partitions);

/// The bootstrap servers of `entry` (its bootstrap.servers or
/// properties.bootstrap.servers option), or "" when it names none.
std::string EntryBootstrap(const catalog::Entry& entry);

}  // namespace weir::connectors::kafka
