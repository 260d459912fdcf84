// SHA-256 (OpenSSL's libcrypto), for content-addressed keys and erasure receipts.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lethe::util {

// Incremental hasher: feed any number of pieces, then take the digest once.
class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;

  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(std::string_view bytes);
  // Finishes the hash; the hasher must not be updated afterwards (throws std::logic_error if it is).
  Digest digest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  bool finished_ = false;
};

// Lower-case hexadecimal SHA-256 of `bytes` (64 characters).
std::string sha256_hex(std::string_view bytes);
std::string to_hex(const Sha256::Digest& digest);

}  // namespace lethe::util
