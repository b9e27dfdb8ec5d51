// A minimal parser of the Prometheus text exposition format for tests: maps
// each sample (metric name + label set) to its value, independent of label
// order and of the serializer's formatting.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segstream::testing {

using LabelSet = std::map<std::string, std::string>;

class Exposition {
 public:
  // Parses `text`; malformed sample lines make ok() false.
  explicit Exposition(std::string_view text);

  bool ok() const { return ok_; }
  std::optional<double> Value(const std::string& name, const LabelSet& labels = {}) const;
  // Number of samples of `name` (any labels).
  size_t Count(const std::string& name) const;
  // Every sample of `name` with its labels.
  std::vector<std::pair<LabelSet, double>> Samples(const std::string& name) const;
  // The TYPE line of a family ("counter", "gauge", "histogram"), if any.
  std::optional<std::string> Type(const std::string& name) const;

 private:
  bool ok_ = true;
  std::map<std::pair<std::string, LabelSet>, double> samples_;
  std::map<std::string, std::string> types_;
};

}  // namespace segstream::testing
