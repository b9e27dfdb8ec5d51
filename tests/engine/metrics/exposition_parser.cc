// Test-only text exposition parser (see exposition_parser.h).
#include "tests/engine/metrics/exposition_parser.h"

#include <cstdlib>
#include <sstream>

namespace segstream::testing {

Exposition::Exposition(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream f(line.substr(7));
      std::string name, type;
      f >> name >> type;
      types_[name] = type;
      continue;
    }
    if (line[0] == '#') continue;
    size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) { ok_ = false; continue; }
    std::string name = line.substr(0, pos);
    LabelSet labels;
    if (line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        size_t eq = line.find('=', pos);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') { ok_ = false; break; }
        std::string key = line.substr(pos, eq - pos);
        std::string value;
        size_t i = eq + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          value.push_back(line[i]);
        }
        labels[key] = value;
        pos = i + 1;
        if (pos < line.size() && line[pos] == ',') ++pos;
      }
      pos = line.find(' ', pos);
      if (pos == std::string::npos) { ok_ = false; continue; }
    }
    const std::string number = line.substr(pos + 1);
    char* end = nullptr;
    double v = std::strtod(number.c_str(), &end);
    if (end == number.c_str()) { ok_ = false; continue; }
    samples_[{name, labels}] = v;
  }
}

std::optional<double> Exposition::Value(const std::string& name, const LabelSet& labels) const {
  auto it = samples_.find({name, labels});
  if (it == samples_.end()) return std::nullopt;
  return it->second;
}

size_t Exposition::Count(const std::string& name) const {
  size_t n = 0;
  for (const auto& [key, v] : samples_) n += key.first == name ? 1 : 0;
  return n;
}

std::vector<std::pair<LabelSet, double>> Exposition::Samples(const std::string& name) const {
  std::vector<std::pair<LabelSet, double>> out;
  for (const auto& [key, v] : samples_) {
    if (key.first == name) out.emplace_back(key.second, v);
  }
  return out;
}

std::optional<std::string> Exposition::Type(const std::string& name) const {
  auto it = types_.find(name);
  if (it == types_.end()) return std::nullopt;
  return it->second;
}

}  // namespace segstream::testing
