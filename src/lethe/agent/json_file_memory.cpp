#include "lethe/agent/json_file_memory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_set>
#include <vector>

#include "lethe/agent/memory_error.hpp"

namespace lethe::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "lethe-agent-memory";
constexpr int kVersion = 1;

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

[[noreturn]] void fail_errno(const std::string& action, const fs::path& path) {
  throw MemoryError("memory file: cannot " + action + " " + quoted(path) + ": " + std::strerror(errno));
}

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

void write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail_errno("write", path);
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

void fsync_or_throw(int fd, const fs::path& path) {
  if (::fsync(fd) != 0) fail_errno("flush to disk", path);
}

void fsync_directory(const fs::path& directory) {
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) fail_errno("open directory", directory);
  fsync_or_throw(dir.get(), directory);
}

// Removes the temporary file unless the rename consumed it, so no copy of memory content outlives a failed write.
class TemporaryFile {
 public:
  explicit TemporaryFile(fs::path path) : path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (!consumed_) ::unlink(path_.c_str());
  }
  const fs::path& path() const { return path_; }
  void mark_consumed() { consumed_ = true; }

 private:
  fs::path path_;
  bool consumed_ = false;
};

std::string temporary_prefix(const fs::path& file) { return file.filename().string() + ".tmp."; }

fs::path directory_of(const fs::path& file) {
  const fs::path parent = file.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// Overwrites the bytes of a file that no name refers to any more (the one a rename just replaced).
void scrub_unlinked(int fd, const fs::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_nlink != 0 || info.st_size <= 0) return;
  const std::vector<char> zeros(64 * 1024, '\0');
  if (::lseek(fd, 0, SEEK_SET) != 0) fail_errno("rewind replaced copy of", path);
  auto remaining = static_cast<std::size_t>(info.st_size);
  while (remaining > 0) {
    const std::size_t chunk = std::min(remaining, zeros.size());
    write_all(fd, zeros.data(), chunk, path);
    remaining -= chunk;
  }
  fsync_or_throw(fd, path);
}

std::string read_whole_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail_errno("read", file);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail_errno("read", file);
  return buffer.str();
}

std::vector<MemoryEntry> parse_memory_file(const fs::path& file, const std::string& text) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    throw MemoryError("memory file " + quoted(file) + " is corrupt (not valid JSON at byte " + std::to_string(e.byte) +
                      "): " + e.what() + "; the file was left untouched");
  }
  const auto not_memory = [&](const std::string& why) {
    return MemoryError("memory file " + quoted(file) + " is not a Lethe memory file: " + why +
                       " (expected {\"format\": \"" + kFormat +
                       "\", \"version\": 1, \"entries\": [...]}; a Reflexion "
                       "log can be imported with import_reflexion_memory); the file was left untouched");
  };
  if (!document.is_object()) throw not_memory("the top level is not an object");
  const auto format = document.find("format");
  if (format == document.end() || *format != kFormat) throw not_memory("field 'format' is missing or different");
  const auto version = document.find("version");
  if (version == document.end() || !version->is_number_integer()) throw not_memory("field 'version' is missing");
  if (*version != kVersion) {
    throw MemoryError("memory file " + quoted(file) + " has format version " + version->dump() +
                      ", this build reads version " + std::to_string(kVersion) + "; the file was left untouched");
  }
  const auto entries_json = document.find("entries");
  if (entries_json == document.end() || !entries_json->is_array()) throw not_memory("field 'entries' is not an array");

  std::vector<MemoryEntry> entries;
  entries.reserve(entries_json->size());
  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; i < entries_json->size(); ++i) {
    try {
      entries.push_back(MemoryEntry::from_json((*entries_json)[i]));
    } catch (const MemoryError& e) {
      throw MemoryError("memory file " + quoted(file) + ": entries[" + std::to_string(i) + "]: " + e.what() +
                        "; the file was left untouched");
    }
    if (!ids.insert(entries.back().id).second) {
      throw MemoryError("memory file " + quoted(file) + ": entries[" + std::to_string(i) + "]: id '" +
                        entries.back().id + "' appears twice; the file was left untouched");
    }
  }
  return entries;
}

std::string serialize(const std::vector<MemoryEntry>& entries) {
  json array = json::array();
  for (const auto& entry : entries) array.push_back(entry.to_json());
  const json document = {{"format", kFormat}, {"version", kVersion}, {"entries", std::move(array)}};
  return document.dump(2) + "\n";
}

}  // namespace

struct JsonFileMemory::State {
  fs::path file;
  FileDescriptor lock;
  mutable std::mutex mutex;
  std::vector<MemoryEntry> entries;
  std::unordered_set<std::string> ids;
  std::atomic<std::uint64_t> temporary_counter{0};

