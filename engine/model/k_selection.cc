// k selection by silhouette with a marketer's floor; see k_selection.h.
#include "engine/model/k_selection.h"

#include <fmt/format.h>

#include <cmath>

#include "engine/model/degenerate.h"
#include "engine/model/silhouette.h"

namespace segstream::model {

int ChooseK(const std::vector<KScore>& table) {
  if (table.empty()) return 0;
  const KScore* best_two = nullptr;
  const KScore* best_many = nullptr;  // k >= 3
  const KScore* best_any = nullptr;
  for (const KScore& row : table) {
    if (std::isnan(row.silhouette)) continue;  // undefined (k = 1)
    if (best_any == nullptr || row.silhouette > best_any->silhouette) best_any = &row;
    if (row.k >= 3) {
      if (best_many == nullptr || row.silhouette > best_many->silhouette) best_many = &row;
    } else if (row.k == 2) {
      best_two = &row;
    }
  }
  if (best_any == nullptr) return table.front().k;  // every silhouette undefined
  if (best_many == nullptr) return best_any->k;
  if (best_two != nullptr && best_two->silhouette > best_many->silhouette + kTwoClusterMargin) {
    return 2;
  }
  return best_many->k;
}

bool ShouldSwitchK(const KSelection& selection, int current_k, int* target) {
  *target = selection.chosen_k;
  if (selection.chosen_k <= 0 || selection.chosen_k == current_k) return false;
  const KScore* current = nullptr;
  const KScore* chosen = nullptr;
  for (const KScore& row : selection.table) {
    if (row.k == current_k) current = &row;
    if (row.k == selection.chosen_k) chosen = &row;
  }
  if (current == nullptr) return current_k > selection.distinct_points;  // more centres than profiles
  if (chosen == nullptr || std::isnan(chosen->silhouette)) return false;
  if (std::isnan(current->silhouette)) return true;
  return chosen->silhouette > current->silhouette + kKSwitchMargin;
}

bool ClearKWin(const KSelection& selection, int current_k, int target_k) {
  const KScore* current = nullptr;
  const KScore* target = nullptr;
  for (const KScore& row : selection.table) {
    if (row.k == current_k) current = &row;
    if (row.k == target_k) target = &row;
  }
  if (current == nullptr || std::isnan(current->silhouette)) return true;
  if (target == nullptr || std::isnan(target->silhouette)) return false;
  return target->silhouette >= current->silhouette + kKConfirmMargin;
}

KSelection SelectK(const Points& x, int k_min, int k_max, const KMeansOptions& base, size_t silhouette_sample) {
  KSelection selection;
  std::vector<KMeansFit> fits;
  selection.distinct_points = CountDistinctRows(x, k_max + 1);
  k_max = std::max(1, std::min(k_max, selection.distinct_points));
  k_min = std::min(std::max(1, k_min), k_max);
  for (int k = k_min; k <= k_max; ++k) {
    KMeansOptions options = base;
    options.k = k;
    KMeansFit fit = FitKMeans(x, options);
    const double s = k >= 2 ? Silhouette(x, fit.labels, k, silhouette_sample, base.seed) : std::nan("");
    selection.table.push_back(KScore{k, fit.inertia, s});
    fits.push_back(std::move(fit));
  }
  selection.chosen_k = ChooseK(selection.table);
  for (size_t i = 0; i < selection.table.size(); ++i) {
    if (selection.table[i].k == selection.chosen_k) selection.fit = std::move(fits[i]);
  }
  return selection;
}

std::string KSelectionRule() {
  return fmt::format("largest silhouette among k >= 3; k = 2 only when its silhouette exceeds that by more than {:g}",
                     kTwoClusterMargin);
}

std::string FormatElbowTable(const KSelection& selection) {
  std::string out = fmt::format("{:>5} {:>14} {:>11}\n", "k", "inertia", "silhouette");
  for (const KScore& row : selection.table) {
    out += fmt::format("{:>5} {:>14.4f} {:>11}{}\n", row.k, row.inertia,
                       std::isnan(row.silhouette) ? std::string("undefined") : fmt::format("{:.4f}", row.silhouette),
                       row.k == selection.chosen_k ? "  <- chosen" : "");
  }
  return out;
}

}  // namespace segstream::model
