// PrometheusObserver: turns the pipeline's per-batch reports into Prometheus
// metrics (prefix `segstream_`) and renders them in the text exposition
// format for GET /metrics. Every metric is documented in docs/metrics.md.
//
// Thread safety: OnBatch/OnReady are called by the pipeline thread (calls are
// serialised internally, so several callers are safe too); Scrape() may run
// concurrently from any number of HTTP threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/observe/observer.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace segstream {

struct BuildInfo {
  std::string version;     // e.g. "0.1.0"
  std::string git_commit;  // short hash, or "unknown"
};

// The Content-Type of Scrape()'s output.
inline constexpr std::string_view kPrometheusTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";

class PrometheusObserver : public PipelineObserver {
 public:
  explicit PrometheusObserver(const BuildInfo& build);
  ~PrometheusObserver() override;
  PrometheusObserver(const PrometheusObserver&) = delete;
  PrometheusObserver& operator=(const PrometheusObserver&) = delete;

  void OnBatch(const BatchReport& report) override;
  void OnReady(bool ready) override;
  void OnRestore(const RestoreProgress& progress) override;

  // The text exposition (format 0.0.4) of every metric.
  std::string Scrape() const;

  // For embedding callers that want to add their own metrics.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  struct EventSeries {
    std::string result;
    std::string reason;
    prometheus::Counter* counter = nullptr;
  };
  struct SegmentSeries {
    std::string name;
    prometheus::Gauge* customers = nullptr;
    prometheus::Gauge* shift = nullptr;
  };

  prometheus::Counter& EventCounter(const std::string& result, const std::string& reason);
  prometheus::Counter& ChangeCounter(const std::string& reason);
  void ObserveAll(const std::vector<double>& end_to_end_seconds);
  void UpdateModel(const BatchReport& report);
  void UpdateSegments(const ModelGauge* model);
  void UpdateLag(const BatchReport& report);
  void UpdateStore(const StoreGauge& store);

  std::shared_ptr<prometheus::Registry> registry_;

  // Family pointers are resolved once; the registry owns the families.
  prometheus::Family<prometheus::Counter>* events_ = nullptr;
  prometheus::Family<prometheus::Counter>* changes_ = nullptr;
  prometheus::Family<prometheus::Gauge>* lag_ = nullptr;
  prometheus::Family<prometheus::Gauge>* segment_customers_ = nullptr;
  prometheus::Family<prometheus::Gauge>* segment_shift_ = nullptr;

  prometheus::Counter* batches_ = nullptr;
  prometheus::Histogram* processing_ = nullptr;
  prometheus::Histogram* end_to_end_ = nullptr;
  prometheus::Gauge* customers_ = nullptr;
  prometheus::Gauge* customers_active_ = nullptr;
  // A gauge series that exists only once it has a value (Set) and can be
  // withdrawn (Clear); guarded by mu_ like the rest.
  struct OptionalGauge {
    prometheus::Family<prometheus::Gauge>* family = nullptr;
    prometheus::Gauge* gauge = nullptr;
    void Set(double v);
    void Clear();
  };
  OptionalGauge watermark_;
  OptionalGauge last_batch_;
  OptionalGauge model_version_;
  OptionalGauge model_k_;
  OptionalGauge inertia_;
  OptionalGauge silhouette_;
  OptionalGauge max_shift_;
  prometheus::Counter* publications_ = nullptr;
  prometheus::Gauge* sst_bytes_ = nullptr;
  prometheus::Gauge* memtable_bytes_ = nullptr;
  prometheus::Gauge* pending_compaction_ = nullptr;
  OptionalGauge cache_hit_ratio_;
  prometheus::Counter* cache_hits_ = nullptr;
  prometheus::Counter* cache_misses_ = nullptr;
  prometheus::Counter* stall_seconds_ = nullptr;
  prometheus::Gauge* ready_ = nullptr;
  prometheus::Gauge* restoring_ = nullptr;
  prometheus::Gauge* restore_remaining_ = nullptr;
  prometheus::Counter* restore_records_ = nullptr;

  // State below is guarded by mu_ (the pipeline thread is the only writer in
  // practice; the lock makes a second caller harmless).
  std::mutex mu_;
  // A few dozen series at most: a linear scan with string compares beats a
  // hash map here and allocates nothing per batch.
  std::vector<EventSeries> event_series_;
  std::vector<std::pair<std::string, prometheus::Counter*>> change_series_;  // by reason
  std::map<int, SegmentSeries> segments_;                               // by segment_id
  std::map<int32_t, prometheus::Gauge*> partitions_;                    // by partition
  StoreGauge last_store_;  // cumulative RocksDB statistics seen last batch
  uint64_t restore_records_seen_ = 0;  // the running restore's records already counted
};

}  // namespace segstream
