// ByteStream: the bytes of a file or stdin, gunzipped when they start with
// the gzip magic 1f 8b (the extension is not trusted). Multi-member gzip
// files (cat a.gz b.gz) read as the concatenation of their members.
//
// Thread safety: none; FileSource hands it from the opening thread to its
// reader thread once, before the reader starts.
#pragma once

#include <zlib.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace segstream {

class ByteStream {
 public:
  // `path_or_dash` "-" reads stdin (not closed on destruction).
  static Result<std::unique_ptr<ByteStream>> Open(const std::string& path_or_dash);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to `n` (decompressed) bytes into `dst`; 0 means end of stream.
  Result<size_t> Read(char* dst, size_t n);

  // Makes a blocked or later Read return Status::Aborted (a pipe that
  // never delivers must not keep FileSource's reader thread alive). The
  // flag is read every 100 ms while waiting for input; it must outlive this.
  void SetCancelFlag(const std::atomic<bool>* cancel) { cancel_ = cancel; }

  bool gzip() const { return gzip_; }
  // True for a regular file (also when redirected to stdin): its bytes are
  // all there, so reading ahead never waits. False for a pipe, FIFO, socket
  // or terminal, whose bytes arrive when the writer sends them.
  bool regular_file() const { return regular_file_; }
  const std::string& name() const { return name_; }

 private:
  ByteStream(int fd, bool owns_fd, std::string name);
  Status Start();                            // fills the first raw bytes, detects gzip
  Result<size_t> ReadRaw(char* dst, size_t n);  // read(2), retrying EINTR, honouring cancel_
  Status RefillInput();

  int fd_;
  bool owns_fd_;
  std::string name_;
  bool gzip_ = false;
  bool regular_file_ = false;
  bool raw_eof_ = false;
  std::vector<char> in_;  // raw (compressed) bytes read ahead
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  z_stream zs_{};
  bool zs_init_ = false;
  bool member_done_ = false;
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace segstream
