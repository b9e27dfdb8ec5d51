// InfoLog; see info_log.h.
#include "state/info_log.h"

#include <sys/time.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace segstream {
namespace {

class InfoLog final : public rocksdb::Logger {
 public:
  InfoLog(const std::string& path, rocksdb::InfoLogLevel level)
      : rocksdb::Logger(level), file_(std::fopen(path.c_str(), "a")) {}
  ~InfoLog() override { CloseFile(); }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (file_ == nullptr) return;
    timeval tv{};
    gettimeofday(&tv, nullptr);
    tm t{};
    localtime_r(&tv.tv_sec, &t);
    bool ok = std::fprintf(file_, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                           t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(tv.tv_usec)) > 0;
    ok = ok && std::vfprintf(file_, format, ap) >= 0 && std::fputc('\n', file_) != EOF && std::fflush(file_) == 0;
    if (!ok) {
      // A full or failing disk: stop logging rather than fail anything else.
      std::fclose(file_);
      file_ = nullptr;
    }
  }

  void Flush() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (file_ != nullptr && std::fflush(file_) != 0) {
      std::fclose(file_);
      file_ = nullptr;
    }
  }

 protected:
  rocksdb::Status CloseImpl() override {
    CloseFile();
    return rocksdb::Status::OK();
  }

 private:
  void CloseFile() {
    std::lock_guard<std::mutex> lock(mu_);
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }

  std::mutex mu_;
  std::FILE* file_;  // guarded by mu_; nullptr = discard
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& path, rocksdb::InfoLogLevel level) {
  return std::make_shared<InfoLog>(path, level);
}

}  // namespace segstream
