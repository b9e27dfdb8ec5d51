// The instance id of a state directory: 128 random bits as 32 lowercase hex
// digits, created with the state (meta key `instance_id`, state/FORMAT.md)
// and kept for its life. It names the segstream instance that owns this
// state wherever the instance must be told apart from others in one
// consumer group (connectors/kafka): the metadata of the offsets it commits
// ("segstream:<id>") and its default transactional.id, which is then unique
// per instance yet stable across restarts, as Kafka's zombie fencing needs.
//
// Thread safety: call before the pipeline starts.
#pragma once

#include <string>

#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

// The stored id, or a new one committed to `store` first. Store errors are
// returned; a stored value that is not 32 hex digits is Corruption.
Result<std::string> LoadOrCreateInstanceId(StateStore* store);

}  // namespace segstream
