#pragma once

// Kafka topics as runtime sources and INSERT targets: the glue between the
// librdkafka clients, the record formats and the runtime's Source contract.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/kafka/kafka_client.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/types/batch.h"

namespace weir::connectors::kafka {

/// Opens split `split` of `splits` of the Kafka stream `entry`: the topic's
/// partitions p with p % splits == split, read from the start position of
/// `scan.startup.mode` (default earliest-offset; group-offsets: the offsets
/// committed under `group.id` or `properties.group.id`, else
/// `properties.auto.offset.reset`, default earliest; the source then
/// reports its positions (exec::Source::position) and commits them,
/// asynchronously, only when the runtime says their rows were delivered)
/// and decoded with `format` (default json). A record that does not decode
/// fails the query with its topic/partition/offset (`format.on-error` =
/// 'fail', the default: the rows before it are returned first, the error
/// by the next Next, and the position stays at the bad record), is skipped
/// and counted ('skip'), or is copied to the DLQ topic (DlqTopicOf) with
/// the error in a header ('dlq'). The clients are configured by the
/// entry's bootstrap.servers and properties.* over `session` (the
/// session's librdkafka properties: SET and the config file), with
/// `bootstrap` as the cluster when neither names one. Metadata columns are
/// filled from the record: key, topic, partition, offset, timestamp, headers
/// (all headers as a JSON object text, the last of repeated names winning) and
/// header.<name> (that header's value, NULL when absent). Told by ReadOnly
/// (projection pushdown) which columns the query reads, it has the decoder
/// skip the fields of the others (NULL in the rows; an upsert TABLE's key
/// columns are always decoded). Next never waits for
/// data (see exec::Source): it returns 0 rows when nothing is fetched, and also
/// while the cluster is unreachable (said once on stderr, and again when it
/// is back). Errors: NotFound when the topic does not exist; Unavailable
/// when no broker answers; InvalidArgument for group-offsets without a
/// group id.
absl::StatusOr<std::unique_ptr<exec::Source>> OpenKafkaSource(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
    int split, int splits, const std::string& bootstrap,
    const KafkaConfig& session = {});

/// Opens the writer of sink task `task` of `tasks` for `target`: a CREATE
/// SINK entry, or the stream an INSERT writes; its producer is configured
/// as OpenKafkaSource's clients are, with `client.id`
/// "weir-sink-<name>-<task>of<tasks>" unless a level sets one. Rows (of
/// `schema`, the query's output, matching the target's columns) become
/// records of the target's topic, which must exist (the session creates
/// it):
///  - value in `format` (default json). A changelog (!target.append_only)
///    in debezium-json is written as before/after events; in json (or csv,
///    raw) as an upsert topic: insert and update-after write the row,
///    delete writes a tombstone (null value) with the key, update-before
///    writes nothing.
///  - key: the columns named by `key.fields` (comma-separated), else a
///    'key' metadata column, else the target's key columns, else none;
///    encoded by `key.format`: json (default, an object of the key
///    columns) or raw (a single key column's text). Records go to the
///    partition of their key's hash (librdkafka's partitioner), so a key
///    stays on one partition.
///  - metadata columns: 'timestamp' sets the record timestamp,
///    'header.<name>' a header (NULL: none); topic, partition, offset and
///    'headers' are ignored.
///  - `value.fields-include` = 'except_key' leaves the key columns out of
///    the value.
/// The producer is idempotent. Write queues and does not wait; Ready() is
/// false while 50,000 or more records are undelivered; the first delivery
/// error (naming topic, partition and bootstrap servers) is returned by the
/// next Write or Flush. Delivery() counts rows acknowledged by the broker
/// and rows still pending, and says "output broker unreachable: SERVERS"
/// while records are pending and none was acknowledged for 3 s.
/// Errors at open: InvalidArgument for a key.fields name that is not a
/// column (naming it and the columns), a changelog in a non-debezium format
/// without a key, raw key.format with several key columns, bad properties.
absl::StatusOr<std::unique_ptr<exec::Sink>> OpenKafkaSink(
    const catalog::Entry& target, std::shared_ptr<const types::Schema> schema,
    int task, int tasks, const std::string& bootstrap,
    const KafkaConfig& session = {});

/// The exactly-once variant (docs/state-and-recovery.md, "Kafka
/// transactions"): every task of the sink writes through one
/// transactional producer (transactional.id weir-sink-<name>), held by
/// `*committer`, which the first call opens (creating the sink's marker
/// topic) and later calls share; the committer commits one transaction
/// per checkpoint.
absl::StatusOr<std::unique_ptr<exec::Sink>> OpenTxnKafkaSink(
    const catalog::Entry& target, std::shared_ptr<const types::Schema> schema,
    int task, int tasks, const std::string& bootstrap,
    const KafkaConfig& session,
    std::shared_ptr<exec::SinkCommitter>* committer);

/// INSERT ... VALUES: writes the live rows of `rows` (of the entry's
/// schema) to the entry's topic as OpenKafkaSink's sink would, and waits
/// until the broker has them all (up to 30 s). Returns how many records
/// were written; errors name the topic and the broker.
absl::StatusOr<size_t> WriteRows(const catalog::Entry& entry,
                                 const types::Batch& rows,
                                 const std::string& bootstrap,
                                 const KafkaConfig& session = {});

class EmbeddedBroker;

/// Makes sure `topic` exists on the cluster of `entry` (its
/// bootstrap.servers, else `bootstrap`; its properties.* over `session`
/// configure the admin client): when it does not, creates it with
/// `partitions` partitions, on `embedded` when that is the cluster, else
/// through the admin API. Returns its partition count.
absl::StatusOr<int> EnsureTopic(const catalog::Entry& entry,
                                const std::string& topic, int partitions,
                                const std::string& bootstrap,
                                EmbeddedBroker* embedded,
                                const KafkaConfig& session = {});

/// The librdkafka configuration the clients of `entry` get in a session
/// whose settings (SET over the config file) are `settings`, as a query
/// merges it: the entry's own bootstrap.servers and properties.* over the
/// session's 'properties.*' and 'bootstrap.servers'. Without
/// bootstrap.servers when no level names a cluster (a query then uses the
/// embedded broker). Each client adds Weir's defaults for its kind
/// (EffectiveClientConfig shows the result). InvalidArgument for an empty
/// 'properties.' name.
absl::StatusOr<KafkaConfig> EntryClientConfig(
    const catalog::Entry& entry,
    const std::map<std::string, std::string>& settings);

/// The topic of `entry`: its `topic` option, else its name.
std::string TopicOf(const catalog::Entry& entry);

/// The dead-letter topic of the source `entry`, where it copies records
/// that do not decode (`format.on-error` = 'dlq') and late rows
/// (`'late-rows' = 'dlq'`): its `format.dlq.topic`, else "<topic>.dlq";
/// "" when neither option says 'dlq'.
std::string DlqTopicOf(const catalog::Entry& entry);

/// Whether `entry` says `'late-rows' = 'dlq'`.
bool LateRowsToDlq(const catalog::Entry& entry);

/// The bootstrap servers of `entry` (its bootstrap.servers or
/// properties.bootstrap.servers option), or "" when it names none.
std::string EntryBootstrap(const catalog::Entry& entry);

}  // namespace weir::connectors::kafka
