#pragma once

// The changelog normalize: turns an upsert input (each row is the latest
// version of its key: a Kafka TABLE in json, csv, raw or avro, whose
// records carry no retractions) into a changelog with retractions.
//
// Shape (physical_plan.h). The upsert source's tasks end in a hash
// exchange on the table's PRIMARY KEY, so every record of one key reaches
// the task owning its key group, in the order of its partition; that task
// runs this operator, then the operators above the scan.
//
// State. Per key, one state-store entry (storage/state_store.h):
//
//   key   = operator id | key group | encoded PRIMARY KEY columns
//   value = the latest row, every column encoded with key_codec's
//           AppendValue (so it decodes back to the same values)
//
// Per input row, in order:
//   +I / +U  a new key: +I row; a changed row: -U old, +U new; a row
//            identical to the stored one: nothing.
//   -D / -U  (a tombstone: only the key columns are meaningful) a stored
//            key: -D of the stored row, and its entry is deleted; an
//            unknown key: nothing.
// So the output is a changelog keyed by the PRIMARY KEY in which every
// retraction is the row last emitted for its key. Output beyond the
// per-step budget is kept and emitted by ContinueOutput (operator.h).

#include <memory>
#include <string>
#include <vector>

#include "engine/exec/aggregate.h"
#include "engine/exec/operator.h"
#include "engine/types/schema.h"

namespace weir::exec {

/// The normalize of one task over rows of `schema` keyed by `key_columns`;
/// owns `store` (AggregateStore: any keyed operator's store). `source`
/// names the table in errors.
std::unique_ptr<Operator> MakeChangelogNormalizeOperator(
    std::shared_ptr<const types::Schema> schema, std::vector<int> key_columns,
    AggregateStore store, std::string source);

}  // namespace weir::exec