  // Atomically replaces the file with `content`. With `keep_replaced`, returns a descriptor of the replaced file, so
  // that its bytes can be scrubbed.
  FileDescriptor write(const std::vector<MemoryEntry>& content, bool keep_replaced) {
    const std::string text = serialize(content);
    const fs::path directory = directory_of(file);
    TemporaryFile temporary(directory / (temporary_prefix(file) + std::to_string(::getpid()) + "." +
                                         std::to_string(temporary_counter.fetch_add(1))));
    {
      FileDescriptor out(::open(temporary.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!out.valid()) fail_errno("create", temporary.path());
      write_all(out.get(), text.data(), text.size(), temporary.path());
      fsync_or_throw(out.get(), temporary.path());
    }
    FileDescriptor replaced;
    if (keep_replaced) replaced = FileDescriptor(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (::rename(temporary.path().c_str(), file.c_str()) != 0) fail_errno("replace", file);
    temporary.mark_consumed();
    fsync_directory(directory);
    return replaced;
  }

  void remove_stale_temporaries() const {
    const std::string prefix = temporary_prefix(file);
    std::error_code ec;
    for (const auto& item : fs::directory_iterator(directory_of(file), ec)) {
      const std::string name = item.path().filename().string();
      if (name.rfind(prefix, 0) == 0 && item.is_regular_file()) ::unlink(item.path().c_str());
    }
  }
};

JsonFileMemory::JsonFileMemory(fs::path file) : state_(std::make_unique<State>()) {
  state_->file = std::move(file);
  const fs::path& path = state_->file;
  const fs::path lock_path = fs::path(path.string() + ".lock");
  state_->lock = FileDescriptor(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!state_->lock.valid()) fail_errno("create lock file", lock_path);
  if (::flock(state_->lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw MemoryError("memory file " + quoted(path) + " is in use by another process (lock " + quoted(lock_path) +
                        ")");
    }
    fail_errno("lock", lock_path);
  }

  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (ec) throw MemoryError("memory file " + quoted(path) + ": " + ec.message());
  if (exists) {
    if (!fs::is_regular_file(path, ec)) throw MemoryError("memory file " + quoted(path) + " is not a regular file");
    state_->entries = parse_memory_file(path, read_whole_file(path));
    for (const auto& entry : state_->entries) state_->ids.insert(entry.id);
  }
  // Left by a writer that was killed: they may hold content erased since, and no live writer exists (we hold the
  // lock), so they go.
  state_->remove_stale_temporaries();
  if (!exists) state_->write({}, false);
}

JsonFileMemory::~JsonFileMemory() = default;

const fs::path& JsonFileMemory::path() const { return state_->file; }

void JsonFileMemory::store(const std::vector<MemoryEntry>& entries) {
  std::lock_guard lock(state_->mutex);
  for (const auto& entry : entries) {
    if (state_->ids.count(entry.id) != 0) {
      throw MemoryError("memory entry id '" + entry.id + "' already exists in " + quoted(state_->file));
    }
  }
  std::vector<MemoryEntry> next = state_->entries;
  next.insert(next.end(), entries.begin(), entries.end());
  state_->write(next, false);
  state_->entries = std::move(next);
  for (const auto& entry : entries) state_->ids.insert(entry.id);
}

std::vector<MemoryEntry> JsonFileMemory::load(const std::optional<std::string>& environment) const {
  std::lock_guard lock(state_->mutex);
  if (!environment) return state_->entries;
  std::vector<MemoryEntry> out;
  for (const auto& entry : state_->entries) {
    if (entry.provenance.environment == *environment) out.push_back(entry);
  }
  return out;
}

std::size_t JsonFileMemory::count() const {
  std::lock_guard lock(state_->mutex);
  return state_->entries.size();
}

std::vector<RemovedEntry> JsonFileMemory::remove_matching(const ErasureTarget& target) {
  std::lock_guard lock(state_->mutex);
  std::vector<MemoryEntry> kept;
  std::vector<RemovedEntry> removed;
  for (const auto& entry : state_->entries) {
    if (matches(target, entry)) {
      removed.push_back({entry.id, entry.content_hash()});
    } else {
      kept.push_back(entry);
    }
  }
  if (removed.empty()) return removed;
  const FileDescriptor replaced = state_->write(kept, true);
  state_->entries = std::move(kept);
  for (const auto& r : removed) state_->ids.erase(r.id);
  if (replaced.valid()) scrub_unlinked(replaced.get(), state_->file);
  return removed;
}

}  // namespace lethe::agent
