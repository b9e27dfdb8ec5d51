// JsonlFileSink; see jsonl_file_sink.h.
#include "connectors/file/jsonl_file_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace segstream {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  return Status::IOError(fmt::format("{} \"{}\": {}", what, path, std::strerror(errno)));
}

}  // namespace

JsonlFileSink::JsonlFileSink(std::string dir) : dir_(std::move(dir)) {
  files_[0].name = "segment-changes.jsonl";
  files_[1].name = "models.jsonl";
  files_[2].name = "dead-letters.jsonl";
}

JsonlFileSink::~JsonlFileSink() { CloseAll(); }

void JsonlFileSink::CloseAll() {
  for (File& f : files_) {
    if (f.fd >= 0) ::close(f.fd);
    f.fd = -1;
  }
  open_ = false;
}

Result<std::unique_ptr<JsonlFileSink>> OpenJsonlFileSink(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("the output directory name is empty");
  return std::unique_ptr<JsonlFileSink>(new JsonlFileSink(dir));
}

Status JsonlFileSink::Open(const SinkOffsets& committed) {
  CloseAll();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IOError(fmt::format("cannot create output directory \"{}\": {}", dir_, ec.message()));
  for (File& f : files_) {
    const std::string path = dir_ + "/" + f.name;
    f.pending.clear();
    f.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f.fd < 0) return Errno("cannot open output file", path);
    struct stat st;
    if (::fstat(f.fd, &st) != 0) return Errno("cannot stat output file", path);
    const auto it = committed.find(f.name);
    const int64_t want = it == committed.end() ? 0 : it->second;
    if (want < 0 || st.st_size < want) {
      return Status::Corruption(fmt::format(
          "output file \"{}\" has {} bytes but the state committed {}: it was truncated or replaced", path,
          static_cast<int64_t>(st.st_size), want));
    }
    // Drop output written after the last commit: the replay reproduces it.
    if (st.st_size != want && ::ftruncate(f.fd, want) != 0) return Errno("cannot truncate output file", path);
    if (::lseek(f.fd, want, SEEK_SET) < 0) return Errno("cannot seek output file", path);
    if (::fdatasync(f.fd) != 0) return Errno("cannot sync output file", path);
    f.size = want;
  }
  // Make new directory entries durable too.
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  open_ = true;
  return Status::OK();
}

JsonlFileSink::File* JsonlFileSink::FileFor(OutputStream stream) {
  switch (stream) {
    case OutputStream::kSegmentChanges:
      return &files_[0];
    case OutputStream::kModels:
      return &files_[1];
    case OutputStream::kDeadLetters:
      return &files_[2];
    case OutputStream::kCustomerSegments:
      return nullptr;
  }
  return nullptr;
}

Status JsonlFileSink::Append(OutputStream stream, std::string_view key, std::string_view value) {
  (void)key;  // files are not keyed
  if (!open_) return Status::InvalidArgument("JsonlFileSink::Append before Open");
  File* f = FileFor(stream);
  if (f == nullptr) return Status::OK();
  f->pending.append(value);
  f->pending.push_back('\n');
  return Status::OK();
}

Status JsonlFileSink::Flush() {
  if (!open_) return Status::InvalidArgument("JsonlFileSink::Flush before Open");
  for (File& f : files_) {
    if (f.pending.empty()) continue;
    const std::string path = dir_ + "/" + f.name;
    size_t done = 0;
    while (done < f.pending.size()) {
      const ssize_t w = ::write(f.fd, f.pending.data() + done, f.pending.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot write output file", path);
      }
      done += static_cast<size_t>(w);
    }
    if (::fdatasync(f.fd) != 0) return Errno("cannot sync output file", path);
    f.size += static_cast<int64_t>(f.pending.size());
    f.pending.clear();
  }
  return Status::OK();
}

SinkOffsets JsonlFileSink::Offsets() const {
  SinkOffsets out;
  for (const File& f : files_) out[f.name] = f.size;
  return out;
}

}  // namespace segstream
