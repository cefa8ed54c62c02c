// Creating files in directories wpm may not own (a pidfile in /run or /tmp, reports in a shared
// --out). Opening `path` with O_CREAT|O_TRUNC would follow a symlink planted there, or write
// into a file someone else placed; a fixed `<path>.tmp` is just as plantable. So a file is
// written under an unpredictable name (mkstemp, O_EXCL) in the same directory, given its mode
// with fchmod, and renamed over `path`: rename replaces a symlink or a foreign file at `path`
// instead of writing through it, and readers never see half a file.
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace wpm {

// Replaces `path` with a new file holding `text`, mode `mode` (0600 unless told otherwise).
// The temporary is removed on every failure.
Status replace_file(const std::string& path, std::string_view text, mode_t mode = 0600);

// The identity (device, inode) of the file replace_file() left at a path, so that a later
// cleanup removes that file and not whatever someone put there since.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
};
Result<FileId> replace_file_id(const std::string& path, std::string_view text, mode_t mode = 0600);
// Unlinks `path` only while it is still the file `id` (not followed if a symlink).
void unlink_if_same(const std::string& path, const FileId& id);

// A new, empty file at `path` (mode `mode`) open for writing, for output written over time (a
// pool's log): created and renamed like replace_file(), then handed over.
Result<UniqueFd> create_replacing(const std::string& path, mode_t mode = 0600);

// Reads a whole regular file, refusing a symlink at `path` (O_NOFOLLOW).
Result<std::string> read_file_nofollow(const std::string& path);

}  // namespace wpm
