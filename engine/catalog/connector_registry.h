#pragma once

// The connectors a session knows, by name. Filled once (by
// connectors/registry.h for the built-in ones, or by a test with its own)
// and then only read: a registry is shared, immutable, by every session
// and binder that uses it.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/catalog/connector.h"

namespace weir::catalog {

class ConnectorRegistry {
 public:
  ConnectorRegistry() = default;
  ConnectorRegistry(const ConnectorRegistry&) = delete;
  ConnectorRegistry& operator=(const ConnectorRegistry&) = delete;

  /// A registry with no connectors (every connector name is unknown).
  static const ConnectorRegistry& Empty();

  /// Adds `connector`. AlreadyExists when its name is taken;
  /// InvalidArgument when its name is empty or not lower-case. Not
  /// thread-safe: register everything before sharing the registry.
  absl::Status Register(std::unique_ptr<Connector> connector);

  /// The connector called `name` (any case), or nullptr.
  const Connector* Find(std::string_view name) const;

  /// The connectors in registration order, which is the order messages
  /// list them in.
  const std::vector<std::unique_ptr<const Connector>>& connectors() const {
    return connectors_;
  }

  /// How messages name the outside system of `connector`: its display
  /// name ("MySQL"), or `connector` itself when it is not registered.
  std::string DisplayNameOf(std::string_view connector) const;

  /// Their names, in registration order.
  std::vector<std::string> Names() const;

  /// The display names of the connectors for which `pred` holds, each
  /// once, joined for a message: "Kafka", "Kafka and Counter".
  std::string DisplayNames(
      const std::function<bool(const ConnectorInfo&)>& pred) const;

  /// The names of the connectors for which `pred` holds, joined for a
  /// message: "kafka, nexmark and datagen".
  std::string NamesWhere(
      const std::function<bool(const ConnectorInfo&)>& pred) const;

 private:
  std::vector<std::unique_ptr<const Connector>> connectors_;
};

/// `names` joined as in "a, b and c" ("a" alone, "" for none).
std::string JoinWithAnd(const std::vector<std::string>& names);

}  // namespace weir::catalog
