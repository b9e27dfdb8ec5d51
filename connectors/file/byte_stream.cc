// ByteStream; see byte_stream.h.
#include "connectors/file/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace segstream {
namespace {
constexpr size_t kRawChunk = 256 * 1024;
}  // namespace

Result<std::unique_ptr<ByteStream>> ByteStream::Open(const std::string& path_or_dash) {
  std::unique_ptr<ByteStream> s;
  if (path_or_dash == "-") {
    s.reset(new ByteStream(STDIN_FILENO, false, "stdin"));
  } else {
    const int fd = ::open(path_or_dash.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int e = errno;
      std::string msg = fmt::format("cannot open input \"{}\": {}", path_or_dash, std::strerror(e));
      return e == ENOENT ? Status::NotFound(std::move(msg)) : Status::IOError(std::move(msg));
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    s.reset(new ByteStream(fd, true, path_or_dash));
  }
  SEGSTREAM_RETURN_IF_ERROR(s->Start());
  return s;
}

ByteStream::ByteStream(int fd, bool owns_fd, std::string name)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), in_(kRawChunk) {
  struct stat st{};
  regular_file_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
}

ByteStream::~ByteStream() {
  if (zs_init_) inflateEnd(&zs_);
  if (owns_fd_) ::close(fd_);
}

Result<size_t> ByteStream::ReadRaw(char* dst, size_t n) {
  while (true) {
    if (cancel_ != nullptr) {
      if (cancel_->load(std::memory_order_relaxed)) return Status::Aborted("input reading was cancelled");
      // Wait for input in slices so a cancel is noticed (pipes, terminals);
      // regular files are always readable and pay one poll call per read.
      struct pollfd pfd = {fd_, POLLIN, 0};
      const int pr = ::poll(&pfd, 1, 100);
      if (pr == 0) continue;
      if (pr < 0 && errno != EINTR) {
        return Status::IOError(fmt::format("poll error on \"{}\": {}", name_, std::strerror(errno)));
      }
      if (pr < 0) continue;
    }
    const ssize_t r = ::read(fd_, dst, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    return Status::IOError(fmt::format("read error on \"{}\": {}", name_, std::strerror(errno)));
  }
}

Status ByteStream::RefillInput() {
  in_pos_ = in_len_ = 0;
  auto r = ReadRaw(in_.data(), in_.size());
  if (!r.ok()) return r.status();
  in_len_ = *r;
  if (in_len_ == 0) raw_eof_ = true;
  return Status::OK();
}

Status ByteStream::Start() {
  // A pipe may deliver one byte at a time: read until the magic is decidable.
  while (in_len_ < 2 && !raw_eof_) {
    auto r = ReadRaw(in_.data() + in_len_, in_.size() - in_len_);
    if (!r.ok()) return r.status();
    if (*r == 0) raw_eof_ = true;
    in_len_ += *r;
  }
  gzip_ = in_len_ >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f && static_cast<unsigned char>(in_[1]) == 0x8b;
  if (gzip_) {
    // 16 + MAX_WBITS: expect a gzip header and trailer (not raw zlib).
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) return Status::IOError("zlib inflateInit2 failed");
    zs_init_ = true;
  }
  return Status::OK();
}

Result<size_t> ByteStream::Read(char* dst, size_t n) {
  if (n == 0) return size_t{0};
  if (!gzip_) {
    if (in_pos_ < in_len_) {
      const size_t k = std::min(n, in_len_ - in_pos_);
      std::memcpy(dst, in_.data() + in_pos_, k);
      in_pos_ += k;
      return k;
    }
    if (raw_eof_) return size_t{0};
    return ReadRaw(dst, n);
  }
  while (true) {
    if (in_pos_ == in_len_ && !raw_eof_) SEGSTREAM_RETURN_IF_ERROR(RefillInput());
    const size_t avail = in_len_ - in_pos_;
    if (member_done_) {
      if (avail == 0 && raw_eof_) return size_t{0};
      // Another gzip member follows (cat a.gz b.gz is a valid gzip file).
      inflateReset(&zs_);
      member_done_ = false;
    }
    if (avail == 0 && raw_eof_) {
      return Status::Corruption(fmt::format("\"{}\": gzip stream is truncated", name_));
    }
    zs_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
    zs_.avail_in = static_cast<uInt>(avail);
    zs_.next_out = reinterpret_cast<Bytef*>(dst);
    zs_.avail_out = static_cast<uInt>(n);
    const int ret = inflate(&zs_, Z_NO_FLUSH);
    in_pos_ = in_len_ - zs_.avail_in;
    const size_t produced = n - zs_.avail_out;
    if (ret == Z_STREAM_END) {
      member_done_ = true;
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
      return Status::Corruption(fmt::format("\"{}\": gzip data error: {}", name_, zs_.msg ? zs_.msg : "inflate failed"));
    }
    if (produced > 0) return produced;
  }
}

}  // namespace segstream
