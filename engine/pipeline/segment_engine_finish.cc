// SegmentEngine, the end of a finite input (or --until-idle): the last step,
// the rescoring pass under way, and a final version, in bounded shares.
#include <algorithm>

#include "engine/pipeline/segment_engine.h"

namespace segstream {

Status SegmentEngine::Finish(EngineOutputs* out) {
  bool more = true;
  while (more) SEGSTREAM_RETURN_IF_ERROR(FinishSome(out, &more));
  return Status::OK();
}

Status SegmentEngine::FinishSome(EngineOutputs* out, bool* more) {
  read_error_ = Status::OK();
  *more = false;
  SEGSTREAM_RETURN_IF_ERROR(FinishModel(out, more));
  return read_error_;
}

Status SegmentEngine::FinishModel(EngineOutputs* out, bool* more) {
  if (accepted_since_step_ > 0 || !step_buffer_.empty()) Step(out);
  if (!options_.model_enabled) return Status::OK();
  const size_t budget = std::max<size_t>(options_.rescore_per_step, 1) * 4;
  // A pass under way (the last version's, or the final one's from an
  // earlier call) ends first, a share per call.
  if (pass_.active) {
    AdvancePass(budget, out);
    if (pass_.active) {
      *more = true;
      return Status::OK();
    }
  }
  if (serving_.empty()) {
    if (active_ >= std::max<uint64_t>(options_.min_customers_at_end, 2)) {
      Bootstrap(out);
      *more = pass_.active;
    }
    return Status::OK();
  }
  if (accepted_since_publish_ > 0 || steps_since_publish_ > 0) {
    Publish("final", out);
    *more = pass_.active;
  }
  return Status::OK();
}

}  // namespace segstream
